"""Vertical systems through GraphQL (issue 20), on both stores holding ``sample --system all``:
``systems``, the ``system`` argument of ``units``, ``coverage`` and ``gaps``, ``Unit.system``, and a
region's vertical units across systems with ``coverage { bySystem }``; each matches the library
and both stores answer the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from graphql_client import GraphQLClient

from graph import rules
from graph.store import Store, open_store
from graph.synthetic.systems_sample import write_samples

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def clear_neo4j(store: Store) -> None:
    """Empty the Neo4j test database (as tests/api/conftest.py does)."""
    from graph.store.cypher import CLEAR_DATABASE

    driver = store.driver  # type: ignore[attr-defined]  # the test owns this store
    with driver.session(database=store.database) as session:  # type: ignore[attr-defined]
        session.run(CLEAR_DATABASE).consume()


QUERY = """
query($system: String) {
  systems { id name nameEn unitCount coverage(year: 2020) { met expected } }
  units(system: $system, first: 500) { totalCount edges { node { id system kind } } }
  coverage(year: 2020, system: $system) { met expected bySystem { system name met expected ratio } }
  gaps(year: 2020, system: $system) { unitId rule counterpartId }
  region(code: "231000") {
    verticalUnits { id system level }
    coverage(year: 2020) { met expected bySystem { system met expected } }
  }
}
"""


@pytest.fixture(scope="module")
def all_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("all")
    write_samples(folder, "all")
    return folder


@pytest.fixture(params=STORE_KINDS)
def all_store(request: pytest.FixtureRequest, tmp_path: Path, all_dir: Path) -> Any:
    from loaders import load_paths

    if request.param == "embedded":
        store = open_store(tmp_path / "all.tkg")
    else:
        store = open_store(request.getfixturevalue("neo4j_uri"))
        clear_neo4j(store)
    load_paths(store, [all_dir])
    yield store
    store.close()


def test_systems_through_graphql(all_store: Store, serve: Callable[..., GraphQLClient]) -> None:
    client = serve(all_store)
    data = client.data(QUERY, {"system": "customs"})
    systems = {s["id"]: s for s in data["systems"]}
    assert list(systems) == ["tax", "customs", "meteorology"]
    assert systems["customs"]["name"] == "海关系统" and systems["customs"]["nameEn"] == "Customs"
    assert systems["customs"]["unitCount"] == 19  # 海关总署, 哈尔滨海关 and its committee, 16 ports
    for sid, s in systems.items():
        cov = rules.coverage(all_store, 2020, rules=[r for r in rules.load_rules() if r.system == sid])
        assert (s["coverage"]["met"], s["coverage"]["expected"]) == (cov.met, cov.expected)
        assert 0 < cov.met < cov.expected
    units = data["units"]["edges"]
    assert data["units"]["totalCount"] == 19 and {u["node"]["system"] for u in units} == {"customs"}
    assert data["coverage"]["bySystem"] == [
        {"system": "customs", "name": "海关系统", "met": systems["customs"]["coverage"]["met"],
         "expected": systems["customs"]["coverage"]["expected"],
         "ratio": systems["customs"]["coverage"]["met"] / systems["customs"]["coverage"]["expected"]}
    ]  # fmt: skip
    assert data["gaps"] and all(g["unitId"].startswith("CUS-") for g in data["gaps"])
    region = data["region"]
    found = {(u["id"], u["system"]) for u in region["verticalUnits"]}
    assert {("CUS-231081", "customs"), ("CUS-231086", "customs"), ("MB-231000", "meteorology"),
            ("TB-231000", "tax")} <= found  # fmt: skip
    assert all(not u["id"].startswith(("BPC-", "PB-", "MPG-")) for u in region["verticalUnits"])
    assert [s["system"] for s in region["coverage"]["bySystem"]] == ["customs", "meteorology", "tax"]
    assert sum(s["expected"] for s in region["coverage"]["bySystem"]) == region["coverage"]["expected"]


@pytest.mark.neo4j
def test_both_stores_answer_the_same(tmp_path: Path, all_dir: Path, serve: Callable[..., GraphQLClient],
                                     request: pytest.FixtureRequest) -> None:  # fmt: skip
    """The same query on the embedded store and on Neo4j, for every system and for none."""
    from loaders import load_paths

    embedded = open_store(tmp_path / "all.tkg")
    neo4j = open_store(request.getfixturevalue("neo4j_uri"))
    try:
        clear_neo4j(neo4j)
        for store in (embedded, neo4j):
            load_paths(store, [all_dir])
        a, b = serve(embedded), serve(neo4j)
        for system in (None, "tax", "meteorology", "customs"):
            assert a.data(QUERY, {"system": system}) == b.data(QUERY, {"system": system}), system
    finally:
        embedded.close()
        neo4j.close()


def test_unknown_system_is_an_invalid_argument(all_store: Store, serve: Callable[..., GraphQLClient]) -> None:
    client = serve(all_store)
    for query in ('{ coverage(year: 2020, system: "post") { met } }', '{ gaps(year: 2020, system: "post") { rule } }',
                  '{ units(system: "post") { totalCount } }',
                  '{ region(code: "231000") { verticalUnits(system: "post") { id } } }'):  # fmt: skip
        body = client.run(query)
        assert body["errors"][0]["message"].startswith("system: unknown system 'post'"), body
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
