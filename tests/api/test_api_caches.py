"""The parser and validation caches: the same query text with new variables gets its own answer.

Both caches key on the query text or the parsed document, never on the variables. These tests send
one text many times with different variables, interleaved with other texts, and check every answer
against the library, so a cache that answered from an earlier request, or skipped resolvers, fails.
"""

from __future__ import annotations

from graphql_client import GraphQLClient

from graph.store import Store, UnitQuery

LOOKUP = "query One($id: ID!) { unit(id: $id) { id name parent { id } region { code } } }"
SEARCH = "query Find($q: String!) { units(nameContains: $q, first: 5) { totalCount nodes { id } } }"


def test_repeated_text_with_new_variables(client: GraphQLClient, reference_store: Store) -> None:
    units = reference_store.find_units(UnitQuery(), limit=60).items
    assert len(units) == 60
    for _ in range(2):  # the second round is all cache hits
        for unit in units:
            got = client.data(LOOKUP, {"id": unit.id})["unit"]
            assert got["id"] == unit.id and got["name"] == unit.name
            assert (got["parent"] or {}).get("id") == unit.parent_id
            assert (got["region"] or {}).get("code") == unit.region_code
            assert client.data(LOOKUP, {"id": unit.id + "-none"})["unit"] is None
            needle = unit.name[-3:]
            want = reference_store.find_units(UnitQuery(name_contains=needle), limit=5)
            found = client.data(SEARCH, {"q": needle})["units"]
            assert found["totalCount"] == want.total
            assert [n["id"] for n in found["nodes"]] == [u.id for u in want.items]


def test_limits_still_refuse_a_cached_document(client: GraphQLClient) -> None:
    """A document refused once is refused again from the cache, and an allowed one still runs."""
    deep = '{ unit(id: "TB-230000") { ' + "parent { " * 20 + "id" + " }" * 20 + " } }"
    for _ in range(3):
        errors = client.errors(deep)
        assert any("exceeds maximum operation depth" in e for e in errors), errors
    assert client.data(LOOKUP, {"id": "TB-230000"})["unit"]["id"] == "TB-230000"
