"""The Neo4j store's reads: every statement that answers a question (see :mod:`graph.store.cypher`
for the graph model, the names derived from the vocabulary, and the writes).

Each read is one round trip returning compact rows; aggregation happens here, in Cypher.
"""

from __future__ import annotations

from .cypher import (
    _ANY_LINK,
    _CHILD_MAP,
    _FAMILY_OF,
    _LINK_MAP,
    _PARENT_MAP,
    _REGION_MAP,
    _UNIT_MAP,
    union_all,
)
from .cypher_load import VISIBILITY_HEAD, visible

__all__ = [
    "PING",
    "GET_UNITS",
    "GET_REGIONS",
    "GET_LINKS",
    "CHILDREN",
    "NEIGHBOURS",
    "COUNT_UNITS",
    "ALL_REGIONS",
    "UNITS_OF_KINDS",
    "UNIT_ROW_FIELDS",
    "FIND_UNITS_TOTAL_AND_PAGE",
    "FIND_UNITS_WITH",
    "FIND_LINKS_OF_UNIT_TOTAL_AND_PAGE",
    "FIND_LINKS_OF_YEAR_TOTAL_AND_PAGE",
    "FIND_LINKS_ALL_TOTAL_AND_PAGE",
    "YEARS",
    "LINK_TOTALS",
    "PAIR_COUNTS",
    "PAIR_MONTH_COUNTS",
    "PAIR_DATES",
]

PING = "RETURN 1 AS ok"

GET_UNITS = f"""
UNWIND $ids AS id
MATCH (u:Unit {{id: id}})
USING INDEX SEEK u:Unit(id)
RETURN {_UNIT_MAP} AS unit
"""

GET_REGIONS = f"""
UNWIND $codes AS code
MATCH (r:Region {{code: code}})
USING INDEX SEEK r:Region(code)
RETURN {_REGION_MAP} AS region
"""

GET_LINKS = (
    VISIBILITY_HEAD
    + "UNWIND $ids AS id\n"
    + union_all(
        "MATCH (s)-[r:__REL__ {id: id}]->(t) USING INDEX SEEK r:__REL__(id) WHERE "
        + visible("r")
        + " RETURN s, r, t",
        "id, unseen",
    )
    + f"\nRETURN {_LINK_MAP} AS link\n"
)

# by the parent_id property (indexed), exactly as the embedded store's children index
CHILDREN = f"""
UNWIND $ids AS id
MATCH (u:Unit {{parent_id: id}})
USING INDEX SEEK u:Unit(parent_id)
RETURN id, {_UNIT_MAP} AS unit
ORDER BY id, u.id
"""

NEIGHBOURS = f"""
{VISIBILITY_HEAD}UNWIND $ids AS id
MATCH (u:Unit {{id: id}})-[e:UNDER|{_ANY_LINK}]-(n:Unit)
USING INDEX SEEK u:Unit(id)
WHERE n <> u AND {visible("e")}
RETURN id, collect(DISTINCT n.id) AS near
"""

COUNT_UNITS = "MATCH (u:Unit) RETURN count(u) AS n"

ALL_REGIONS = f"""
MATCH (r:Region)
RETURN {_REGION_MAP} AS region
ORDER BY r.code
"""

# One record with one list (in id order: collect keeps the order of the WITH … ORDER BY): tens of
# thousands of driver Records cost the client far more than one list of as many lists. The
# fields of each row, in the order of the list in the statement:
UNIT_ROW_FIELDS: tuple[str, ...] = ("id", "name", "name_en", "kind", "level", "region_code", "parent_id", "extra", "system")  # fmt: skip
UNITS_OF_KINDS = """
MATCH (u:Unit)
WHERE u.kind IN $kinds
WITH u ORDER BY u.id
RETURN collect([u.id, u.name, u.name_en, u.kind, u.level, u.region_code, u.parent_id, u.extra, u.system]) AS units
"""

