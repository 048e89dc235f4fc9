"""Every Cypher statement the Neo4j store runs, as module-level constants.

Labels and relationship types are never formatted in from user input. The few statements that
differ per unit kind or per link family are built once, when this module is imported, from the
vocabulary's whitelist (``schema/vocabulary.yaml``); every name is checked against
``^[A-Za-z]+$`` before it goes into a statement, and the result is a plain dict of constant
strings keyed by label or relationship type. Everything a user supplies travels as a parameter.

Graph shape (contract section 5)::

    (:Unit:<KindLabel> {id, name, name_en, kind, level, region_code, parent_id, extra, system, caption})
    (:Region {code, name, level, parent_code})
    (:Unit)-[:UNDER]->(:Unit)          from parent_id
    (:Unit)-[:IN_REGION]->(:Region)    from region_code
    (:Region)-[:WITHIN]->(:Region)     from parent_code
    (:Unit)-[:REPORTING|LIAISON|EXCHANGE {id, kind, date, year, count, participants,
                                          title, source_file, source_row}]->(:Unit)

A link's family is its relationship type (``family`` is not stored; reads derive it). A unit's
``caption`` is its short name for Neo4j Browser (graph.model.captions); reads do not return it.

``extra`` holds a unit's extra ledger columns as a JSON object (sorted keys), so that
:attr:`graph.model.Unit.extra` round-trips exactly. Structural edges exist exactly where both ends
exist; a write that adds the missing end later also adds the edge ("adopt" statements), so the
edges always agree with the ``parent_id``/``region_code``/``parent_code`` properties.

Statements with a ``CALL () { … }`` subquery need Neo4j 5.23 or newer.

Lookups by key carry ``USING INDEX SEEK`` hints. Without them the planner, working from index
statistics that lag behind a big load (or an emptied database), can pick an index *scan* per
row inside ``UNWIND``, which makes a load quadratic: a 100,000-link reload that takes seconds
with the hints ran for more than ten minutes without them.
"""

from __future__ import annotations

import re

from ..model.vocabulary import vocabulary

__all__ = [
    "UNIT_LABELS",
    "REL_TYPES",
    "STRUCTURE_TYPES",
    "checked_names",
    "union_all",
    "schema_statements",
    # writes
    "REGION_MERGE",
    "REGION_UNLINK_PARENT",
    "REGION_LINK_PARENT",
    "REGION_ADOPT_CHILDREN",
    "REGION_ADOPT_UNITS",
    "UNIT_MERGE",
    "unit_merge",
    "UNIT_UNLINK_PARENT",
    "UNIT_LINK_PARENT",
    "UNIT_ADOPT_CHILDREN",
    "UNIT_UNLINK_REGION",
    "UNIT_LINK_REGION",
    "LINK_ROW_FIELDS",
    "LINK_FOUND",
    "LINK_RANGE_CLEAR",
    "LINK_EXISTING",
    "LINK_UPDATE",
    "LINK_CREATE",
    "UNIT_NODES",
    "CLEAR_DATABASE",
    # gaps written back (Store.write_gaps)
    "GAP_SCHEMA",
    "GAPS_DELETE_YEAR",
    "GAPS_WRITE",
    "COVERAGE_WRITE",
    # the store generation
    "GENERATION",
    "GENERATION_BUMP",
]

_NAME = re.compile(r"^[A-Za-z]+$")


def checked_names(names: list[str], what: str) -> tuple[str, ...]:
    """The names, each a plain word (labels and types are formatted into Cypher), without repeats."""
    for name in names:
        if not _NAME.fullmatch(name):
            raise ValueError(f"vocabulary {what} {name!r} is not a plain word (^[A-Za-z]+$)")
    return tuple(dict.fromkeys(names))


_VOCAB = vocabulary()

#: the second label of a unit, one per unit kind (``TaxBureau`` …), from the vocabulary
UNIT_LABELS: tuple[str, ...] = checked_names([k.label for k in _VOCAB.unit_kinds.values()], "label")
#: the relationship type of a link, one per family (``REPORTING`` …), from the vocabulary
REL_TYPES: tuple[str, ...] = checked_names([_VOCAB.rel_type(f) for f in _VOCAB.families], "rel_type")
STRUCTURE_TYPES: tuple[str, ...] = ("UNDER", "IN_REGION", "WITHIN")
if set(REL_TYPES) & set(STRUCTURE_TYPES) or "Unit" in UNIT_LABELS or "Region" in UNIT_LABELS:
    raise ValueError("vocabulary labels or rel_types collide with the structural ones")

_ANY_LINK = "|".join(REL_TYPES)  # REPORTING|LIAISON|EXCHANGE

