"""Injection: hostile strings in every string argument of every query and mutation, on both stores.

What must hold:

* nothing is deleted or changed (every unit, region and link is still there, with the same values);
* nothing leaks (a lookup or filter with a hostile value finds nothing, or is refused);
* a hostile value that a mutation accepts is stored exactly as sent, and read back exactly;
* every value reaches Neo4j **only as a parameter**: the text of every Cypher statement sent while
  the hostile requests run is recorded, and none contains a hostile string;
* the source builds Cypher text only from module constants and the vocabulary's whitelisted labels
  (a static check of ``graph/store`` and every other module that runs Cypher).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path
from typing import Any

import httpx
import pytest
from apihelp import API_KEY, check_response, serving
from cypherlog import CypherLog
from fuzzing import CUSTOM_SCALARS, fuzz
from graphql import build_schema as parse_sdl
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import mutations
from relhelp import GOOD, INJECTIONS, REPO, clear_neo4j

from graph.api.graphql.schema import schema_sdl
from graph.store import Store, open_store
from loaders import load_paths

SDL = schema_sdl()
GRAPHQL = parse_sdl(SDL)  # the live schema's types, from its public SDL

#: values for required arguments that are not under test (they exist in tests/data/good)
DEFAULTS = {"ID": "HLJ", "String": "230000", "Int": 2020, "Date": "2020-12-31"}
#: a valid row per input type; one field at a time is replaced by a hostile value
VALID_INPUT = {
    "UnitInput": {"name": "注入测试", "kind": "tax_bureau", "level": "county", "regionCode": "230102",
                  "parentId": "HRB", "nameEn": "injection test"},
    "LinkInput": {"date": "2020-06-01", "kind": "visit", "sourceId": "DL", "targetId": "DL-LPC", "title": "t"},
    "RegionInput": {"name": "注入区", "level": "county", "parentCode": "230100"},
}  # fmt: skip
CYPHERISH = {v for v in INJECTIONS if "MATCH" in v or v.startswith(("'", "`", "$", "x`"))} | {
    INJECTIONS[0],
    INJECTIONS[-1],
}
ID_FIELD = {"UnitInput": "id", "LinkInput": "id", "RegionInput": "code"}


# -- the graph before and after ------------------------------------------------------------------------


def snapshot(store: Store) -> dict[str, Any]:
    """Everything a store holds, as comparable values."""
    from graph.store.base import LinkQuery, UnitQuery

    units = store.find_units(UnitQuery()).items
    links = store.find_links(LinkQuery()).items
    return {"regions": store.regions(), "units": units, "links": links}


@pytest.fixture
def scratch(
    store_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Store, str | None]]:
    """The good test ledgers in a store of each kind."""
    uri = request.getfixturevalue("neo4j_uri") if store_kind == "neo4j" else None
    if uri:
        clear_neo4j(uri)
    store = open_store(uri or tmp_path / "scratch.tkg")
    load_paths(store, [GOOD])
    yield store, uri
    store.close()


# -- building requests from the schema ------------------------------------------------------------------


def _named(t: Any) -> Any:
    from graphql import get_named_type

    return get_named_type(t)


def _is_stringy(t: Any) -> bool:
    return _named(t).name in ("String", "ID")


def _selection(t: Any, depth: int = 0) -> str:
    """Leaf fields (no required arguments) down to two levels: enough to see what came back."""
    from graphql import Undefined, is_leaf_type, is_non_null_type

    named = _named(t)
    if is_leaf_type(named):
        return ""
    parts = []
    for name, field in named.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()):
            continue
        sub = _named(field.type)
        if is_leaf_type(sub):
            parts.append(name)
        elif depth < 1:
            inner = _selection(field.type, depth + 1)
            if inner:
                parts.append(f"{name} {inner}")
    return "{ " + " ".join(parts) + " }"


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _call(field_name: str, field: Any, target: str | None, var: str) -> str:
    """``field(args)`` with ``target`` bound to ``$var`` and required others given defaults."""
    from graphql import Undefined, is_non_null_type

    args = []
    for name, arg in field.args.items():
        if name == target:
            args.append(f"{name}: ${var}")
        elif is_non_null_type(arg.type) and arg.default_value is Undefined:
            args.append(f"{name}: {_literal(DEFAULTS[_named(arg.type).name])}")
    return f"{field_name}({', '.join(args)})" if args else field_name


def query_variants() -> list[tuple[str, str, str]]:
    """(alias, var type, field text) for every string argument of every query field, and of Unit's
    fields (reached through ``unit(id: "HLJ")``)."""
    out = []
    for name, field in GRAPHQL.query_type.fields.items():
        for arg_name, arg in field.args.items():
            if _is_stringy(arg.type):
                kind = _named(arg.type).name
                alias = f"q_{name}_{arg_name}"
                out.append(
                    (alias, kind, f"{alias}: {_call(name, field, arg_name, kind)} {_selection(field.type)}")
                )
    unit_type = GRAPHQL.type_map["Unit"]
    for name, field in unit_type.fields.items():
        for arg_name, arg in field.args.items():
            if _is_stringy(arg.type):
                kind = _named(arg.type).name
                alias = f"u_{name}_{arg_name}"
                inner = f"{alias}: {_call(name, field, arg_name, kind)} {_selection(field.type)}"
                out.append((alias, kind, f'{alias}: unit(id: "HLJ") {{ {inner} }}'))
    return out


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        if "totalCount" in value:
            return value["totalCount"] == 0
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return not value


def _unwrap_alias(alias: str, data: Any) -> Any:
    value = (data or {}).get(alias)
    if alias.startswith("u_") and isinstance(value, dict):
        return value.get(alias)
    return value


# -- the tests ----------------------------------------------------------------------------------------


def _looks_like_cypher(node: ast.JoinedStr) -> bool:
    text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return any(word in text for word in ("MATCH", "RETURN", "MERGE", "UNWIND", "CALL", "DELETE", "CREATE"))


def test_cypher_text_is_built_from_constants_only() -> None:
    """Static check: Cypher text never comes from a value computed at run time.

    In ``graph/store/cypher.py`` an f-string may only interpolate the module's own projection and
    filter constants, and ``.replace`` only puts in whitelisted labels and relationship types. Every
    other module that runs Cypher passes a constant (a name from ``cypher`` or a module constant) as
    the statement: never an f-string, ``%``, ``.format`` or concatenation at the call.
    """
    cypher_py = REPO / "src" / "graph" / "store" / "cypher.py"
    tree = ast.parse(cypher_py.read_text(encoding="utf-8"))
    allowed_names = {
        "_UNIT_MAP",
        "_REGION_MAP",
        "_PARENT_MAP",
        "_CHILD_MAP",
        "_LINK_MAP",
        "_ANY_LINK",
        "_LINK_FILTER",
        "_LINK_PAGE",
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and _looks_like_cypher(node):
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    assert isinstance(value.value, ast.Name) and value.value.id in allowed_names, ast.unparse(
                        node
                    )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            raise AssertionError(f"str.format in cypher.py: {ast.unparse(node)}")
    from graph.store import cypher

    for label in cypher.UNIT_LABELS + cypher.REL_TYPES + cypher.STRUCTURE_TYPES:
        assert re.fullmatch(r"[A-Za-z_]+", label), label

    runners = {"run", "execute_query"}
    checked = 0
    for path in sorted((REPO / "src" / "graph").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "execute_query" not in source and ".run(" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in runners or not node.args:
                continue
            statement = node.args[0]
            where = f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)[:120]}"
            assert not isinstance(statement, ast.JoinedStr | ast.BinOp), where
            assert not (
                isinstance(statement, ast.Call)
                and isinstance(statement.func, ast.Attribute)
                and statement.func.attr in ("format", "replace", "join")
            ), where
            checked += 1
    assert checked >= 5


def test_hostile_strings_in_every_query_argument(
    scratch: tuple[Store, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One request per value and argument. Batched in one document, a refused argument of a
    non-null root field (``units(regionCode: …)``) nulls ``data`` for the whole request: the other
    fields' answers are lost to the check, and their resolvers may be abandoned before they reach
    the store, so what reached Neo4j depended on timing."""
    store, uri = scratch
    before = snapshot(store)
    variants = query_variants()
    assert len(variants) >= 15, variants
    cypher_log = CypherLog(monkeypatch)
    answered: dict[str, set[str]] = {}  # value -> aliases answered without an error
    # Every argument must reach the store, so the cost budget (tested in tests/api/test_api_limits.py)
    # is lifted: a hostile maxHops or first would otherwise be refused before any store work.
    with serving(store, max_cost=10**9, cost_per_minute=0, cache_mb=0) as http:
        for value in INJECTIONS:
            for alias, kind, field in variants:
                query = f"query Hostile($v: {kind}!) {{ {field.replace(f'${kind}', '$v')} }}"
                body = check_response(http.post("/graphql", json={"query": query, "variables": {"v": value}}))
                errors = body.get("errors") or []
                assert not [e for e in errors if not e.get("path")], (query, errors)
                if errors:
                    assert body.get("data") is None or _unwrap_alias(alias, body["data"]) is None, body
                    continue
                got = _unwrap_alias(alias, body["data"])
                assert _empty(got), f"{alias} with {value!r} found something: {got}"
                answered.setdefault(value, set()).add(alias)
    assert snapshot(store) == before, "a hostile query changed the graph"
    # every value is answered by the lookups that take any string (unit ids, name search)
    assert set(answered) == set(INJECTIONS), set(INJECTIONS) - set(answered)
    if uri:
        _assert_parameters_only(cypher_log, INJECTIONS, every_value=True)