# $kind, $level, $region_code, $needle (lower-cased) are null when not filtered on. The region
# filter takes the region and every region below it: regions whose parent_code is the code, and
# everything WITHIN those (the code itself counts even if no such region exists, as embedded).
_FIND_UNITS = """
WITH CASE WHEN $region_code IS NULL THEN null
     ELSE [$region_code]
          + [(c:Region {parent_code: $region_code})<-[:WITHIN*0..]-(s:Region) | s.code]
     END AS codes
MATCH (u:Unit)
WHERE ($kind IS NULL OR u.kind = $kind)
  AND ($level IS NULL OR u.level = $level)
  AND (codes IS NULL OR u.region_code IN codes)
  AND ($needle IS NULL OR toLower(u.name) CONTAINS $needle
       OR toLower(coalesce(u.name_en, '')) CONTAINS $needle)
"""

# The total and one page in one statement (one round trip). $skip >= 0; $end is the end of the
# page (exclusive) or null for the rest, as Python's list[skip:end]. Every record carries the total;
# an empty page is one record whose item is null. The matches are collected as references (the
# page alone is projected), in order; the page is unwound by position and returned in that order.
_PAGE_OF_ALL = """
WITH size(matched) AS total,
     CASE WHEN $end IS NULL THEN matched[$skip..] ELSE matched[$skip..$end] END AS rows
UNWIND CASE WHEN size(rows) = 0 THEN [null] ELSE range(0, size(rows) - 1) END AS i
WITH total, rows[i] AS x, i
"""

_UNITS_PAGE = (
    _FIND_UNITS
    + "WITH u ORDER BY u.id\nWITH collect(u) AS matched"
    + _PAGE_OF_ALL
    + "WITH total, x AS u, i\n"
)

FIND_UNITS_TOTAL_AND_PAGE = _UNITS_PAGE + f"RETURN total, {_UNIT_MAP} AS unit\nORDER BY i\n"

# The same page with, per unit, what a listing shows beside it (Store.find_units_with): its parent
# and region (a list of one, or empty) and its children by id, each by an index seek. One variant
# per combination asked for, keyed (parents, regions, children); what is not asked is null.
_WITH_PARENT = f"COLLECT {{ MATCH (p:Unit {{id: u.parent_id}}) RETURN {_PARENT_MAP} }}"
_WITH_REGION = f"COLLECT {{ MATCH (r:Region {{code: u.region_code}}) RETURN {_REGION_MAP} }}"
_WITH_CHILDREN = f"COLLECT {{ MATCH (c:Unit {{parent_id: u.id}}) RETURN {_CHILD_MAP} ORDER BY c.id }}"


def _find_units_with(parents: bool, regions: bool, children: bool) -> str:
    def column(asked: bool, subquery: str, name: str) -> str:
        value = "CASE WHEN u IS NULL THEN null ELSE " + subquery + " END" if asked else "null"
        return ",\n  " + value + " AS " + name

    return (
        _UNITS_PAGE
        + f"RETURN total, {_UNIT_MAP} AS unit"
        + column(parents, _WITH_PARENT, "parent")
        + column(regions, _WITH_REGION, "region")
        + column(children, _WITH_CHILDREN, "children")
        + "\nORDER BY i\n"
    )


FIND_UNITS_WITH: dict[tuple[bool, bool, bool], str] = {
    (p, r, c): _find_units_with(p, r, c) for p in (False, True) for r in (False, True) for c in (False, True)
}

_LINK_FILTER = """($year IS NULL OR r.year = $year)
  AND ($rel_type IS NULL OR type(r) = $rel_type)
  AND ($kind IS NULL OR r.kind = $kind)
  AND """ + visible("r")

# links with $unit_id at either end (and $other_id at the other, when given)
_FIND_LINKS_OF_UNIT = f"""
{VISIBILITY_HEAD}MATCH (u:Unit {{id: $unit_id}})-[r:{_ANY_LINK}]-(o)
USING INDEX SEEK u:Unit(id)
WHERE ($other_id IS NULL OR o.id = $other_id)
  AND {_LINK_FILTER}
WITH DISTINCT r
WITH r, startNode(r) AS s, endNode(r) AS t
"""

# links dated in $year: one year-index seek per relationship type
_FIND_LINKS_OF_YEAR = (
    VISIBILITY_HEAD
    + union_all("MATCH (s)-[r:__REL__]->(t) WHERE r.year = $year RETURN s, r, t")
    + f"\nWITH s, r, t, unseen WHERE {_LINK_FILTER}\n"
)