_FAMILY_NAME = re.compile(r"^[a-z_]+$")
for _family in _VOCAB.families:
    if not _FAMILY_NAME.fullmatch(_family):
        raise ValueError(f"vocabulary family {_family!r} is not a plain lower-case word (^[a-z_]+$)")
#: a link's family from its relationship type (links do not store it): ``CASE type(r) … END``
_FAMILY_OF = (
    "CASE type(r) " + " ".join(f"WHEN '{_VOCAB.rel_type(f)}' THEN '{f}'" for f in _VOCAB.families) + " END"
)


def _per_rel(template: str) -> dict[str, str]:
    return {rel: template.replace("__REL__", rel) for rel in REL_TYPES}


def union_all(template: str, imports: str = "") -> str:
    """``CALL (imports) { <template for REPORTING> UNION ALL <… LIAISON> … }``: one index seek per
    type; ``imports`` names the outer variables the branches use (``"id"``, ``"lo, hi"``)."""
    parts = "\n  UNION ALL\n  ".join(template.replace("__REL__", rel).strip() for rel in REL_TYPES)
    return "CALL (" + imports + ") {\n  " + parts + "\n}"


def schema_statements(text: str) -> list[str]:
    """The statements of a ``constraints.cypher`` file: ``//`` comment lines dropped, split on ``;``."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("//")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# ---------------------------------------------------------------------------------------------
# Projections (what a read hands back to Python)

_UNIT_MAP = "u {.id, .name, .name_en, .kind, .level, .region_code, .parent_id, .extra, .system}"
_REGION_MAP = "r {.code, .name, .level, .parent_code}"
_PARENT_MAP = _UNIT_MAP.replace("u {", "p {", 1)
_CHILD_MAP = _UNIT_MAP.replace("u {", "c {", 1)
_LINK_MAP = (
    "r {.id, .kind, family: " + _FAMILY_OF + ", .date, .count, .participants, .title, .source_file,"
    " .source_row, source_id: s.id, target_id: t.id}"
)

# ---------------------------------------------------------------------------------------------
# Writes. Every statement takes one batch as ``$rows`` (maps) or ``$ids``/``$codes`` (strings).

REGION_MERGE = """
UNWIND $rows AS row
MERGE (r:Region {code: row.code})
SET r.name = row.name, r.level = row.level, r.parent_code = row.parent_code
"""

REGION_UNLINK_PARENT = """
UNWIND $rows AS row
MATCH (r:Region {code: row.code})-[old:WITHIN]->(p:Region)
USING INDEX SEEK r:Region(code)
WHERE row.parent_code IS NULL OR p.code <> row.parent_code
DELETE old
"""

REGION_LINK_PARENT = """
UNWIND $rows AS row
MATCH (r:Region {code: row.code})
USING INDEX SEEK r:Region(code)
MATCH (p:Region {code: row.parent_code})
USING INDEX SEEK p:Region(code)
MERGE (r)-[:WITHIN]->(p)
"""

# regions written earlier that name one of these codes as parent_code
REGION_ADOPT_CHILDREN = """
UNWIND $codes AS code
MATCH (p:Region {code: code})
USING INDEX SEEK p:Region(code)
MATCH (c:Region {parent_code: code})
USING INDEX SEEK c:Region(parent_code)
MERGE (c)-[:WITHIN]->(p)
"""

# units written earlier whose region_code is one of these codes
REGION_ADOPT_UNITS = """
UNWIND $codes AS code
MATCH (r:Region {code: code})
USING INDEX SEEK r:Region(code)
MATCH (u:Unit {region_code: code})
USING INDEX SEEK u:Unit(region_code)
MERGE (u)-[:IN_REGION]->(r)
"""

_UNIT_MERGE = """
UNWIND $rows AS row
MERGE (u:Unit {id: row.id})
SET u:__LABEL__,
    u.name = row.name, u.name_en = row.name_en, u.kind = row.kind, u.level = row.level,
    u.region_code = row.region_code, u.parent_id = row.parent_id, u.extra = row.extra,
    u.system = row.system, u.caption = row.caption
__REMOVE__
"""


def _unit_merge(label: str) -> str:
    others = [other for other in UNIT_LABELS if other != label]
    remove = ("REMOVE u:" + ":".join(others)) if others else ""
    return _UNIT_MERGE.replace("__LABEL__", label).replace("__REMOVE__", remove)


#: per kind label: upsert units of that kind and drop any other kind label they carried
UNIT_MERGE: dict[str, str] = {label: _unit_merge(label) for label in UNIT_LABELS}


def unit_merge(label: str) -> str:
    """The merge statement of ``label``: from :data:`UNIT_MERGE`, or, for a kind a system file
    added after this module was imported (``TIAOKUAI_SYSTEMS_DIR`` set later in the process), built
    from the current vocabulary's labels, every one of them checked as above."""
    if label in UNIT_MERGE:
        return UNIT_MERGE[label]
    labels = checked_names([k.label for k in vocabulary().unit_kinds.values()], "label")
    if label not in labels:
        raise ValueError(f"unknown unit label {label!r}")
    others = [other for other in labels if other != label]
    return _UNIT_MERGE.replace("__LABEL__", label).replace("__REMOVE__", "REMOVE u:" + ":".join(others))


