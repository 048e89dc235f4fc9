"""Mutations over HTTP on both stores: keys, all-or-nothing validation, idempotent link ids."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from graphql_client import API_KEY, GraphQLClient

from graph.model import Dataset, Region
from graph.store import LinkQuery, Store, UnitQuery

UPSERT = """mutation($units: [UnitInput!]!) {
  upsertUnits(units: $units) { written units { id name kind level parent { id } } } }"""
RECORD = """mutation($links: [LinkInput!]!) {
  recordLinks(links: $links) { written created links { id kind family date count participants
                                                      source { id } target { id } provenance { file row } } } }"""

REGIONS = [
    Region("230000", "黑龙江省", "province"),
    Region("230100", "哈尔滨市", "prefecture", "230000"),
]
UNITS = [
    {"id": "TB-230000", "name": "国家税务总局黑龙江省税务局", "kind": "tax_bureau", "level": "provincial",
     "regionCode": "230000"},
    {"id": "TB-230100", "name": "国家税务总局哈尔滨市税务局", "kind": "税务局", "level": "市",
     "regionCode": "230100", "parentId": "TB-230000", "nameEn": "Harbin Municipal Tax Service"},
    {"id": "LPC-230100", "name": "中共哈尔滨市委员会", "kind": "市委", "level": "prefecture",
     "regionCode": "230100"},
]  # fmt: skip
LINKS = [
    {"date": "2020-03-01", "kind": "走访", "sourceId": "TB-230100", "targetId": "LPC-230100", "count": 2},
    {"date": "2020-04-01", "kind": "thematic_report", "sourceId": "TB-230100", "targetId": "LPC-230100",
     "title": "一季度党建工作报告"},
]  # fmt: skip


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.write(Dataset(regions=REGIONS))
    return empty_store


@pytest.fixture
def api(store: Store, serve: Callable[..., GraphQLClient]) -> GraphQLClient:
    return serve(store)


def nothing_written(store: Store) -> bool:
    return store.count_units() == 0 and store.find_links(LinkQuery()).total == 0


def test_upsert_and_record_with_a_key(api: GraphQLClient, store: Store) -> None:
    result = api.data(UPSERT, {"units": UNITS}, key=API_KEY)["upsertUnits"]
    assert result["written"] == 3
    assert {u["id"]: (u["kind"], u["level"]) for u in result["units"]}["TB-230100"] == (
        "TAX_BUREAU",
        "PREFECTURE",
    )
    assert store.find_units(UnitQuery()).total == 3

    first = api.data(RECORD, {"links": LINKS}, key=API_KEY)["recordLinks"]
    assert (first["written"], first["created"]) == (2, 2)
    visit = first["links"][0]
    assert (visit["kind"], visit["family"], visit["count"]) == ("VISIT", "LIAISON", 2)
    assert visit["provenance"] == {"file": "recordLinks", "row": 2}
    again = api.data(RECORD, {"links": LINKS}, key=API_KEY)["recordLinks"]
    assert again["created"] == 0  # deterministic ids: recording the same rows twice changes nothing
    assert [lk["id"] for lk in again["links"]] == [lk["id"] for lk in first["links"]]
    assert store.find_links(LinkQuery()).total == 2

    seen = api.data('{ unit(id: "TB-230100") { parent { id } links { totalCount } counterparts { id } } }')
    assert seen["unit"] == {"parent": {"id": "TB-230000"}, "links": {"totalCount": 2},
                            "counterparts": [{"id": "LPC-230100"}]}  # fmt: skip


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (None, "this mutation needs an API key: send the header Authorization: Bearer KEY"),
        ("wrong-key-0123456789abcdef", "invalid API key"),
        (API_KEY + "x", "invalid API key"),
    ],
)
def test_refused_without_a_valid_key(api: GraphQLClient, store: Store, key: str | None, says: str) -> None:
    body = api.run(UPSERT, {"units": UNITS}, key=key)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]["code"]) for e in body["errors"]] == [(says, "UNAUTHENTICATED")]
    body = api.run(RECORD, {"links": LINKS}, key=key)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert nothing_written(store)


def test_other_auth_schemes_are_not_keys(api: GraphQLClient, store: Store) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": UPSERT, "variables": {"units": UNITS}},
        headers={"Authorization": f"Basic {API_KEY}"},
    )
    assert response.json()["errors"][0]["message"] == "invalid API key"
    assert nothing_written(store)


def test_mutations_disabled_without_configured_keys(
    store: Store, serve: Callable[..., GraphQLClient]
) -> None:
    api = serve(store, api_keys=[])
    body = api.run(UPSERT, {"units": UNITS}, key=API_KEY)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "TIAOKUAI_API_KEYS" in body["errors"][0]["message"]
    assert nothing_written(store)


def test_invalid_rows_write_nothing_and_say_where(api: GraphQLClient, store: Store) -> None:
    bad = [
        UNITS[0],
        {**UNITS[1], "kind": "spaceship"},
        {**UNITS[2], "parentId": "NO-SUCH-UNIT"},
        {"id": "X", "name": "x", "kind": "tax_bureau", "level": "galactic", "regionCode": "2301"},
    ]
    body = api.run(UPSERT, {"units": bad}, key=API_KEY)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    problems = error["extensions"]["problems"]
    assert {(p["file"], p["row"], p["column"]) for p in problems} >= {
        ("upsertUnits", 3, "kind"),
        ("upsertUnits", 4, "parent_id"),
        ("upsertUnits", 5, "level"),
    }
    lines = error["message"].splitlines()
    assert lines[0] == f"{len(problems)} problems found; nothing was written:"
    assert all(line.startswith("upsertUnits:") for line in lines[1:])
    assert f"upsertUnits:3: kind: {problems_by_row(problems)[3]}" in lines
    assert "Traceback" not in error["message"]
    assert nothing_written(store)  # the valid first row was not written either


def problems_by_row(problems: list[dict]) -> dict[int, str]:
    return {p["row"]: p["message"] for p in problems}


def test_invalid_links_write_nothing(api: GraphQLClient, store: Store) -> None:
    api.data(UPSERT, {"units": UNITS}, key=API_KEY)
    bad = [LINKS[0], {**LINKS[1], "date": "2020-13-45"}, {**LINKS[1], "count": 0, "targetId": "NOPE"}]
    body = api.run(RECORD, {"links": bad}, key=API_KEY)
    problems = body["errors"][0]["extensions"]["problems"]
    assert {(p["row"], p["column"]) for p in problems} >= {(3, "date"), (4, "count"), (4, "target_id")}
    assert store.find_links(LinkQuery()).total == 0


def test_empty_list_and_get_are_refused(api: GraphQLClient, store: Store) -> None:
    [msg] = api.errors(UPSERT, {"units": []}, key=API_KEY)
    assert msg == "nothing to write: the list is empty"
    response = api.http.get(
        "/graphql",
        params={"query": "mutation { upsertUnits(units: []) { written } }"},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert response.status_code == 400
    assert "not allowed when using GET" in response.text
    assert nothing_written(store)


def test_upsert_regions_then_units_in_them(api: GraphQLClient, store: Store) -> None:
    query = """mutation($regions: [RegionInput!]!) {
      upsertRegions(regions: $regions) { written regions { code name level parent { code } } } }"""
    regions = [{"code": "230102", "name": "道里区", "level": "区", "parentCode": "230100"}]
    assert api.run(query, {"regions": regions})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    bad = api.run(query, {"regions": [{**regions[0], "code": "2301", "parentCode": "999999"}]}, key=API_KEY)
    assert {p["column"] for p in bad["errors"][0]["extensions"]["problems"]} >= {"code", "parent_code"}
    done = api.data(query, {"regions": regions}, key=API_KEY)["upsertRegions"]
    assert done == {"written": 1, "regions": [{"code": "230102", "name": "道里区", "level": "COUNTY",
                                                 "parent": {"code": "230100"}}]}  # fmt: skip
    assert set(store.get_regions(["230102"])) == {"230102"}
