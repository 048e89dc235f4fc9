"""A hostile caller with a scope (issue 18), on both stores: nothing from outside its scope leaks.

hypothesis draws a scope (one to three region codes of any level), a top-level query field (every
one the schema has) with random arguments (ids and codes from inside and outside the scope, years,
paging, ``where`` filters) and a selection of every field of the answer's type, nested through its
connections two levels deep. The query runs as the scoped caller and as an unscoped one, through
the served schema with a shared answer cache (so a cache keyed without the scope would hand one
scope's answer to another). Every answer is checked against the sample read directly:

* no unit id, unit name or link id from outside the scope appears, except a unit a visible link
  reaches or the parent of a visible unit, which shows id, name, kind and level only (a stub);
* no region code appears that is neither in the scope nor above it;
* counts (``totalCount``, ``count``, ``records``, ``expected``, ``units`` …) are never above the
  unscoped answer's for the same path, and a unit listing's total never above the visible units.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from apihelp import ensure_sample, open_sample
from fuzzing import fuzz
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)
from graphql.pyutils import Undefined
from hypothesis import given
from hypothesis import strategies as st

from graph.api.auth import Caller
from graph.api.errors import ApiError
from graph.api.graphql.connection import encode_cursor
from graph.api.graphql.context import Context
from graph.api.graphql.schema import build_schema
from graph.api.limits import Limits
from graph.config import Settings
from graph.model import regions_within
from graph.rules import load_rules
from graph.store import Store
from graph.store.base import LinkQuery

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]
SETTINGS = Settings(max_cost=10_000_000, max_depth=20, max_aliases=200, max_tokens=100_000, cost_per_minute=0)
COUNT_FIELDS = {
    "totalCount",
    "count",
    "records",
    "expected",
    "met",
    "units",
    "links",
    "participants",
    "events",
}


class Oracle:
    """The sample as read directly (unscoped), and what a scope may see of it."""

    def __init__(self, store: Store) -> None:
        from graph.model.vocabulary import vocabulary

        self.units = {u.id: u for u in store.units_of_kinds(list(vocabulary().unit_kinds))}
        self.links = store.find_links(LinkQuery()).items
        self.regions = store.regions()
        self.parent = {r.code: r.parent_code for r in self.regions}
        self.years = store.years()

    def view(self, scope: tuple[str, ...]) -> SimpleNamespace:
        codes: set[str] = set()
        for c in scope:
            codes |= regions_within(self.regions, c)
        above = set()
        for c in scope:
            p = self.parent.get(c)
            while p:
                above.add(p)
                p = self.parent.get(p)
        visible = {i for i, u in self.units.items() if u.region_code in codes}
        links = {lk.id for lk in self.links if lk.source_id in visible or lk.target_id in visible}
        reached = {e for lk in self.links if lk.id in links for e in (lk.source_id, lk.target_id)}
        reached |= {self.units[i].parent_id for i in visible if self.units[i].parent_id}
        return SimpleNamespace(
            codes=codes, region_codes=codes | above, visible=visible, links=links, stubs=reached - visible
        )


@pytest.fixture(scope="module", params=STORE_KINDS)
def scoped_sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                  sample_dir: Path) -> Iterator[tuple[Store, Oracle]]:  # fmt: skip
    uri = request.getfixturevalue("neo4j_uri") if request.param == "neo4j" else None
    store = open_sample(request.param, tmp_path_factory.mktemp("scope"), sample_dir, uri)
    yield store, Oracle(store)
    store.close()


@pytest.fixture
def sample(
    scoped_sample: tuple[Store, Oracle], sample_dir: Path, request: pytest.FixtureRequest
) -> tuple[Store, Oracle]:
    store, oracle = scoped_sample
    uri = request.getfixturevalue("neo4j_uri") if type(store).__name__ == "Neo4jStore" else None
    ensure_sample(store, sample_dir, uri)
    return store, oracle


_SCHEMA = build_schema(SETTINGS)
_RULES = load_rules()
_LIMITS = Limits(SETTINGS)  # one answer cache for every caller, as in a server process


def execute(store: Store, query: str, variables: dict[str, Any], caller: Caller | None) -> dict[str, Any]:
    ctx = Context(store, SETTINGS, _RULES, authorized=caller is not None, key_presented=caller is not None,
                  caller=caller, request_id="test")  # fmt: skip
    ctx.request = SimpleNamespace(  # type: ignore[assignment]  # what the limits look up on a request
        app=SimpleNamespace(state=SimpleNamespace(limits=_LIMITS, settings=SETTINGS)), headers={}, client=None
    )
    result = asyncio.run(_SCHEMA.execute(query, variable_values=variables, context_value=ctx))
    errors = [e.message for e in result.errors or []]
    for e in result.errors or []:  # refusals of the API, never a failure inside it
        assert e.original_error is None or isinstance(e.original_error, ApiError), (
            query,
            repr(e.original_error),
        )
    return {"data": result.data, "errors": errors}


# -- queries built from the schema -----------------------------------------------------------------


class Draws:
    """Argument values: ids and codes from inside and outside the scope."""

    def __init__(self, rnd: random.Random, oracle: Oracle, view: SimpleNamespace) -> None:
        self.rnd, self.oracle, self.view = rnd, oracle, view
        inside = sorted(view.visible) or sorted(oracle.units)
        self.ids = [*rnd.sample(inside, min(4, len(inside))), *rnd.sample(sorted(oracle.units), 4),
                    *rnd.sample(sorted(view.stubs) or inside, 1), "NO-SUCH-UNIT"]  # fmt: skip
        self.codes = [
            *rnd.sample(sorted(view.codes), 1),
            *rnd.sample([r.code for r in oracle.regions], 2),
            "999999",
        ]

    def value(self, name: str, type_: Any) -> Any:  # noqa: PLR0911 - one branch per argument kind
        rnd = self.rnd
        named = get_named_type(type_)
        if name in ("id", "unitId", "fromId", "toId", "aId", "bId", "counterpartId"):
            return rnd.choice(self.ids)
        if name in ("regionCode", "code", "parentCode", "regionWithin"):
            return rnd.choice(self.codes)
        if name == "year":
            return rnd.choice(self.oracle.years)
        if name == "years":
            return rnd.sample(self.oracle.years, rnd.randint(1, 2))
        if name == "first":
            return rnd.choice([1, 3, 20])
        if name == "after":
            return encode_cursor(rnd.randint(0, 4))
        if name == "asOf":
            return f"{rnd.choice(self.oracle.years)}-{rnd.randint(1, 12):02d}-15"
        if name == "maxHops":
            return rnd.randint(1, 6)
        if name == "where" and named.name == "UnitWhere":
            return rnd.choice([{"kind": {"eq": "TAX_BUREAU"}}, {"regionWithin": rnd.choice(self.codes)},
                               {"hasLink": {"year": {"eq": self.oracle.years[0]}}},
                               {"id": {"in": self.ids[:5]}}, {"name": {"contains": "税务"}},
                               {"hasLink": {"counterpart": {"regionCode": {"startsWith": "23"}}}},
                               {"NOT": {"hasLink": {"counterpart": {"hasLink": {"year": {"gte": 2019}}}}}}])  # fmt: skip
        if name == "where" and named.name == "LinkWhere":
            return rnd.choice([{"year": {"eq": self.oracle.years[-1]}}, {"unit": {"id": {"eq": self.ids[0]}}},
                               {"counterpart": {"kind": {"eq": "LOCAL_PARTY_COMMITTEE"}}},
                               {"source": {"regionWithin": rnd.choice(self.codes)}},
                               {"target": {"hasLink": {"year": {"eq": self.oracle.years[0]}}}},
                               {"unit": {"nameEn": {"contains": "Committee"}}, "NOT": {"source": {"level": {"eq": "COUNTY"}}}}])  # fmt: skip
        if isinstance(named, GraphQLEnumType):
            return rnd.choice(list(named.values))
        return None


def _needs(arg: Any) -> bool:
    return isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined


def type_text(t: Any) -> str:
    if isinstance(t, GraphQLNonNull):
        return type_text(t.of_type) + "!"
    if isinstance(t, GraphQLList):
        return f"[{type_text(t.of_type)}]"
    return str(t.name)


def literal(value: Any, type_: Any) -> str:
    """``value`` as a GraphQL literal of ``type_`` (enums bare, strings quoted)."""
    named = get_named_type(type_)
    if isinstance(value, list):
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        inner = inner.of_type if isinstance(inner, GraphQLList) else inner
        return "[" + ", ".join(literal(v, inner) for v in value) + "]"
    if isinstance(value, dict):
        assert isinstance(named, GraphQLInputObjectType)
        return "{" + ", ".join(f"{k}: {literal(v, named.fields[k].type)}" for k, v in value.items()) + "}"
    if isinstance(named, GraphQLEnumType):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def inline_selection(type_: GraphQLObjectType, draws: Draws, depth: int) -> str:
    """Every field of ``type_``: scalars, and objects (connections too) ``depth`` levels down, with
    required arguments always and paging, ``where`` and ``year`` sometimes."""
    parts = []
    for name, field in type_.fields.items():
        named = get_named_type(field.type)
        args, skip = [], False
        for arg_name, arg in field.args.items():
            if _needs(arg) or (arg_name in ("first", "where", "year", "after") and draws.rnd.random() < 0.4):
                value = draws.value(arg_name, arg.type)
                if value is None:
                    skip = skip or _needs(arg)
                    continue
                args.append(f"{arg_name}: {literal(value, arg.type)}")
        if skip:
            continue
        arg_text = ("(" + ", ".join(args) + ")") if args else ""
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            parts.append(name + arg_text)
        elif isinstance(named, GraphQLObjectType) and depth > 0:
            parts.append(f"{name}{arg_text} {{ {inline_selection(named, draws, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def build_query(field_name: str, draws: Draws) -> tuple[str, dict[str, Any]]:
    """A query of one top-level field: its arguments as variables, nested ones inline."""
    field = _SCHEMA._schema.query_type.fields[field_name]
    variables: dict[str, Any] = {}
    declared, args = [], []
    for arg_name, arg in field.args.items():
        if _needs(arg) or draws.rnd.random() < 0.5:
            value = draws.value(arg_name, arg.type)
            if value is None:
                continue
            var = f"a{len(args)}"
            variables[var] = value
            declared.append(f"${var}: {type_text(arg.type)}")
            args.append(f"{arg_name}: ${var}")
    named = get_named_type(field.type)
    body = "{ " + inline_selection(named, draws, 2) + " }" if isinstance(named, GraphQLObjectType) else ""
    header = ("query(" + ", ".join(declared) + ")") if declared else "query"
    text_args = ("(" + ", ".join(args) + ")") if args else ""
    return f"{header} {{ {field_name}{text_args} {body} }}", variables


# -- the checks ----------------------------------------------------------------------------------


def walk(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """(path, key's container, leaf) for every leaf of a JSON answer."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, dict | list):
                yield from walk(v, (*path, k))
            else:
                yield (*path, k), value, v
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, path)