UNIT_UNLINK_PARENT = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.id})-[old:UNDER]->(p:Unit)
USING INDEX SEEK u:Unit(id)
WHERE row.parent_id IS NULL OR p.id <> row.parent_id
DELETE old
"""

UNIT_LINK_PARENT = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.id})
USING INDEX SEEK u:Unit(id)
MATCH (p:Unit {id: row.parent_id})
USING INDEX SEEK p:Unit(id)
MERGE (u)-[:UNDER]->(p)
"""

# units written earlier that name one of these ids as parent_id
UNIT_ADOPT_CHILDREN = """
UNWIND $ids AS id
MATCH (p:Unit {id: id})
USING INDEX SEEK p:Unit(id)
MATCH (c:Unit {parent_id: id})
USING INDEX SEEK c:Unit(parent_id)
MERGE (c)-[:UNDER]->(p)
"""

UNIT_UNLINK_REGION = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.id})-[old:IN_REGION]->(r:Region)
USING INDEX SEEK u:Unit(id)
WHERE row.region_code IS NULL OR r.code <> row.region_code
DELETE old
"""

UNIT_LINK_REGION = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.id})
USING INDEX SEEK u:Unit(id)
MATCH (r:Region {code: row.region_code})
USING INDEX SEEK r:Region(code)
MERGE (u)-[:IN_REGION]->(r)
"""

# Links travel as positional lists, in the order of LINK_ROW_FIELDS (a list per row costs the client
# and the server less than a map). ``family`` is not stored: the relationship type says it (reads
# derive it with _FAMILY_OF). A null value is no property. The last two are the element ids of the
# two units (UNIT_NODES), which LINK_CREATE finds without an index.
LINK_ROW_FIELDS: tuple[str, ...] = (
    "id", "source_id", "target_id", "kind", "date", "year", "count", "participants", "title",
    "source_file", "source_row", "source_node", "target_node",
)  # fmt: skip

# $ids: unit ids. One record, `nodes`: [unit id, element id] for those that exist. A load looks its
# links' units up once here rather than twice per link in LINK_CREATE, where the unique index seek of
# an updating query is the locking kind (about a fifth of the server's time in a national load).
UNIT_NODES = """
UNWIND $ids AS id
MATCH (u:Unit {id: id})
USING INDEX SEEK u:Unit(id)
RETURN collect([id, elementId(u)]) AS nodes
"""

# For one batch of link ids ($ids): those that exist, under any link type (one index seek per
# type and id; nothing else is read). A load of new links stops here: the check below runs only
# for the ids this one finds.
LINK_FOUND = (
    "UNWIND $ids AS id\n"
    + union_all("MATCH ()-[r:__REL__ {id: id}]->() USING INDEX SEEK r:__REL__(id) RETURN r.id AS hit", "id")
    + "\nRETURN collect(hit) AS found\n"
)

# Whether no link of any type has an id between the smallest and the largest of $ids (in Neo4j's
# string order): three range seeks on the id indexes. Then none of the batch's ids can exist, and
# LINK_FOUND is skipped. A first import, or a new year's ledger whose ids sort after the stored ones
# (batches are sorted by id), passes; a reload or a batch whose range holds stored ids is checked
# id by id. A concurrent writer of the same ids still meets the uniqueness constraints at commit.
LINK_RANGE_CLEAR = (
    "UNWIND $ids AS id\nWITH min(id) AS lo, max(id) AS hi\n"
    + union_all(
        "MATCH ()-[r:__REL__]->() USING INDEX r:__REL__(id) WHERE lo <= r.id <= hi RETURN r.id AS hit LIMIT 1",
        "lo, hi",
    )
    + "\nRETURN count(hit) = 0 AS clear\n"
)

# For the links of a batch that exist ($rows: {id, source_id, target_id, rel_type}), under any
# type: which of them stay where they are (same type and ends: updated in place, returned as
# kept), and delete the others (moved to other ends or another family).
LINK_EXISTING = (
    "UNWIND $rows AS row\n"
    + union_all(
        "MATCH (s)-[r:__REL__ {id: row.id}]->(t) USING INDEX SEEK r:__REL__(id) "
        "RETURN r, (s.id <> row.source_id OR t.id <> row.target_id OR row.rel_type <> '__REL__') AS moved",
        "row",
    )
    + """
WITH collect(CASE WHEN moved THEN r END) AS gone,
     collect(CASE WHEN NOT moved THEN r.id END) AS kept
FOREACH (old IN gone | DELETE old)
RETURN kept
"""
)

