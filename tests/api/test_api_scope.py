"""Scoped access over HTTP on both stores (issue 18): the keys file, roles, scoped writes, the
answer cache per scope, and the audit trail."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from graphql_client import API_KEY, GraphQLClient

from graph.api.keys import KeyRing, add_key, read_keys, revoke_key, write_keys
from graph.errors import ConfigError
from graph.model import Dataset, Link, Region, Unit
from graph.store import LinkQuery, Store

REGIONS = [
    Region("230000", "黑龙江省", "province"),
    Region("230100", "哈尔滨市", "prefecture", "230000"),
    Region("230102", "道里区", "county", "230100"),
    Region("230200", "齐齐哈尔市", "prefecture", "230000"),
]
UNITS = [
    Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000"),
    Unit("TB-230100", "国家税务总局哈尔滨市税务局", "tax_bureau", "prefecture", "230100", "TB-230000"),
    Unit("LPC-230100", "中共哈尔滨市委员会", "local_party_committee", "prefecture", "230100"),
    Unit("TB-230102", "国家税务总局哈尔滨市道里区税务局", "tax_bureau", "county", "230102", "TB-230100"),
    Unit("LPC-230102", "中共哈尔滨市道里区委员会", "local_party_committee", "county", "230102", "LPC-230100"),
    Unit("TB-230200", "国家税务总局齐齐哈尔市税务局", "tax_bureau", "prefecture", "230200", "TB-230000"),
    Unit("LPC-230200", "中共齐齐哈尔市委员会", "local_party_committee", "prefecture", "230200"),
]
LINKS = [
    Link("L-1", "visit", "liaison", dt.date(2020, 3, 1), "TB-230100", "LPC-230100"),
    Link("L-2", "visit", "liaison", dt.date(2020, 3, 2), "TB-230200", "LPC-230200"),
    Link("L-3", "visit", "liaison", dt.date(2020, 3, 3), "TB-230000", "LPC-230100"),
]
RECORD = """mutation($links: [LinkInput!]!) { recordLinks(links: $links) { written created } }"""
UPSERT = """mutation($units: [UnitInput!]!) { upsertUnits(units: $units) { written } }"""
COVERAGE = "{ coverage(year: 2020) { expected met units { unitId } } }"
UNITS_Q = "{ units(first: 50) { totalCount nodes { id regionCode } } }"


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.write(Dataset(regions=REGIONS, units=UNITS, links=LINKS))
    return empty_store


@pytest.fixture
def keys_file(tmp_path: Path) -> Path:
    return tmp_path / "keys.toml"


@pytest.fixture
def keys(keys_file: Path) -> dict[str, str]:
    return {
        "harbin": add_key(keys_file, "harbin", "write", ["230100"]),
        "daoli": add_key(keys_file, "daoli", "write", ["230102"]),
        "qiqihar-read": add_key(keys_file, "qiqihar-read", "read", ["230200"]),
        "province": add_key(keys_file, "province", "admin", []),
    }


@pytest.fixture
def api(store: Store, keys_file: Path, keys: dict[str, str], serve: Callable[..., GraphQLClient],
        tmp_path: Path) -> GraphQLClient:  # fmt: skip
    return serve(store, api_keys=[], keys_file=keys_file, audit_log=tmp_path / "audit.jsonl")


def link_rows(n: int, source: str = "TB-230102", target: str = "LPC-230102") -> list[dict[str, Any]]:
    return [
        {"id": f"S-{i:05d}", "date": f"2020-{1 + i % 12:02d}-{1 + i % 28:02d}", "kind": "visit",
         "sourceId": source, "targetId": target}
        for i in range(n)
    ]  # fmt: skip


def test_reads_need_a_key_when_a_keys_file_is_configured(api: GraphQLClient, keys: dict[str, str]) -> None:
    assert api.post("{ years }").status_code == 401
    assert api.post("{ years }", key="tk_not-a-key-of-ours-at-all").status_code == 401
    assert api.data("{ years }", key=keys["harbin"]) == {"years": [2020]}


def test_public_read_opens_reads_explicitly(
    store: Store, keys_file: Path, keys: dict[str, str], serve: Callable[..., GraphQLClient]
) -> None:
    api = serve(store, api_keys=[], keys_file=keys_file, public_read=True)
    assert api.data(UNITS_Q)["units"]["totalCount"] == len(UNITS)
    # writes still need a key
    assert api.run(RECORD, {"links": link_rows(1)})["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_scope_is_that_region_and_everything_within_it(api: GraphQLClient, keys: dict[str, str]) -> None:
    harbin = api.data(UNITS_Q, key=keys["harbin"])["units"]
    assert {n["id"] for n in harbin["nodes"]} == {"TB-230100", "LPC-230100", "TB-230102", "LPC-230102"}
    assert harbin["totalCount"] == 4
    daoli = api.data(UNITS_Q, key=keys["daoli"])["units"]
    assert {n["id"] for n in daoli["nodes"]} == {"TB-230102", "LPC-230102"}
    assert api.data(UNITS_Q, key=keys["province"])["units"]["totalCount"] == len(UNITS)


def test_an_id_outside_the_scope_is_not_found_like_a_missing_one(
    api: GraphQLClient, keys: dict[str, str]
) -> None:
    q = "query($id: ID!) { unit(id: $id) { id } }"
    assert api.data(q, {"id": "LPC-230200"}, key=keys["daoli"]) == {"unit": None}
    assert api.data(q, {"id": "NO-SUCH"}, key=keys["daoli"]) == {"unit": None}
    path = "query($a: ID!, $b: ID!) { shortestPath(fromId: $a, toId: $b) { id } }"
    outside = api.errors(path, {"a": "TB-230102", "b": "LPC-230200"}, key=keys["daoli"])
    missing = api.errors(path, {"a": "TB-230102", "b": "NO-SUCH-UNIT"}, key=keys["daoli"])
    assert outside[0].replace("LPC-230200", "X") == missing[0].replace("NO-SUCH-UNIT", "X")


def test_a_unit_reached_by_a_visible_link_shows_id_name_and_kind_only(
    api: GraphQLClient, keys: dict[str, str]
) -> None:
    q = """{ links(first: 10) { totalCount nodes { id source { id name kind regionCode parentId nameEn } } } }"""
    links = api.data(q, key=keys["harbin"])["links"]
    assert {n["id"] for n in links["nodes"]} == {"L-1", "L-3"} and links["totalCount"] == 2
    stub = next(n["source"] for n in links["nodes"] if n["id"] == "L-3")
    assert stub == {"id": "TB-230000", "name": UNITS[0].name, "kind": "TAX_BUREAU", "regionCode": None,
                    "parentId": None, "nameEn": None}  # fmt: skip


def test_the_answer_cache_never_hands_one_scope_the_answer_of_another(
    api: GraphQLClient, keys: dict[str, str]
) -> None:
    harbin = api.data(COVERAGE, key=keys["harbin"])["coverage"]
    qiqihar = api.data(COVERAGE, key=keys["qiqihar-read"])["coverage"]
    whole = api.data(COVERAGE, key=keys["province"])["coverage"]
    assert {u["unitId"] for u in harbin["units"]} <= {"TB-230100", "TB-230102"}
    assert {u["unitId"] for u in qiqihar["units"]} == {"TB-230200"}
    assert harbin != qiqihar and whole["expected"] >= harbin["expected"] + qiqihar["expected"]
    # asked again in a row: each its own, from the cache
    assert api.data(COVERAGE, key=keys["qiqihar-read"])["coverage"] == qiqihar
    assert api.data(COVERAGE, key=keys["harbin"])["coverage"] == harbin


def test_writes_in_scope_are_accepted(api: GraphQLClient, store: Store, keys: dict[str, str]) -> None:
    done = api.data(RECORD, {"links": link_rows(3)}, key=keys["daoli"])["recordLinks"]
    assert done == {"written": 3, "created": 3}
    # one end in scope is enough: the county bureau reports to the prefecture's committee
    cross = link_rows(1, "TB-230102", "LPC-230100")
    cross[0]["id"] = "S-cross"
    assert api.data(RECORD, {"links": cross}, key=keys["daoli"])["recordLinks"]["written"] == 1
    assert len(store.get_links(["S-00000", "S-00001", "S-00002", "S-cross"])) == 4


def test_one_row_outside_the_scope_refuses_the_whole_batch(
    api: GraphQLClient, store: Store, keys: dict[str, str]
) -> None:
    before = (store.generation(), store.find_links(LinkQuery()).total)
    rows = link_rows(1_000)
    rows[500] = {**rows[500], "sourceId": "TB-230200", "targetId": "LPC-230200"}
    error = api.run(RECORD, {"links": rows}, key=keys["daoli"])["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "row 502" in error["message"] and "nothing was written" in error["message"]
    assert (store.generation(), store.find_links(LinkQuery()).total) == before
    unit = {"id": "TB-230201", "name": "x", "kind": "tax_bureau", "level": "county", "regionCode": "230200"}
    error = api.run(UPSERT, {"units": [unit]}, key=keys["harbin"])["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN" and "TB-230201" in error["message"]
    assert store.get_units(["TB-230201"]) == {}


def test_read_keys_cannot_write(api: GraphQLClient, store: Store, keys: dict[str, str]) -> None:
    rows = link_rows(1, "TB-230200", "LPC-230200")
    error = api.run(RECORD, {"links": rows}, key=keys["qiqihar-read"])["errors"][0]
    assert error["extensions"]["code"] == "FORBIDDEN" and "read only" in error["message"]
    assert store.find_links(LinkQuery()).total == len(LINKS)


def test_added_and_revoked_keys_take_effect_without_a_restart(
    api: GraphQLClient, keys_file: Path, keys: dict[str, str]
) -> None:
    new = add_key(keys_file, "late", "read", ["230102"])
    deadline = time.monotonic() + 5
    while api.post("{ years }", key=new).status_code != 200:
        assert time.monotonic() < deadline, "a key added to the file was not accepted within 5 s"
        time.sleep(0.2)
    revoke_key(keys_file, "harbin")
    deadline = time.monotonic() + 5
    while (response := api.post("{ years }", key=keys["harbin"])).status_code != 401:
        assert time.monotonic() < deadline, "a revoked key was still accepted after 5 s"
        time.sleep(0.2)
    assert "revoked" in response.text
    refused = api.post(RECORD, {"links": link_rows(1)}, key=keys["harbin"])
    assert (
        refused.status_code == 401 and refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )


def test_expired_and_malformed_keys_are_refused(
    store: Store,
    keys_file: Path,
    keys: dict[str, str],
    serve: Callable[..., GraphQLClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    entries = read_keys(keys_file)
    write_keys(
        keys_file, [replace(e, expires=dt.date(2020, 1, 1)) if e.name == "daoli" else e for e in entries]
    )
    api = serve(store, api_keys=[], keys_file=keys_file)
    with caplog.at_level(logging.INFO, logger="graph.api.audit"):
        response = api.post("{ years }", key=keys["daoli"])
    assert response.status_code == 401 and "expired" in response.text
    refused = [
        json.loads(r.getMessage()[len("audit ") :]) for r in caplog.records if r.name == "graph.api.audit"
    ]
    assert any(r["key_name"] == "daoli" and r["key"] == "expired" for r in refused)
    for bad in ("", "tk_", keys["harbin"][:-1], keys["harbin"] + "x", "Bearer", "x" * 5000, "tk_" + "A" * 43):
        assert api.post("{ years }", key=bad or None).status_code == 401
    assert api.post("{ years }", key=keys["harbin"]).status_code == 200


def test_a_malformed_keys_file_refuses_every_key(
    store: Store, keys_file: Path, keys: dict[str, str], serve: Callable[..., GraphQLClient]
) -> None:
    api = serve(store, api_keys=[], keys_file=keys_file)
    assert api.post("{ years }", key=keys["harbin"]).status_code == 200
    keys_file.write_text(keys_file.read_text() + "\n[[key]]\nname = 'broken\n", encoding="utf-8")
    deadline = time.monotonic() + 5
    while api.post("{ years }", key=keys["harbin"]).status_code != 401:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with pytest.raises(ConfigError, match="not a valid TOML file"):
        read_keys(keys_file)


def test_key_comparison_is_constant_time(
    keys_file: Path, keys: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stored hash is compared, each with hmac.compare_digest over equal lengths, whichever
    key (or none) matches: the time says nothing about which key it was."""
    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    ring = KeyRing(keys_file)
    for token in (keys["harbin"], keys["province"], "tk_wrong", "x"):
        calls.clear()
        ring.lookup(token)
        assert len(calls) == len(keys) and {a for a, _ in calls} == {b for _, b in calls} == {71}
    assert "tk_" not in keys_file.read_text() and all(k not in keys_file.read_text() for k in keys.values())


