"""The Cypher of a Neo4j load in batches (:mod:`graph.store.neo4j_load`), and the one visibility
predicate every read applies.

Why this shape: a national load (a million links) does not fit one transaction on the default 2 GB
heap, yet readers must see the store as it was before the load or as it is after it. So a load
writes in many transactions, and what it writes stays invisible until one small final transaction
(the *switch*) makes all of it visible at once:

* Each load has a number, ``L`` (``(:Meta {id: 'store'}).next_load``). Links it creates carry
  ``load_id: L`` (for good: the number says which load wrote a link); units it creates are
  ``(:StagedUnit {id, load_id: L})`` nodes, without the ``:Unit`` label that every unit read
  matches, so no unit read needs a filter.
* ``Meta.unseen`` lists the tags whose links nobody sees: the loads running (or dead and not yet
  removed), and ``-L`` for the links a committed replace hid until they are deleted. Every read
  of a link applies :func:`visible` to it: a link is visible unless its tag was in ``Meta.unseen``
  when the statement began (:data:`VISIBILITY_HEAD` reads the list once).
* The switch (one transaction) writes the regions, the units and their structural edges, relabels
  the staged units ``:Unit``, takes ``L`` out of ``Meta.unseen`` (and, for a replace, puts ``-L``
  in) and bumps the store generation. Nothing is left to do for a plain load: its links keep
  their tag, now visible, and the list stays as short as the number of loads running.
* A replace then waits until every transaction that began before the switch has ended
  (``OLDER_TRANSACTIONS``: such a reader still sees the hidden links, and must not see them go
  part way through), deletes the links tagged ``-L`` in batches and forgets ``-L``.
* A load that never reached its switch (killed, server restarted) leaves tagged links and staged
  units whose tag is still unseen: invisible, and removed by ``RECOVER_*`` (``load --recover``,
  or the next load once the dead load's heartbeat is old).

Stores written before ``Meta.unseen`` kept the opposite list, ``Meta.committed``, and removed
each load's tags after its switch; :func:`unseen_of` derives the same set from what they kept,
and the next load writes ``Meta.unseen``.
"""

from __future__ import annotations

from .cypher import REL_TYPES

__all__ = [
    "LOAD_PROPERTY",
    "visible",
    "UNSEEN",
    "UNSEEN_EXPR",
    "unseen_of",
    "VISIBILITY_HEAD",
    "OLDER_TRANSACTIONS",
    "SERVER_NOW",
    "SCHEMA",
    "LOAD_BEGIN",
    "LOAD_STATE",
    "LOAD_HEARTBEAT",
    "UNITS_EXISTING",
    "STAGE_UNITS",
    "END_NODES",
    "LINK_CREATE_TAGGED",
    "LINKS_STORED",
    "UNSTAGE_UNITS",
    "COMMIT_LOAD",
    "FORGET_LOAD",
    "RECOVER_LINKS",
    "RECOVER_UNITS",
    "CLEAR_LINKS",
    "CLEAR_NODES",
    "COUNT_ALL",
    "RESET_LOADS",
    "HIDE_YEAR",
    "HIDE_REGION",
    "DROP_HIDDEN",
    "RESTORE_HIDDEN",
]

#: the number of the load that wrote a link (negative: the replace that hid it); untagged links
#: were written in one transaction (or imported)
LOAD_PROPERTY = "load_id"


def unseen_of(m: str) -> str:
    """The tags nobody sees, from the ``Meta`` node ``m``: ``Meta.unseen``, or for a store written
    before it, the same set from its lists of running and committed loads (a running load not
    committed is unseen; a committed one has hidden the links its replace tagged ``-L``)."""
    loading, committed = f"coalesce({m}.loading, [])", f"coalesce({m}.committed, [])"
    return (
        f"coalesce({m}.unseen, [x IN {loading} WHERE NOT x IN {committed}]"
        f" + [x IN {loading} WHERE x IN {committed} | -x])"
    )


#: the unseen tags, read once at the start of a read statement (a WITH that every read statement
#: begins with, or for graph.store.where_cypher a prelude variable), so that a statement running
#: across a load's switch sees the whole statement before it or after it; Neo4j reads committed
#: data row by row, and a check re-read per row would see the switch half-way
UNSEEN = "unseen"
UNSEEN_EXPR = f"coalesce(head(COLLECT {{ MATCH (vis:Meta {{id: 'store'}}) RETURN {unseen_of('vis')} }}), [])"
VISIBILITY_HEAD = f"WITH {UNSEEN_EXPR} AS {UNSEEN}\n"