# $rows: lists as LINK_ROW_FIELDS; every property is set, a null one removed (so is a ``family``
# property written by an older version)
LINK_UPDATE: dict[str, str] = _per_rel("""
UNWIND $rows AS row
MATCH ()-[r:__REL__ {id: row[0]}]->()
USING INDEX SEEK r:__REL__(id)
SET r.kind = row[3], r.date = row[4], r.year = row[5], r.count = row[6], r.participants = row[7],
    r.title = row[8], r.source_file = row[9], r.source_row = row[10]
REMOVE r.family
""")

# $rows: lists as LINK_ROW_FIELDS, the units by element id. Returns how many were created between
# the right units: fewer means a unit went missing, or another node took its element id, after
# UNIT_NODES read it (another writer). The ends are read after CREATE has locked them, so what it
# reads holds until the commit.
LINK_CREATE: dict[str, str] = _per_rel("""
UNWIND $rows AS row
MATCH (s:Unit) WHERE elementId(s) = row[11]
MATCH (t:Unit) WHERE elementId(t) = row[12]
CREATE (s)-[r:__REL__ {id: row[0], kind: row[3], date: row[4], year: row[5], count: row[6],
                       participants: row[7], title: row[8], source_file: row[9], source_row: row[10]}]->(t)
RETURN count(CASE WHEN s.id = row[1] AND t.id = row[2] THEN r END) AS created
""")

# ---------------------------------------------------------------------------------------------
# The store generation (Store.generation): one (:Meta {id: 'store'}) node whose ``generation`` every
# committed write bumps in its own transaction (Neo4jStore._write_tx runs GENERATION_BUMP last).
# A new Meta node (a new or emptied database) starts from the clock in milliseconds rather than 0,
# so that a database emptied and written again never repeats a generation a cache has seen.

GENERATION = """
OPTIONAL MATCH (m:Meta {id: 'store'})
RETURN coalesce(max(m.generation), 0) AS generation
"""

GENERATION_BUMP = """
MERGE (m:Meta {id: 'store'})
ON CREATE SET m.generation = timestamp()
SET m.generation = m.generation + 1
RETURN m.generation AS generation
"""

# For tests and the docs: empties the database in batches (an auto-commit query, not a
# transaction function).
#: relationships first, then nodes (a hub's DETACH DELETE in a batch of nodes could hold thousands
#: of links and exceed the transaction memory of a store of a million)
CLEAR_DATABASE = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS "
    "WITH count(*) AS links MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
)


# ---------------------------------------------------------------------------------------------
# Gaps written back for Neo4j Browser (Store.write_gaps; rows built by graph.rules.gapwrite)

#: Idempotent schema statements for the Gap and Coverage nodes (applied before each write).
GAP_SCHEMA = (
    "CREATE CONSTRAINT gap_id IF NOT EXISTS FOR (g:Gap) REQUIRE g.id IS UNIQUE",
    "CREATE CONSTRAINT coverage_id IF NOT EXISTS FOR (c:Coverage) REQUIRE c.id IS UNIQUE",
    "CREATE INDEX gap_year IF NOT EXISTS FOR (g:Gap) ON (g.year)",
    "CREATE INDEX coverage_year IF NOT EXISTS FOR (c:Coverage) ON (c.year)",
)

GAPS_DELETE_YEAR = """
MATCH (n) WHERE (n:Gap OR n:Coverage) AND n.year = $year
WITH n, n:Gap AS gap
DETACH DELETE n
RETURN count(CASE WHEN gap THEN 1 END) AS gaps
"""

GAPS_WRITE = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.unit_id})
CREATE (g:Gap)
SET g = row.props
CREATE (g)-[:GAP_OF {year: row.props.year}]->(u)
WITH g, row
OPTIONAL MATCH (c:Unit {id: row.counterpart_id})
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END |
  CREATE (g)-[:MISSING_CONTACT_WITH {year: row.props.year}]->(c))
WITH g, row
OPTIONAL MATCH (s:Unit {id: row.subject_id})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END |
  CREATE (g)-[:CONCERNS {year: row.props.year}]->(s))
RETURN count(g) AS written
"""

COVERAGE_WRITE = """
UNWIND $rows AS row
MATCH (u:Unit {id: row.unit_id})
CREATE (c:Coverage)
SET c = row
CREATE (c)-[:COVERAGE_OF {year: row.year}]->(u)
RETURN count(c) AS written
"""