_FIND_LINKS_ALL = f"""
{VISIBILITY_HEAD}MATCH (s)-[r:{_ANY_LINK}]->(t)
WHERE {_LINK_FILTER}
"""

_LINKS_TOTAL_AND_PAGE = (
    "WITH r, s, t ORDER BY r.date, r.id\nWITH collect([r, s, t]) AS matched"
    + _PAGE_OF_ALL
    + f"""WITH total, x[0] AS r, x[1] AS s, x[2] AS t, i
RETURN total, {_LINK_MAP} AS link
ORDER BY i
"""
)
FIND_LINKS_OF_UNIT_TOTAL_AND_PAGE = _FIND_LINKS_OF_UNIT + _LINKS_TOTAL_AND_PAGE
FIND_LINKS_OF_YEAR_TOTAL_AND_PAGE = _FIND_LINKS_OF_YEAR + _LINKS_TOTAL_AND_PAGE
FIND_LINKS_ALL_TOTAL_AND_PAGE = _FIND_LINKS_ALL + _LINKS_TOTAL_AND_PAGE

YEARS = f"""
{VISIBILITY_HEAD}MATCH ()-[r:{_ANY_LINK}]->()
WHERE {visible("r")}
RETURN DISTINCT r.year AS year
ORDER BY year
"""

LINK_TOTALS = (
    VISIBILITY_HEAD
    + union_all("MATCH ()-[r:__REL__]->() WHERE r.year = $year AND " + visible("r") + " RETURN r", "unseen")
    + "\nRETURN r.kind AS kind, min("
    + _FAMILY_OF
    + """) AS family, count(r) AS records,
       sum(r.count) AS count, sum(coalesce(r.participants, 0)) AS participants
ORDER BY kind
"""
)

# $years: list of years; $kinds: list of kinds or null for all. One record, `rows`: a list of
# [source_id, target_id, kind, year, count, participants, records] in that order (see UNITS_OF_KINDS),
# in no order: the client sorts it. Grouped by the nodes, whose ids are read once per pair rather
# than once per link, and not sorted here: 0.6 s of server time for a national year's 200,000 links
# against 0.9-1.0 s, where sorting the 118,000 rows in Python costs the client about 0.1 s.
PAIR_COUNTS = (
    VISIBILITY_HEAD
    + union_all(
        "MATCH (s)-[r:__REL__]->(t) WHERE r.year IN $years AND ($kinds IS NULL OR r.kind IN $kinds)"
        " AND " + visible("r") + " RETURN s, t, r.kind AS kind, r.year AS year, r.count AS count,"
        " r.participants AS participants",
        "unseen",
    )
    + """
WITH s, t, kind, year, sum(count) AS count, sum(coalesce(participants, 0)) AS participants,
     count(*) AS records
RETURN collect([s.id, t.id, kind, year, count, participants, records]) AS rows
"""
)

# Counts per pair, kind and calendar month (issue 21: periodic rules, coverage as of a date, the
# trend), optionally only links dated on or before $until; summed here, in Cypher.
PAIR_MONTH_COUNTS = (
    VISIBILITY_HEAD
    + union_all(
        "MATCH (s)-[r:__REL__]->(t) WHERE r.year IN $years AND ($kinds IS NULL OR r.kind IN $kinds)"
        " AND ($until IS NULL OR r.date <= $until) AND "
        + visible("r")
        + " RETURN s, t, r.kind AS kind, r.year AS year, r.date.month AS month, r.count AS count",
        "unseen",
    )
    + """
WITH s, t, kind, year, month, sum(count) AS count
RETURN collect([s.id, t.id, kind, year, month, count]) AS rows
"""
)

# The distinct dates of each ordered pair's links (dormant ties read each pair's own rhythm).
PAIR_DATES = (
    VISIBILITY_HEAD
    + union_all(
        "MATCH (s)-[r:__REL__]->(t) WHERE ($kinds IS NULL OR r.kind IN $kinds)"
        " AND ($until IS NULL OR r.date <= $until) AND " + visible("r") + " RETURN s, t, r.date AS date",
        "unseen",
    )
    + """
WITH s.id AS source, t.id AS target, collect(DISTINCT date) AS dates
RETURN source, target, dates
"""
)