def test_the_audit_log_names_the_key_never_the_key_itself(
    api: GraphQLClient, keys: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="graph.api.audit")
    api.data(RECORD, {"links": link_rows(2)}, key=keys["daoli"])
    bad = link_rows(1, "TB-230200", "LPC-230200")
    api.run(RECORD, {"links": bad}, key=keys["daoli"])
    assert api.post("{ years }").status_code == 401
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    ok = next(r for r in records if r["outcome"] == "ok")
    assert ok["key_name"] == "daoli" and ok["role"] == "write" and ok["scope"] == ["230102"]
    assert ok["written"]["links"] == 2 and ok["request_id"] and ok["mutation"] == "recordLinks"
    refused = [r for r in records if r["outcome"] == "refused"]
    assert any(r["key_name"] == "daoli" and "key's scope" in (r["error"] or "") for r in refused)
    assert any(r["mutation"] is None and r["key"] == "none" for r in refused)  # the 401 read
    text = (tmp_path / "audit.jsonl").read_text()
    assert all(k not in text for k in keys.values())


def test_legacy_env_keys_still_write_unscoped_with_a_warning(
    store: Store, serve: Callable[..., GraphQLClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="graph.api")
    api = serve(store, api_keys=[API_KEY])
    assert any("TIAOKUAI_API_KEYS is deprecated" in r.getMessage() for r in caplog.records)
    rows = link_rows(1, "TB-230200", "LPC-230200")
    assert api.data(RECORD, {"links": rows}, key=API_KEY)["recordLinks"]["written"] == 1
    assert api.data(UNITS_Q)["units"]["totalCount"] == len(UNITS)  # no keys file: reads stay open


def test_the_pages_need_a_key_and_show_its_scope(api: GraphQLClient, keys: dict[str, str]) -> None:
    assert api.http.get("/unit/TB-230102").status_code == 401
    mine = api.http.get("/unit/TB-230102", headers={"Authorization": f"Bearer {keys['daoli']}"})
    assert mine.status_code == 200 and "TB-230102" in mine.text
    other = api.http.get("/unit/TB-230200", headers={"Authorization": f"Bearer {keys['daoli']}"})
    missing = api.http.get("/unit/NO-SUCH-UNIT", headers={"Authorization": f"Bearer {keys['daoli']}"})
    assert other.status_code == missing.status_code == 404
    report = api.http.get("/report/2020", headers={"Authorization": f"Bearer {keys['daoli']}"})
    assert report.status_code == 200 and "齐齐哈尔" not in report.text


def test_a_costly_query_run_in_the_pool_keeps_the_callers_scope(store: Store, keys: dict[str, str]) -> None:
    """Queries over TIAOKUAI_HEAVY_COST run in another process (graph.api.limits.offload): the
    caller's scope goes with them."""
    import asyncio

    from graph.api.auth import Caller
    from graph.api.limits.offload import Offloader
    from graph.config import Settings

    offloader = Offloader(Settings(heavy_cost=1), store.location)
    try:
        body = asyncio.run(
            offloader.execute(
                UNITS_Q,
                None,
                None,
                authorized=True,
                key_presented=True,
                seconds=60,
                caller=Caller("daoli", "read", ("230102",)),
            )  # fmt: skip
        )
    finally:
        offloader.close()
    assert {n["id"] for n in body["data"].loads()["units"]["nodes"]} == {"TB-230102", "LPC-230102"}


def test_graphiql_opens_without_a_key_and_answers_nothing_without_one(api: GraphQLClient) -> None:
    """The page holds no data and is where a person enters the key; a query still needs one."""
    page = api.http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<html" in page.text.lower()
    asked = api.http.get(
        "/graphql", params={"query": "{ units { totalCount } }"}, headers={"Accept": "text/html"}
    )
    assert asked.status_code == 401 and "totalCount" not in asked.text