def check_scoped(
    answer: dict[str, Any], oracle: Oracle, view: SimpleNamespace, query: str, asked: str
) -> None:
    allowed_units = view.visible | view.stubs
    names_out = {u.name for i, u in oracle.units.items() if i not in allowed_units} - {
        oracle.units[i].name for i in allowed_units
    }
    link_ids = {lk.id for lk in oracle.links}
    region_codes = {r.code for r in oracle.regions}
    for path, container, leaf in walk(answer["data"] or {}):
        if not isinstance(leaf, str | int) or isinstance(leaf, bool):
            continue
        if isinstance(leaf, str):
            assert not (leaf in oracle.units and leaf not in allowed_units), (query, path, leaf)
            assert leaf not in names_out, (query, path, leaf)
            assert not (leaf in link_ids and leaf not in view.links), (query, path, leaf)
            assert not (leaf in region_codes and leaf not in view.region_codes), (query, path, leaf)
            if path[-1] == "id" and leaf in view.stubs:
                for hidden in ("regionCode", "parentId", "nameEn"):
                    assert container.get(hidden) is None, (query, path, leaf, hidden)
        elif path[-1] == "totalCount":
            assert leaf <= max(len(view.visible), len(view.links)), (query, path, leaf)
    for message in answer["errors"]:  # an id outside the scope only as the caller sent it ("unknown …")
        for uid in oracle.units:
            if uid not in allowed_units and uid in message:
                assert uid in asked, (query, message)


