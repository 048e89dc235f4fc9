"""Filters, orderings and aggregates: random trees answered the same by both stores.

Hypothesis draws ``where`` trees (fields with every operator, regions, AND/OR/NOT, hasLink and
noLink with counts, link ends, direction, counterpart), orderings, windows and groupings, over
the bundled sample loaded into both stores, and compares ids, order, totals and sums. The
embedded store evaluates the trees in Python (graph.store.filters.Evaluator), Neo4j runs the
Cypher graph.store.where_cypher compiles: two implementations held to one answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_data import clear_neo4j

from graph.model.vocabulary import vocabulary
from graph.store import Store, open_store
from graph.store.filters import (
    LINK_GROUPS,
    LINK_ORDER_FIELDS,
    UNIT_ORDER_FIELDS,
    All,
    AnyOf,
    Cond,
    Direction,
    End,
    Field,
    HasLink,
    Not,
    Order,
    RegionWithin,
)
from graph.synthetic.sample import write_sample

pytestmark = pytest.mark.neo4j

_V = vocabulary()
UNIT_KINDS = sorted(_V.unit_kinds)
LINK_KINDS = sorted(_V.link_kinds)
FAMILIES = sorted(_V.families)
LEVELS = ["provincial", "prefecture", "county"]
UNIT_IDS = ["TB-230000", "TB-230100", "TB-230102", "TB-230124", "LPC-230102", "PROP-230102", "BPC-230102",
            "PB-230102-01", "TB-232700", "NO-SUCH-UNIT"]  # fmt: skip
REGIONS = ["230000", "230100", "230102", "230700", "232700", "999999"]
NAME_BITS = ["税务局", "哈尔滨", "党委", "宣传部", "Tax", "Harbin", "County", "区", "X"]
ID_PREFIXES = ["TB-", "TB-2301", "LPC-", "PB-", "L2020-00"]
YEARS = [2019, 2020, 2021]
DATES = [dt.date(2019, 6, 1), dt.date(2020, 1, 1), dt.date(2020, 7, 1), dt.date(2021, 3, 15)]


@pytest.fixture(scope="module")
def stores(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Store]]:
    from loaders import load_paths

    sample = tmp_path_factory.mktemp("filters-sample")
    write_sample(sample)
    embedded = open_store(Path(tmp_path_factory.mktemp("filters")) / "g.tkg")
    load_paths(embedded, [sample])
    neo4j = open_store(neo4j_uri)
    from neo4j import GraphDatabase

    with GraphDatabase.driver(neo4j_uri) as driver:
        clear_neo4j(driver)
    load_paths(neo4j, [sample])
    try:
        yield embedded, neo4j
    finally:
        neo4j.close()
        embedded.close()


# -- strategies -----------------------------------------------------------------------------------


def _text_field(name: str, values: list[str]) -> st.SearchStrategy[Cond]:
    return st.one_of(
        st.builds(lambda v: Field(name, "eq", v), st.sampled_from(values)),
        st.builds(lambda v: Field(name, "in", tuple(v)), st.lists(st.sampled_from(values), max_size=3)),
        st.builds(lambda v: Field(name, "contains", v), st.sampled_from(NAME_BITS)),
        st.builds(lambda v: Field(name, "starts_with", v), st.sampled_from(ID_PREFIXES + NAME_BITS)),
    )


def _unit_leaf() -> st.SearchStrategy[Cond]:
    return st.one_of(
        _text_field("id", UNIT_IDS),
        _text_field("name", NAME_BITS),
        _text_field("name_en", NAME_BITS),
        st.builds(lambda v: Field("name", "icontains", v), st.sampled_from(NAME_BITS)),
        st.builds(lambda v: Field("kind", "eq", v), st.sampled_from(UNIT_KINDS)),
        st.builds(lambda v: Field("kind", "in", tuple(v)), st.lists(st.sampled_from(UNIT_KINDS), max_size=3)),
        st.builds(lambda v: Field("level", "eq", v), st.sampled_from(LEVELS)),
        st.builds(lambda v: Field("level", "in", tuple(v)), st.lists(st.sampled_from(LEVELS), max_size=2)),
        st.builds(lambda v: Field("region_code", "starts_with", v), st.sampled_from(["23", "2301", "2307"])),
        st.builds(lambda v: Field("region_code", "eq", v), st.sampled_from(REGIONS)),
        st.builds(RegionWithin, st.sampled_from(REGIONS)),
    )


def _number(name: str, values: list[int]) -> st.SearchStrategy[Cond]:
    return st.one_of(
        st.builds(
            lambda op, v: Field(name, op, v),
            st.sampled_from(["eq", "gt", "gte", "lt", "lte"]),
            st.sampled_from(values),
        ),  # fmt: skip
        st.builds(lambda v: Field(name, "in", tuple(v)), st.lists(st.sampled_from(values), max_size=3)),
    )


def _link_leaf(anchored: bool, units: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
    leaves = [
        _number("year", YEARS),
        _number("count", [1, 2, 3]),
        _number("participants", [0, 5, 20]),
        st.builds(
            lambda op, v: Field("date", op, v),
            st.sampled_from(["eq", "gt", "gte", "lt", "lte"]),
            st.sampled_from(DATES),
        ),  # fmt: skip
        st.builds(lambda v: Field("kind", "eq", v), st.sampled_from(LINK_KINDS)),
        st.builds(lambda v: Field("kind", "in", tuple(v)), st.lists(st.sampled_from(LINK_KINDS), max_size=4)),
        st.builds(lambda v: Field("family", "eq", v), st.sampled_from(FAMILIES)),
        st.builds(lambda v: Field("family", "in", tuple(v)), st.lists(st.sampled_from(FAMILIES), max_size=2)),
        st.builds(lambda v: Field("title", "contains", v), st.sampled_from(["报告", "走访", "2020", "培训"])),
        st.builds(
            lambda v: Field("id", "starts_with", v), st.sampled_from(["L2020-00", "L2019-", "L2021-0001"])
        ),
        st.builds(End, st.sampled_from(["source", "target", "either"]), units),
    ]
    if anchored:
        leaves += [st.builds(Direction, st.booleans()), st.builds(End, st.just("counterpart"), units)]
    return st.one_of(*leaves)


def _combine(leaf: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda xs: All(tuple(xs)), st.lists(inner, max_size=3)),
            st.builds(lambda xs: AnyOf(tuple(xs)), st.lists(inner, max_size=3)),
            st.builds(Not, inner),
        ),
        max_leaves=5,
    )


simple_units = _combine(_unit_leaf())


def _has_link(anchored_links: st.SearchStrategy[Cond]) -> st.SearchStrategy[Cond]:
    has = st.builds(
        HasLink,
        st.one_of(st.none(), anchored_links),
        st.sampled_from([0, 1, 1, 2, 3, 5]),
        st.sampled_from([0, 0, 2, 4]),
    )
    return st.one_of(has, st.builds(Not, has))


anchored_simple = _combine(_link_leaf(True, simple_units))
unit_conds = _combine(st.one_of(_unit_leaf(), _has_link(anchored_simple)))
link_conds = _combine(_link_leaf(False, unit_conds))
anchored_conds = _combine(_link_leaf(True, unit_conds))
unit_orders = st.lists(st.builds(Order, st.sampled_from(UNIT_ORDER_FIELDS), st.booleans()), max_size=2)
link_orders = st.lists(st.builds(Order, st.sampled_from(LINK_ORDER_FIELDS), st.booleans()), max_size=2)
windows = st.tuples(st.sampled_from([0, 0, 1, 7, 40]), st.sampled_from([None, 0, 1, 5, 30]))

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])  # fmt: skip


def _units(found: Any) -> tuple[int, list[str]]:
    return found.page.total, [u.id for u in found.page.items]


def _links(page: Any) -> tuple[int, list[str]]:
    return page.total, [lk.id for lk in page.items]


@SETTINGS
@given(where=st.one_of(st.none(), unit_conds), order=unit_orders, window=windows)
def test_units_where_agree(stores: tuple[Store, Store], where: Cond | None, order: list[Order],
                           window: tuple[int, int | None]) -> None:  # fmt: skip
    embedded, neo4j = stores
    offset, limit = window
    a = embedded.find_units_where(where, order, offset, limit, parents=True, regions=True)
    b = neo4j.find_units_where(where, order, offset, limit, parents=True, regions=True)
    assert _units(a) == _units(b), where
    assert a.parents == b.parents and a.regions == b.regions
    assert embedded.aggregate_units(where) == neo4j.aggregate_units(where)


@SETTINGS
@given(where=st.one_of(st.none(), link_conds), order=link_orders, window=windows)
def test_links_where_agree(stores: tuple[Store, Store], where: Cond | None, order: list[Order],
                           window: tuple[int, int | None]) -> None:  # fmt: skip
    embedded, neo4j = stores
    offset, limit = window
    a = embedded.find_links_where(where, order, offset, limit, ends=True)
    b = neo4j.find_links_where(where, order, offset, limit, ends=True)
    assert _links(a.page) == _links(b.page), where
    assert a.page.items == b.page.items
    assert a.units == b.units


@SETTINGS
@given(
    ids=st.lists(st.sampled_from(UNIT_IDS), min_size=1, max_size=4),
    where=st.one_of(st.none(), anchored_conds),
    order=link_orders,
    window=windows,
)
def test_links_of_units_agree(stores: tuple[Store, Store], ids: list[str], where: Cond | None,
                              order: list[Order], window: tuple[int, int | None]) -> None:  # fmt: skip
    embedded, neo4j = stores
    offset, limit = window
    a = embedded.links_of_units(ids, where, order, offset, limit)
    b = neo4j.links_of_units(ids, where, order, offset, limit)
    assert {k: _links(p) for k, p in a.pages.items()} == {k: _links(p) for k, p in b.pages.items()}, where


@SETTINGS
@given(where=st.one_of(st.none(), link_conds), group_by=st.lists(st.sampled_from(LINK_GROUPS), max_size=2,
                                                                   unique=True))  # fmt: skip
def test_link_aggregates_agree(stores: tuple[Store, Store], where: Cond | None, group_by: list[str]) -> None:
    embedded, neo4j = stores
    assert embedded.aggregate_links(where, group_by) == neo4j.aggregate_links(where, group_by), where


def test_unit_timelines_agree(stores: tuple[Store, Store]) -> None:
    embedded, neo4j = stores
    a = embedded.unit_timelines(UNIT_IDS, YEARS)
    assert a == neo4j.unit_timelines(UNIT_IDS, YEARS)
    assert a["NO-SUCH-UNIT"] == [] and a["TB-230102"]


ANALYST = All((
    Field("kind", "eq", "tax_bureau"), Field("level", "eq", "county"), RegionWithin("230100"),
    HasLink(All((Field("family", "eq", "reporting"), Direction(True), Field("year", "eq", 2020))), 1, 3),
    Not(HasLink(All((Field("family", "eq", "liaison"), Field("year", "eq", 2020),
                     End("counterpart", Field("kind", "eq", "propaganda_department")))))),
))  # fmt: skip


def test_the_analysts_question(stores: tuple[Store, Store]) -> None:
    """County bureaus in Harbin that made at least three reports in 2020 but had no liaison with
    the propaganda department: one call, the same answer on both stores."""
    embedded, neo4j = stores
    a, b = embedded.find_units_where(ANALYST), neo4j.find_units_where(ANALYST)
    assert _units(a) == _units(b) == (1, ["TB-230128"])