def _constant_cypher() -> str:
    """Every statement text the store module defines (a hostile value that is a substring of one,
    such as ``$ids``, proves nothing by appearing in the text)."""
    from graph.store import cypher

    texts = []
    for value in vars(cypher).values():
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            texts.extend(v for v in value.values() if isinstance(v, str))
    return "\n".join(texts)


def _assert_parameters_only(cypher_log: CypherLog, values: list[str], *, every_value: bool = False) -> None:
    """No hostile value inside any Cypher text, and the values did reach Neo4j (as parameters):
    every one of them when ``every_value``, else at least half (mutations refuse some values
    before they reach the store)."""
    assert cypher_log.sent, "no Cypher was recorded"
    constant = _constant_cypher()
    values = [v for v in values if v not in constant]
    for text, _ in cypher_log.sent:
        for value in values:
            assert value not in text, f"hostile value {value!r} inside Cypher text:\n{text}"
    sent_params = json.dumps([p for _, p in cypher_log.sent], default=str, ensure_ascii=False)
    missed = [v for v in values if json.dumps(v, ensure_ascii=False)[1:-1] not in sent_params]
    if every_value:
        assert not missed, f"hostile values did not reach Neo4j as parameters: {missed}"
    else:
        assert len(values) - len(missed) >= len(values) // 2, (
            f"hostile values did not reach Neo4j as parameters: {missed}"
        )


