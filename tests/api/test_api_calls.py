"""No N+1: store calls (and, on Neo4j, Cypher statements) per request do not grow with the items.

The store is real (the sample on each store) behind a counting proxy; nothing is mocked. Each
statement is one Bolt round trip (run + pull), so counting statements counts round trips.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from cypherlog import CypherLog
from fastapi.testclient import TestClient
from graphql_client import CountingStore, settings

from graph.api import create_app
from graph.store import Store

BIG_QUERY = """query($first: Int, $region: String) {
  units(first: $first, regionCode: $region) {
    totalCount
    edges { cursor node {
      id name kind side
      region { name parent { code } }
      parent { id name parent { id } }
      bureau { id }
      children(first: 5) { totalCount nodes { id } }
      counterparts { id kind }
      links(year: 2020, first: 3) { totalCount nodes { id source { id name } target { id name } } }
      coverage(year: 2020) { expected met ratio requirements(unmetOnly: true) { rule counterpart { id } } }
      gaps(year: 2020) { rule subject { id } }
      timeline(years: [2020, 2021]) { year count }
    } } } }"""


def run(
    client: TestClient, counting: CountingStore, variables: dict[str, Any]
) -> tuple[int, int, Counter[str]]:
    counting.calls.clear()
    response = client.post("/graphql", json={"query": BIG_QUERY, "variables": variables})
    body = response.json()
    assert response.status_code == 200 and not body.get("errors"), body.get("errors")
    return len(body["data"]["units"]["edges"]), counting.total, Counter(counting.calls)


@pytest.fixture
def counted(sample_store: Store) -> Iterator[tuple[TestClient, CountingStore]]:
    counting = CountingStore(sample_store)
    with TestClient(
        create_app(
            # the batching is what is measured: no answer cache (graph.api.limits.cache), and a budget
            # for this query of 1,000 units with everything (a cost of about 102,000); it takes 8-9 s
            # of a loaded 2-core machine, so the deadline is not what this test measures
            settings(
                max_page_size=1000,
                max_cost=200_000,
                cache_mb=0,
                cost_per_minute=0,
                request_timeout=120,
            ),
            counting,
        )
    ) as client:
        yield client, counting


def test_store_calls_do_not_grow_with_items(
    counted: tuple[TestClient, CountingStore], sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, counting = counted
    n_small, small, small_calls = run(client, counting, {"region": "230102"})
    n_big, big, big_calls = run(client, counting, {"first": 1000})
    assert n_small >= 8 and n_big == 1000
    # not more for 1,000 units than for 10 (units primed with a page can save a lookup that
    # depends on which units are on it)
    assert big <= small, (small_calls, big_calls)
    assert big <= 20
    print(f"\nstore calls per request: {n_small} units -> {small}, {n_big} units -> {big}: {dict(big_calls)}")

    if type(sample_store).__name__ == "Neo4jStore":
        statements = CypherLog(monkeypatch)
        run(client, counting, {"region": "230102"})
        small_bolt = len(statements.sent)
        statements.sent.clear()
        run(client, counting, {"first": 1000})
        big_bolt = len(statements.sent)
        assert big_bolt <= small_bolt
        print(f"Cypher statements (Bolt round trips) per request: {small_bolt} and {big_bolt}")


def test_single_unit_links_are_paged_in_the_store(counted: tuple[TestClient, CountingStore]) -> None:
    """One unit's links: one links_of_units with offset/limit, not the whole year."""
    client, counting = counted
    counting.calls.clear()
    body = client.post(
        "/graphql",
        json={"query": '{ unit(id: "LPC-230000") { links(first: 2) { totalCount nodes { id } } } }'},
    ).json()
    assert len(body["data"]["unit"]["links"]["nodes"]) == 2
    assert counting.calls == Counter({"get_units": 1, "links_of_units": 1})