def visible(r: str) -> str:
    """The predicate every read applies to a link (or structural edge) variable ``r``: true for
    untagged rows, and for rows whose tag was not unseen when the statement began (``unseen``,
    from :data:`VISIBILITY_HEAD`). ``tests/unit/test_load_visibility.py`` checks that every read
    statement applies it to every link variable it matches."""
    return f"({r}.{LOAD_PROPERTY} IS NULL OR NOT {r}.{LOAD_PROPERTY} IN {UNSEEN})"


#: idempotent schema for staged units (their id, and recovery by load)
SCHEMA = (
    "CREATE CONSTRAINT staged_unit_id IF NOT EXISTS FOR (n:StagedUnit) REQUIRE n.id IS UNIQUE",
    "CREATE INDEX staged_unit_load IF NOT EXISTS FOR (n:StagedUnit) ON (n.load_id)",
)

# A new load's number, recorded as running (with a heartbeat that LOAD_HEARTBEAT renews) and unseen
LOAD_BEGIN = f"""
MERGE (m:Meta {{id: 'store'}})
ON CREATE SET m.generation = timestamp()
WITH m, {unseen_of("m")} AS unseen
SET m.next_load = coalesce(m.next_load, 0) + 1
SET m.loading = coalesce(m.loading, []) + [m.next_load], m.heartbeat = timestamp(),
    m.unseen = unseen + [m.next_load]
REMOVE m.committed
RETURN m.next_load AS load
"""

LOAD_STATE = f"""
OPTIONAL MATCH (m:Meta {{id: 'store'}})
RETURN coalesce(m.loading, []) AS loading, CASE WHEN m IS NULL THEN [] ELSE {unseen_of("m")} END AS unseen,
       timestamp() - coalesce(m.heartbeat, 0) AS idle
"""

LOAD_HEARTBEAT = "MATCH (m:Meta {id: 'store'}) SET m.heartbeat = timestamp()"

# $ids: unit ids; which exist as units
UNITS_EXISTING = """
UNWIND $ids AS id
MATCH (u:Unit {id: id})
USING INDEX SEEK u:Unit(id)
RETURN collect(id) AS found
"""

# new units, invisible to every read (no :Unit label) until the switch relabels them
STAGE_UNITS = """
UNWIND $ids AS id
MERGE (n:StagedUnit {id: id})
SET n.load_id = $load
"""

# $ids: unit ids; one record: [id, element id] of the unit or staged unit of this load
END_NODES = """
UNWIND $ids AS id
OPTIONAL MATCH (u:Unit {id: id})
USING INDEX SEEK u:Unit(id)
OPTIONAL MATCH (n:StagedUnit {id: id})
USING INDEX SEEK n:StagedUnit(id)
WITH id, coalesce(u, n) AS node
WHERE node IS NOT NULL
RETURN collect([id, elementId(node)]) AS nodes
"""


def _create_tagged(rel: str) -> str:
    return f"""
UNWIND $rows AS row
MATCH (s) WHERE elementId(s) = row[11]
MATCH (t) WHERE elementId(t) = row[12]
CREATE (s)-[r:{rel} {{id: row[0], kind: row[3], date: row[4], year: row[5], count: row[6],
                     participants: row[7], title: row[8], source_file: row[9], source_row: row[10],
                     load_id: $load}}]->(t)
RETURN count(CASE WHEN s.id = row[1] AND t.id = row[2] THEN r END) AS created
"""


#: per relationship type: create a batch of links (rows as cypher.LINK_ROW_FIELDS) tagged $load
LINK_CREATE_TAGGED: dict[str, str] = {rel: _create_tagged(rel) for rel in REL_TYPES}

# $ids: link ids; the stored ones (any type), as [id, type, source id, target id, kind, date,
# count, participants, title, source_file, source_row]: the load compares them with its rows
LINKS_STORED = (
    "UNWIND $ids AS id\nCALL (id) {\n  "
    + "\n  UNION ALL\n  ".join(
        f"MATCH (s)-[r:{rel} {{id: id}}]->(t) USING INDEX SEEK r:{rel}(id) RETURN r, s, t"
        for rel in REL_TYPES
    )
    + "\n}\nRETURN collect([r.id, type(r), s.id, t.id, r.kind, r.date, r.count, r.participants, r.title,"
    " r.source_file, r.source_row]) AS stored\n"
)

