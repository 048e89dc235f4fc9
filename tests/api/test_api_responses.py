"""Whole answers of queries cached per worker (graph.api.limits.responses), on both stores.

A repeated query is answered without asking the store (a real store behind a counting proxy); a
write, through the API or beside the server, makes the next read fresh; the caller's scope and the
variables are part of the key; errors are never kept; a cached answer still costs its points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql_client import API_KEY, CountingStore, settings

from graph.api import create_app
from graph.api.keys import add_key
from graph.api.limits.responses import CachedResponse
from graph.model import Dataset, Link, Region, Unit
from graph.store import Store, open_store

REGIONS = [
    Region("230000", "黑龙江省", "province"),
    Region("230100", "哈尔滨市", "prefecture", "230000"),
    Region("230200", "齐齐哈尔市", "prefecture", "230000"),
]
UNITS = [
    Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000"),
    Unit("TB-230100", "国家税务总局哈尔滨市税务局", "tax_bureau", "prefecture", "230100", "TB-230000"),
    Unit("LPC-230100", "中共哈尔滨市委员会", "local_party_committee", "prefecture", "230100"),
    Unit("TB-230200", "国家税务总局齐齐哈尔市税务局", "tax_bureau", "prefecture", "230200", "TB-230000"),
]
LINKS = [Link("L-1", "visit", "liaison", dt.date(2020, 3, 1), "TB-230100", "LPC-230100")]

PAGE = "{ units(first: 50) { totalCount nodes { id name parent { id } region { name } } } }"
PAGE_COST = 1 + 1 + 50 * (1 + 1 + 1)  # units, nodes; each of 50 nodes, its parent, its region: 152
UPSERT = "mutation($units: [UnitInput!]!) { upsertUnits(units: $units) { written } }"
NEW_UNIT = Unit("LPC-230200", "中共齐齐哈尔市委员会", "local_party_committee", "prefecture", "230200")


@pytest.fixture
def counted(empty_store: Store) -> CountingStore:
    empty_store.write(Dataset(regions=REGIONS, units=UNITS, links=LINKS))
    return CountingStore(empty_store)


@pytest.fixture
def client(counted: CountingStore) -> Iterator[TestClient]:
    with TestClient(create_app(settings(), counted)) as c:
        yield c


def ask(c: TestClient, query: str, variables: dict[str, Any] | None = None, **headers: str) -> dict[str, Any]:
    response = c.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def ids(body: dict[str, Any]) -> set[str]:
    return {n["id"] for n in body["data"]["units"]["nodes"]}


def cached_responses(c: TestClient) -> int:
    cache = c.app.state.limits.cache  # type: ignore[attr-defined]
    return sum(isinstance(value, CachedResponse) for value, _ in cache._entries.values())


def test_a_repeated_query_is_answered_without_the_store(client: TestClient, counted: CountingStore) -> None:
    first = ask(client, PAGE)
    assert first["data"]["units"]["totalCount"] == len(UNITS) and counted.total > 0
    assert first["extensions"] == {"cost": PAGE_COST}
    counted.calls.clear()
    for _ in range(3):
        assert ask(client, PAGE) == first  # the same answer, its cost with it
    assert counted.total == 0, counted.calls
    assert cached_responses(client) == 1


def test_a_mutation_makes_the_next_read_fresh(client: TestClient, counted: CountingStore) -> None:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    assert len(ids(ask(client, PAGE))) == len(UNITS)
    row = {"id": NEW_UNIT.id, "name": NEW_UNIT.name, "kind": "LOCAL_PARTY_COMMITTEE", "level": "PREFECTURE",
           "regionCode": "230200"}  # fmt: skip
    assert ask(client, UPSERT, {"units": [row]}, **auth)["data"]["upsertUnits"]["written"] == 1
    assert ask(client, UPSERT, {"units": [row]}, **auth)["data"]["upsertUnits"]["written"] == 1  # not cached
    counted.calls.clear()
    assert NEW_UNIT.id in ids(ask(client, PAGE))
    assert counted.total > 0  # asked the store again
    assert cached_responses(client) == 1  # the answer of the old generation is gone


def test_a_load_beside_the_server_makes_the_next_read_fresh(
    client: TestClient, counted: CountingStore
) -> None:
    assert NEW_UNIT.id not in ids(ask(client, PAGE))
    assert NEW_UNIT.id not in ids(ask(client, PAGE))  # from the cache
    with open_store(counted.location) as other:  # another process, the CLI: another connection
        other.write(Dataset(units=[NEW_UNIT]))
    assert NEW_UNIT.id in ids(ask(client, PAGE))


def test_variables_are_part_of_the_key(client: TestClient, counted: CountingStore) -> None:
    query = "query($r: String, $n: Int) { units(regionCode: $r, first: $n) { nodes { id } } }"
    harbin = ask(client, query, {"r": "230100", "n": 10})
    qiqihar = ask(client, query, {"r": "230200", "n": 10})
    assert ids(harbin) == {"TB-230100", "LPC-230100"} and ids(qiqihar) == {"TB-230200"}
    assert ask(client, query, {"n": 10, "r": "230100"}) == harbin  # the same variables in another order
    assert len(ids(ask(client, query, {"r": "230100", "n": 1}))) == 1
    assert cached_responses(client) == 3


def test_each_scope_gets_its_own_answer(counted: CountingStore, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    harbin = {"Authorization": "Bearer " + add_key(keys_file, "harbin", "read", ["230100"])}
    qiqihar = {"Authorization": "Bearer " + add_key(keys_file, "qiqihar", "read", ["230200"])}
    province = {"Authorization": "Bearer " + add_key(keys_file, "province", "admin", [])}
    with TestClient(create_app(settings(api_keys=[], keys_file=keys_file), counted)) as c:
        for _ in range(2):  # the second time from the cache, each scope its own
            assert ids(ask(c, PAGE, **harbin)) == {"TB-230100", "LPC-230100"}
            assert ids(ask(c, PAGE, **qiqihar)) == {"TB-230200"}
            assert ids(ask(c, PAGE, **province)) == {u.id for u in UNITS}
        counted.calls.clear()
        assert ids(ask(c, PAGE, **qiqihar)) == {"TB-230200"}
        assert counted.total == 0
        assert cached_responses(c) == 3


def test_errors_are_not_cached(client: TestClient, counted: CountingStore) -> None:
    # the units page is asked for, the gaps of a region that does not exist are an error (and
    # gaps being non-null, the answer's data is null)
    query = '{ units(first: 5) { nodes { id } } gaps(year: 2020, regionCode: "239999") { rule } }'
    for _ in range(2):
        counted.calls.clear()
        body = ask(client, query)
        assert body["errors"] and "unknown region" in body["errors"][0]["message"]
        assert body["data"] is None and body["extensions"] == {"cost": 157}
        assert counted.total > 0  # computed each time
    assert cached_responses(client) == 0


def test_a_cached_answer_costs_its_points(counted: CountingStore) -> None:
    with TestClient(create_app(settings(cost_per_minute=3 * PAGE_COST), counted)) as c:
        for _ in range(3):
            assert ask(c, PAGE)["extensions"] == {"cost": PAGE_COST}
        counted.calls.clear()
        r = c.post("/graphql", json={"query": PAGE})
        assert r.status_code == 429 and r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert r.json()["data"] is None and r.json()["extensions"] == {"cost": PAGE_COST}
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert counted.total == 0
        # another client has points of its own, and is answered from the cache
        keyed = c.post("/graphql", json={"query": PAGE}, headers={"Authorization": f"Bearer {API_KEY}"})
        assert keyed.status_code == 200 and len(ids(keyed.json())) == len(UNITS)


def test_the_response_cache_can_be_turned_off(counted: CountingStore) -> None:
    with TestClient(create_app(settings(response_cache=False), counted)) as c:
        first = ask(c, PAGE)
        counted.calls.clear()
        assert ask(c, PAGE) == first
        assert counted.total > 0
        assert cached_responses(c) == 0


def test_heavy_queries_are_not_cached_whole(counted: CountingStore) -> None:
    """Queries costing TIAOKUAI_HEAVY_COST or more run in the low-priority process under `serve`;
    their large answers are not served from the worker's cache (graph.api.limits.responses)."""
    with TestClient(create_app(settings(heavy_cost=PAGE_COST), counted)) as c:
        first = ask(c, PAGE)
        counted.calls.clear()
        assert ask(c, PAGE) == first
        assert counted.total > 0
        assert cached_responses(c) == 0
        cheaper = "{ units(first: 49) { nodes { id name parent { id } region { name } } } }"
        ask(c, cheaper)
        assert cached_responses(c) == 1
