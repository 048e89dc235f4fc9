"""Every Neo4j read applies the load-visibility predicate (graph.store.cypher_load.visible) to every
link it matches: a link written by a load that has not reached its switch must never count.

The check is structural, over every read statement the store can send: the constants of
graph.store.cypher_reads and the statements graph.store.where_cypher compiles for conditions that
exercise each of its branches (links seen from a unit, hasLink, either-end splits, timelines).
A statement that binds a link type to a relationship variable must apply ``visible`` to that very
variable, and no read may match a link type anonymously (``[:REPORTING]``), which could not be
filtered. A new read query (issue 18's scope parameters, for example) is covered as soon as it is
a constant of cypher_reads or goes through where_cypher."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from graph.store import cypher, cypher_reads, where_cypher
from graph.store.cypher_load import UNSEEN, visible
from graph.store.filters import All, Direction, End, Field, HasLink, Not, Order, RegionWithin

LINK_TYPES = "|".join(cypher.REL_TYPES)
# a relationship pattern whose types include a link type: [var:TYPE|...] or [var:TYPE {..}]
REL_PATTERN = re.compile(r"\[\s*(\w*)\s*:\s*([A-Za-z_|]+)")


def read_statements() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in dir(cypher_reads):
        value = getattr(cypher_reads, name)
        if isinstance(value, str):
            out.append((f"cypher_reads.{name}", value))
        elif isinstance(value, dict):
            out.extend((f"cypher_reads.{name}[{k}]", v) for k, v in value.items() if isinstance(v, str))
    unit = Field("kind", "eq", "tax_bureau")
    link_conds = [
        None,
        Field("year", "eq", 2021),
        All((Field("year", "eq", 2021), End("source", Field("id", "eq", "X")))),
        All((End("either", Field("id", "in", ("X", "Y"))), Field("kind", "eq", "visit"))),
        All(
            (
                End("target", HasLink(Field("date", "gte", dt.date(2021, 1, 1)))),
                Field("family", "eq", "liaison"),
            )
        ),
    ]
    anchored = [
        None,
        Direction(True),
        End("counterpart", unit),
        All((Field("year", "eq", 2020), Direction(False))),
    ]
    unit_conds = [
        None,
        unit,
        RegionWithin("230000"),
        HasLink(),
        HasLink(
            All((Field("year", "eq", 2021), End("counterpart", HasLink(Direction(True))))), at_least_events=3
        ),
        Not(HasLink(Field("kind", "eq", "visit"))),
    ]
    for i, c in enumerate(unit_conds):
        for parents in (False, True):
            st = where_cypher.find_units(c, [Order("name")], parents=parents, regions=True, children=True)
            out.append((f"find_units {i} {parents}", st.text))
        out.append((f"aggregate_units {i}", where_cypher.aggregate_units(c).text))
    for i, c in enumerate(link_conds):
        for ends in (False, True):
            out.append(
                (f"find_links {i} {ends}", where_cypher.find_links(c, [Order("date")], ends=ends).text)
            )
        out.append((f"aggregate_links {i}", where_cypher.aggregate_links(c, ["kind", "year"]).text))
    for i, c in enumerate(anchored):
        out.append((f"links_of_units {i}", where_cypher.links_of_units(c, [], ends=True).text))
    out.append(("unit_timelines", where_cypher.unit_timelines().text))
    return out


def unfiltered(text: str) -> list[str]:
    """The link-typed relationship variables of ``text`` that ``visible`` is not applied to."""
    bad = []
    for var, types in REL_PATTERN.findall(text):
        if not set(types.split("|")) & set(cypher.REL_TYPES) and "__REL__" not in types:
            continue  # structural edges only (UNDER, WITHIN, IN_REGION): never written by a load
        if not var:
            bad.append(f"[:{types}] (anonymous)")
        elif visible(var) not in text:
            bad.append(f"[{var}:{types}]")
        elif f"AS {UNSEEN}" not in text:
            bad.append(f"[{var}:{types}] (no {UNSEEN} read at the start)")
    return bad


STATEMENTS = read_statements()


@pytest.mark.parametrize("name,text", STATEMENTS, ids=[n for n, _ in STATEMENTS])
def test_every_read_applies_the_visibility_predicate(name: str, text: str) -> None:
    assert not unfiltered(text), f"{name} reads links without cypher_load.visible: {unfiltered(text)}"


def test_the_check_finds_a_read_without_it() -> None:
    """The check above can fail: a read of links that forgets the predicate is caught."""
    assert unfiltered("MATCH (s)-[r:REPORTING]->(t) RETURN r") == ["[r:REPORTING]"]
    assert unfiltered(f"MATCH (s)-[r:REPORTING]->(t) WHERE {visible('r')} RETURN r")  # no list read
    assert unfiltered(f"MATCH ()-[:{LINK_TYPES}]->() RETURN 1")
    assert not unfiltered("MATCH (u)-[:UNDER]->(p) RETURN p")
    assert len(STATEMENTS) > 60
