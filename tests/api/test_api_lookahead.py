"""Look-ahead in ``units``: parents, regions and children come with the page, in one store call.

The store is the real one (embedded or Neo4j) behind a proxy that counts calls per method; the
answers are checked against the library, so fetching along with the page must not change them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from graphql_client import CountingStore, GraphQLClient

from graph.store import Store, UnitQuery

AROUND = """
query($first: Int!, $after: String) {
  units(kind: TAX_BUREAU, first: $first, after: $after) {
    totalCount
    pageInfo { endCursor }
    edges { node { id ...Around } }
  }
}
fragment Around on Unit {
  parent { id name }
  ... on Unit { region { code name } }
  children { totalCount nodes { id } }
}
"""


@pytest.fixture
def counted(sample_store: Store, serve: Callable[..., GraphQLClient]) -> tuple[GraphQLClient, CountingStore]:
    proxy = CountingStore(sample_store)
    # children without `first` count at the page size cap (docs/graphql.md, Limits): this page of
    # 60 units with their children costs about 30,000, over the default budget
    return serve(proxy, max_cost=100_000), proxy


def test_page_with_parents_regions_children_is_one_store_call(
    counted: tuple[GraphQLClient, CountingStore], reference_store: Store
) -> None:
    client, proxy = counted
    want = reference_store.find_units(UnitQuery(kind="tax_bureau"), 40, 60)
    cursor = client.data(AROUND, {"first": 40})["units"]["pageInfo"]["endCursor"]
    proxy.calls.clear()
    got = client.data(AROUND, {"first": 60, "after": cursor})["units"]
    assert dict(proxy.calls) == {"find_units_where": 1}
    assert got["totalCount"] == want.total
    nodes = [e["node"] for e in got["edges"]]
    assert [n["id"] for n in nodes] == [u.id for u in want.items]
    parents = reference_store.get_units(u.parent_id for u in want.items if u.parent_id)
    children = reference_store.children(u.id for u in want.items)
    for node, unit in zip(nodes, want.items, strict=True):
        parent = parents.get(unit.parent_id or "")
        assert node["parent"] == ({"id": parent.id, "name": parent.name} if parent else None)
        assert (node["region"] or {}).get("code") == unit.region_code
        assert [c["id"] for c in node["children"]["nodes"]] == [c.id for c in children[unit.id]]
        assert node["children"]["totalCount"] == len(children[unit.id])
    assert any(n["parent"] for n in nodes) and any(n["children"]["nodes"] for n in nodes)


def test_without_nested_fields_nothing_more_is_fetched(counted: tuple[GraphQLClient, CountingStore]) -> None:
    client, proxy = counted
    got = client.data("{ units(level: COUNTY, first: 5) { totalCount nodes { id name } } }")["units"]
    assert len(got["nodes"]) == 5
    assert dict(proxy.calls) == {"find_units_where": 1}
    # a unit field the page does not bring along is still answered, by its loader (one batch)
    proxy.calls.clear()
    got = client.data("{ units(level: COUNTY, first: 5) { nodes { id counterparts { id } } } }")["units"]
    assert any(n["counterparts"] for n in got["nodes"])
    assert proxy.calls["find_units_where"] == 1