def _mutation_variants() -> list[tuple[str, str, str, str]]:
    """(alias, mutation, input type, field) for every string field of every mutation's input."""
    out = []
    for name, field in GRAPHQL.mutation_type.fields.items():
        for arg in field.args.values():
            input_type = _named(arg.type)
            for fname, f in input_type.fields.items():
                if _is_stringy(f.type):
                    out.append((f"m_{name}_{fname}", name, input_type.name, fname))
    return out


def test_hostile_strings_in_every_mutation_field(
    scratch: tuple[Store, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, uri = scratch
    before = snapshot(store)
    variants = _mutation_variants()
    assert {m for _, m, _, _ in variants} >= {"upsertUnits", "recordLinks"}
    cypher_log = CypherLog(monkeypatch)
    accepted: list[tuple[str, str, str, dict[str, Any]]] = []
    with serving(store) as http:
        # one mutation per request: a failed field nulls the whole answer (non-null result types)
        # Neo4j writes are slower: there, the values aimed at Cypher (and one of each other sort)
        values = INJECTIONS if uri is None else [v for v in INJECTIONS if v in CYPHERISH]
        for n, value in enumerate(values):
            for i, (_, mutation, input_type, fname) in enumerate(variants):
                row = dict(VALID_INPUT[input_type])
                row[ID_FIELD[input_type]] = (
                    f"INJ-{n}-{i}" if input_type != "RegionInput" else str(239000 + n * 40 + i)
                )
                row[fname] = value
                arg = next(iter(GRAPHQL.mutation_type.fields[mutation].args))
                query = (
                    f"mutation Hostile($rows: [{input_type}!]!) {{ {mutation}({arg}: $rows) {{ written }} }}"
                )
                body = check_response(
                    http.post(
                        "/graphql",
                        json={"query": query, "variables": {"rows": [row]}},
                        headers={"Authorization": f"Bearer {API_KEY}"},
                    )  # fmt: skip
                )
                errors = body.get("errors") or []
                assert all(e.get("path") for e in errors), body
                if (body.get("data") or {}).get(mutation):
                    accepted.append((mutation, input_type, fname, row))
                else:
                    assert errors and errors[0].get("extensions", {}).get("code") in (
                        "INVALID_INPUT",
                        "BAD_USER_INPUT",
                    ), body
    after = snapshot(store)
    # nothing deleted or changed: what was there is still there, exactly
    assert set(map(repr, before["units"])) <= set(map(repr, after["units"]))
    assert set(map(repr, before["links"])) <= set(map(repr, after["links"]))
    assert set(map(repr, before["regions"])) <= set(map(repr, after["regions"]))
    # accepted hostile values are stored exactly as sent
    assert accepted, "no hostile value was accepted anywhere: the round trip went untested"
    stored = {v for group in after.values() for item in group for v in astuple(item) if isinstance(v, str)}
    for _, _, fname, row in accepted:
        assert row[fname].strip() in stored or fname in ("kind", "level", "date"), (fname, row[fname])
    if uri:
        _assert_parameters_only(cypher_log, [v for v in INJECTIONS if len(v) > 3])


def test_generated_mutations(scratch: tuple[Store, str | None]) -> None:
    """Generated mutations with and without a key: a keyless one never writes; none crashes."""
    store, _ = scratch
    with serving(store) as http:

        @fuzz(80 if "Embedded" in type(store).__name__ else 30)
        @given(query=mutations(SDL, custom_scalars=CUSTOM_SCALARS), with_key=st.booleans())
        def run(query: str, with_key: bool) -> None:
            before = store.count_units()
            headers = {"Authorization": f"Bearer {API_KEY}"} if with_key else {}
            body = check_response(http.post("/graphql", json={"query": query}, headers=headers))
            if not with_key:
                assert store.count_units() == before
                assert body.get("errors")

        run()


def test_injection_in_header_and_cursor(scratch: tuple[Store, str | None]) -> None:
    """Hostile Authorization headers and cursors: refused cleanly, nothing written."""
    store, _ = scratch
    before = snapshot(store)
    with serving(store) as http:
        for value in INJECTIONS[:12]:
            for header in (f"Bearer {value}", value, f"Bearer {API_KEY}{value}", f"Basic {value}"):
                try:
                    r = http.post(
                        "/graphql",
                        json={
                            "query": 'mutation { upsertUnits(units: [{id: "X", name: "x", kind: "tax_bureau", level: "national"}]) { written } }'
                        },
                        headers={"Authorization": header},
                    )
                except (httpx.LocalProtocolError, UnicodeEncodeError):
                    continue  # not sendable as a header at all
                body = check_response(r)
                assert body.get("errors") and not body.get("data"), body
    assert snapshot(store) == before