def ids(answer: dict[str, Any], known: set[str]) -> set[str]:
    """Unit and link ids of an answer outside connections (whose pages differ by scope)."""
    return {
        leaf for path, _, leaf in walk(answer["data"] or {})
        if isinstance(leaf, str) and leaf in known and "nodes" not in path and "edges" not in path
    }  # fmt: skip


def counts(answer: dict[str, Any]) -> dict[tuple[str, ...], int]:
    out: dict[tuple[str, ...], int] = {}
    for path, _, leaf in walk(answer["data"] or {}):
        if path[-1] in COUNT_FIELDS and isinstance(leaf, int) and not isinstance(leaf, bool):
            out[path] = max(out.get(path, 0), leaf)
    return out


FIELDS = sorted(_SCHEMA._schema.query_type.fields)


@fuzz(20)
@given(data=st.data())
def test_a_scoped_caller_sees_nothing_outside_its_scope(sample: tuple[Store, Oracle], data: Any) -> None:
    store, oracle = sample
    codes = [r.code for r in oracle.regions]
    scope = tuple(
        sorted(set(data.draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3), label="scope")))
    )
    field = data.draw(st.sampled_from(FIELDS), label="field")
    rnd = random.Random(data.draw(st.integers(0, 2**32), label="seed"))
    view = oracle.view(scope)
    query, variables = build_query(field, Draws(rnd, oracle, view))
    scoped = execute(store, query, variables, Caller("office", "read", scope))
    check_scoped(scoped, oracle, view, query, query + repr(variables))
    whole = execute(store, query, variables, Caller("province", "read", None))
    if not scoped["errors"] and not whole["errors"] and field not in ("shortestPath",):
        big = counts(whole)
        for path, n in counts(scoped).items():
            if path in big and "nodes" not in path and "edges" not in path:
                assert n <= big[path], (query, path, n, big[path])
        known = set(oracle.units) | {lk.id for lk in oracle.links}
        assert ids(scoped, known) <= ids(whole, known), (query, ids(scoped, known) - ids(whole, known))