# the switch, step one: staged units become units (UNIT_MERGE then sets their properties)
UNSTAGE_UNITS = """
MATCH (n:StagedUnit {load_id: $load})
SET n:Unit
REMOVE n:StagedUnit, n.load_id
RETURN count(n) AS n
"""

# the switch, last step: the load's links become visible and the links a replace tagged -$load
# disappear, in the same transaction
COMMIT_LOAD = f"""
MATCH (m:Meta {{id: 'store'}})
SET m.unseen = [x IN {unseen_of("m")} WHERE x <> $load] + [-$load]
REMOVE m.committed
"""


SERVER_NOW = "RETURN datetime() AS now"
# transactions (other than the asking one) that began before $since
OLDER_TRANSACTIONS = """
SHOW TRANSACTIONS YIELD transactionId, startTime, currentQuery
WHERE startTime < $since AND NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS'
RETURN count(*) AS n
"""

# the load is over (committed, and the links its replace hid deleted; or removed): it leaves the
# running loads, and neither it nor -$load is unseen any more
FORGET_LOAD = f"""
MATCH (m:Meta {{id: 'store'}})
SET m.unseen = [x IN {unseen_of("m")} WHERE x <> $load AND x <> -$load],
    m.loading = [x IN coalesce(m.loading, []) WHERE x <> $load]
REMOVE m.committed
"""


def _recover(rel: str) -> str:
    return (
        f"MATCH ()-[r:{rel}]->() WHERE r.load_id IN $loads "
        "CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
    )


#: remove the links of loads that never committed ($loads), in batches (auto-commit queries)
RECOVER_LINKS: dict[str, str] = {rel: _recover(rel) for rel in REL_TYPES}
RECOVER_UNITS = (
    "MATCH (n:StagedUnit) WHERE n.load_id IN $loads CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
)

#: ``tiaokuai clear``: relationships first (a node's DETACH DELETE could hold thousands), then nodes
CLEAR_LINKS = "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
CLEAR_NODES = "MATCH (n) WHERE NOT n:Meta CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
COUNT_ALL = "MATCH (n) WHERE NOT n:Meta RETURN count(n) AS n"
#: after a clear: no load is running or waiting for its tags to go
RESET_LOADS = "MATCH (m:Meta {id: 'store'}) SET m.unseen = [], m.loading = [] REMOVE m.committed"


# ``load --replace``: the stored links of the slice that the load does not carry are tagged
# ``load_id: -L``; -L is not unseen, so they stay visible while the load writes, and the switch
# (COMMIT_LOAD) hides them as it shows the new links.


def _hide(rel: str, where: str) -> str:
    return (
        f"MATCH (s)-[r:{rel}]->(t) WHERE {where} AND (r.load_id IS NULL OR r.load_id <> $load) "
        "AND NOT r.id IN $keep CALL (r) { SET r.load_id = -$load } IN TRANSACTIONS OF 20000 ROWS"
    )


_IN_REGION = "EXISTS {{ ({n})-[:IN_REGION]->(:Region)-[:WITHIN*0..]->(:Region {{code: $region}}) }}"
#: per relationship type: tag the year's links (not in $keep) to be hidden by the switch
HIDE_YEAR: dict[str, str] = {rel: _hide(rel, "r.year = $year") for rel in REL_TYPES}
#: per relationship type: tag the links with an end in the region (or within it) likewise
HIDE_REGION: dict[str, str] = {
    rel: _hide(rel, f"({_IN_REGION.format(n='s')} OR {_IN_REGION.format(n='t')})") for rel in REL_TYPES
}
#: after the switch (and its readers): delete the links the replace hid
DROP_HIDDEN: dict[str, str] = {
    rel: f"MATCH ()-[r:{rel}]->() WHERE r.load_id = -$load CALL (r) {{ DELETE r }} IN TRANSACTIONS OF 20000 ROWS"
    for rel in REL_TYPES
}
#: a replace that failed before its switch: its hidden links get their old state back
RESTORE_HIDDEN: dict[str, str] = {
    rel: f"MATCH ()-[r:{rel}]->() WHERE r.load_id IN [x IN $loads | -x] "
    "CALL (r) { REMOVE r.load_id } IN TRANSACTIONS OF 20000 ROWS"
    for rel in REL_TYPES
}