def test_the_check_catches_a_leak(sample: tuple[Store, Oracle]) -> None:
    """The same check on an unscoped answer fails: it would notice a scope left out."""
    store, oracle = sample
    view = oracle.view(("230102",))
    query = "{ units(first: 50) { totalCount nodes { id name regionCode } } }"
    whole = execute(store, query, {}, None)
    with pytest.raises(AssertionError):
        check_scoped(whole, oracle, view, query, query)
    check_scoped(execute(store, query, {}, Caller("daoli", "read", ("230102",))), oracle, view, query, query)


@pytest.mark.parametrize("scope", [("230102",), ("230100",), ("230100", "230200"), ("230000",)])
def test_totals_count_only_what_is_visible(sample: tuple[Store, Oracle], scope: tuple[str, ...]) -> None:
    store, oracle = sample
    view = oracle.view(scope)
    year = oracle.years[-1]
    query = (
        "query($y: Int!) { units(first: 1) { totalCount } links(first: 1) { totalCount }"
        " unitsAggregate { count } stats(year: $y) { units links } years"
        " linksAggregate { records } }"
    )
    data = execute(store, query, {"y": year}, Caller("office", "read", scope))["data"]
    in_year = [lk for lk in oracle.links if lk.id in view.links and lk.date.year == year]
    assert data["units"]["totalCount"] == len(view.visible) == data["unitsAggregate"]["count"]
    assert data["links"]["totalCount"] == len(view.links) == data["linksAggregate"][0]["records"]
    assert data["stats"]["units"] == len(view.visible)
    assert data["stats"]["links"] == len(in_year)
    assert len(view.visible) < len(oracle.units) or scope == ("230000",)
