"""Limits of a shared service (issue 17), at the HTTP surface: the cost budget and its arithmetic,
the cost rate, the deadline, every refusal as GraphQL-shaped JSON with its status, introspection
off, and answers cached per worker that a write through another worker makes fresh."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from graphql import parse
from graphql_client import API_KEY, settings
from liveserver import serve_process

from graph.api import create_app
from graph.api.graphql.schema import build_schema
from graph.api.limits.cost import Costing, cost_table_markdown, operation_cost
from graph.api.limits.rate import CostRate
from graph.config import Settings
from graph.model import Dataset, Region, Unit
from graph.store import Store, deadline, open_store

REPO = Path(__file__).resolve().parents[2]
#: the issue's query: 500-item connections nested three deep, within the depth limit
NESTED_500 = (
    "{ units(first:500){edges{node{links(first:500){edges{node{source{children{nodes{"
    "links(first:500){nodes{id}}}}}}}}}}}}"
)


def cost_of(query: str, variables: dict[str, Any] | None = None, **overrides: Any) -> int:
    s = Settings(**overrides)
    schema = build_schema(s)._schema  # type: ignore[attr-defined]
    doc = parse(query)
    op = next(d for d in doc.definitions if d.kind == "operation_definition")
    fragments = {d.name.value: d for d in doc.definitions if d.kind == "fragment_definition"}  # type: ignore[attr-defined]
    return operation_cost(schema, op, fragments, variables, Costing(s.max_page_size, s.default_page_size))  # type: ignore[arg-type]


def body_of(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return response.json()  # type: ignore[no-any-return]


def code_of(response: httpx.Response) -> str:
    [error] = body_of(response)["errors"]
    assert error["message"]
    return error["extensions"]["code"]  # type: ignore[no-any-return]


# -- the arithmetic ------------------------------------------------------------------------------


def test_cost_of_nested_connections_multiplies_page_sizes() -> None:
    # scalars are free, an object costs 1, a connection multiplies what its edges/nodes select
    assert cost_of("{ years }") == 0
    assert cost_of('{ unit(id: "x") { id name } }') == 1
    assert cost_of('{ unit(id: "x") { parent { id } region { code } } }') == 3
    assert cost_of("{ units(first: 50) { totalCount } }") == 1  # not multiplied
    assert cost_of("{ units(first: 50) { nodes { id } } }") == 1 + 1 + 50 * 1
    page = "{ units(first: 50) { edges { node { id parent { id } region { name } } } } }"
    assert cost_of(page) == 1 + 1 + 50 * (1 + 1 + 1)
    # nested: 10 units x (1 + 20 links x (1 + source 1))
    nested = "{ units(first: 10) { nodes { links(first: 20) { nodes { id source { name } } } } } }"
    assert cost_of(nested) == 1 + 1 + 10 * (1 + 1 + 1 + 20 * (1 + 1))
    # first from variables; absent: the page size cap (TIAOKUAI_MAX_PAGE_SIZE)
    var = "query($n: Int) { units(first: $n) { nodes { id } } }"
    assert cost_of(var, {"n": 7}) == 2 + 7
    assert cost_of("{ units { nodes { id } } }") == 2 + 500
    assert cost_of("{ units { nodes { id } } }", max_page_size=40, default_page_size=10) == 2 + 40
    # fragments count where they are spread
    frag = "query { units(first: 4) { nodes { ...U } } } fragment U on Unit { parent { id } }"
    assert cost_of(frag) == 2 + 4 * (1 + 1)
    # the query: 500 x 500 x 500
    assert cost_of(NESTED_500) == 1 + 1 + 500 * (
        1 + 1 + 1 + 500 * (1 + 1 + 1 + 1 + 500 * (1 + 1 + 1 + 500 * 1))
    )


def test_heavy_fields_and_lists_and_the_documented_costs() -> None:
    assert cost_of("{ coverage(year: 2020) { expected met } }") == 50
    # coverage's bureaus (100 expected) with their requirements (10 each), as the example
    # (the list: 1, each of its 100 items 1 and its requirements: 1 + 10 items)
    assert cost_of("{ coverage(year: 2020) { units { requirements { rule met } } } }") == 50 + 1 + 100 * (
        1 + 1 + 10
    )
    assert cost_of('{ gaps(year: 2020, regionCode: "230700") { unitId } }') == 50 + 100
    assert cost_of("{ stats(year: 2020) { units } }") == 10
    assert cost_of('{ shortestPath(fromId: "a", toId: "b", maxHops: 3) { id } }') == 50 + 4
    assert cost_of("{ coverageTrend(years: [2019, 2020]) { met } }") == 100 + 2
    default = Settings().max_cost
    assert cost_of("{ coverage(year: 2020) { units { requirements { rule met } } } }") <= default
    assert cost_of(NESTED_500) > default
    # the table in docs/graphql.md is the one the code uses
    assert cost_table_markdown() in (REPO / "docs" / "graphql.md").read_text(encoding="utf-8")


def test_heavier_fields_say_their_cost_in_the_schema() -> None:
    sdl = build_schema(Settings()).as_str()
    assert "Cost: 50." in sdl and "Cost: 10." in sdl and "times `first`" in sdl


def test_rate_buckets_refill_and_say_when() -> None:
    now = [0.0]
    rate = CostRate(600, clock=lambda: now[0])  # 10 points a second
    assert rate.charge("a", 500) is None
    refused = rate.charge("a", 200)
    assert refused is not None and refused.retry_after == 10 and refused.available == 100
    assert rate.charge("b", 600) is None  # another client has its own bucket
    now[0] += 10
    assert rate.charge("a", 200) is None
    assert CostRate(0).charge("a", 10**9) is None  # 0: no limit


# -- at the HTTP surface ---------------------------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "g.tkg")
    store.write(
        Dataset(
            regions=[Region("230000", "黑龙江省", "province")],
            units=[Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000")],
        )
    )
    yield store
    store.close()


def client_for(store: Store, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings(**overrides), store))


def test_every_answer_carries_its_cost(small: Store) -> None:
    with client_for(small) as c:
        r = c.post("/graphql", json={"query": '{ unit(id: "TB-230000") { parent { id } region { name } } }'})
        assert r.status_code == 200 and r.json()["extensions"] == {"cost": 3}
        r = c.post("/graphql", json={"query": "{ units(first: 3) { nodes { id } } }"})
        assert r.json()["extensions"] == {"cost": 5}
        r = c.post("/graphql", json={"query": "{ nosuchfield }"})  # refused by validation: no work, no cost
        assert r.json()["errors"] and r.json()["extensions"] == {"cost": 0}


def test_nested_connections_cost_at_the_http_surface(small: Store) -> None:
    """The budget's arithmetic as a client sees it: ``extensions.cost`` of nested connections is
    the product of the page sizes around each field, whether the query runs or is refused."""
    nested = "{ units(first: 10) { nodes { links(first: 20) { nodes { id source { name } } } } } }"
    expected = 1 + 1 + 10 * (1 + 1 + 1 + 20 * (1 + 1))  # 433
    deeper = (
        "query($n: Int!) { units(first: $n) { edges { node { children(first: 5) { nodes { "
        "links(first: 4) { nodes { target { name } } } } } } } } }"
    )
    deeper_cost = 1 + 1 + 3 * (1 + 1 + 1 + 5 * (1 + 1 + 1 + 4 * (1 + 1)))  # 3 x 5 x 4 nested
    with client_for(small) as c:
        r = c.post("/graphql", json={"query": nested})
        assert r.status_code == 200 and r.json()["extensions"] == {"cost": expected}
        r = c.post("/graphql", json={"query": deeper, "variables": {"n": 3}})
        assert r.status_code == 200 and r.json()["extensions"] == {"cost": deeper_cost}
    with client_for(small, max_cost=expected - 1) as c:  # one point short: refused, with the sum
        r = c.post("/graphql", json={"query": nested})
        assert (r.status_code, code_of(r)) == (400, "QUERY_TOO_COSTLY")
        ext = r.json()["errors"][0]["extensions"]
        assert (ext["cost"], ext["maxCost"]) == (expected, expected - 1)
        r = c.post("/graphql", json={"query": NESTED_500})
        assert code_of(r) == "QUERY_TOO_COSTLY"
        assert r.json()["errors"][0]["extensions"]["cost"] == cost_of(NESTED_500)


def test_too_costly_is_refused_before_any_store_work(small: Store) -> None:
    with client_for(small) as c:
        t = time.perf_counter()
        r = c.post("/graphql", json={"query": NESTED_500})
        took = time.perf_counter() - t
        assert r.status_code == 400 and code_of(r) == "QUERY_TOO_COSTLY"
        ext = r.json()["errors"][0]["extensions"]
        assert ext["maxCost"] == 10_000 and ext["cost"] > 10**8 and r.json()["data"] is None
        assert took < 1.0
    with client_for(small, max_cost=4) as c:
        r = c.post("/graphql", json={"query": "{ units(first: 3) { nodes { id } } }"})  # cost 5
        assert (r.status_code, code_of(r)) == (400, "QUERY_TOO_COSTLY")
        assert r.json()["errors"][0]["extensions"]["cost"] == 5


def test_rate_limited_is_429_with_retry_after(small: Store) -> None:
    query = {"query": "{ units(first: 3) { nodes { id } } }"}  # cost 5
    with client_for(small, cost_per_minute=12) as c:
        assert c.post("/graphql", json=query).status_code == 200
        assert c.post("/graphql", json=query).status_code == 200
        r = c.post("/graphql", json=query)
        assert (r.status_code, code_of(r)) == (429, "RATE_LIMITED")
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert r.json()["errors"][0]["extensions"]["retryAfter"] == int(r.headers["retry-after"])
        # a key is a client of its own
        keyed = c.post("/graphql", json=query, headers={"Authorization": f"Bearer {API_KEY}"})
        assert keyed.status_code == 200


def test_timeout_is_504(small: Store) -> None:
    with client_for(small, request_timeout=0.000_001) as c:
        r = c.post("/graphql", json={"query": "{ years }"})
        assert (r.status_code, code_of(r)) == (504, "TIMEOUT")
        assert "TIAOKUAI_REQUEST_TIMEOUT" in r.json()["errors"][0]["message"]


def test_every_refusal_is_graphql_json(small: Store) -> None:
    with client_for(small, max_body_bytes=2048, require_key_for_reads=True) as c:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        r = c.post("/graphql", json={"query": "{ years }", "variables": {"pad": "x" * 5000}}, headers=auth)
        assert (r.status_code, code_of(r)) == (413, "BODY_TOO_LARGE")
        r = c.post("/graphql", content=b"{ years }", headers={"Content-Type": "text/plain", **auth})
        assert (r.status_code, code_of(r)) == (415, "BAD_CONTENT_TYPE")
        r = c.post(
            "/graphql", content=b'{"query": "{ ye', headers={"Content-Type": "application/json", **auth}
        )
        assert (r.status_code, code_of(r)) == (400, "BAD_JSON")
        r = c.post("/graphql", content=b"\xff\xfe{", headers={"Content-Type": "application/json", **auth})
        assert (r.status_code, code_of(r)) == (400, "BAD_JSON")
        r = c.post("/graphql", json={"query": "{ years }"})
        assert (r.status_code, code_of(r)) == (401, "UNAUTHENTICATED")
        assert r.headers["www-authenticate"] == "Bearer"
        r = c.post(
            "/graphql", json={"query": "{ years }"}, headers={"Authorization": "Bearer wrong-key-0123456789"}
        )
        assert (r.status_code, code_of(r)) == (401, "UNAUTHENTICATED")
        r = c.get(
            "/graphql", params={"query": "mutation { upsertUnits(units: []) { written } }"}, headers=auth
        )
        assert r.status_code in (400, 405) and code_of(r) in ("BAD_REQUEST", "METHOD_NOT_ALLOWED")
        r = c.post("/graphql", json={"variables": {}}, headers=auth)
        assert (r.status_code, code_of(r)) == (400, "BAD_REQUEST")
        assert c.get("/healthz").json() == {"status": "ok"}  # other paths keep their own answers


def test_introspection_can_be_turned_off(small: Store) -> None:
    query = {"query": "{ __schema { queryType { name } } }"}
    with client_for(small) as c:
        assert c.post("/graphql", json=query).json()["data"]["__schema"]["queryType"]["name"] == "Query"
    with client_for(small, introspection=False) as c:
        body = c.post("/graphql", json=query).json()
        assert body["errors"] and "introspection" in body["errors"][0]["message"].lower()
        assert c.post("/graphql", json={"query": "{ __typename years }"}).json()["data"]["years"] == []


def test_answers_are_cached_by_generation(small: Store) -> None:
    app = create_app(settings(), small)
    with TestClient(app) as c:
        q = {"query": "{ stats(year: 2020) { units links } }"}
        assert c.post("/graphql", json=q).json()["data"]["stats"] == {"units": 1, "links": 0}
        cache = app.state.limits.cache
        hits = cache.hits
        assert c.post("/graphql", json=q).json()["data"]["stats"] == {"units": 1, "links": 0}
        assert cache.hits > hits
        with open_store(small.location) as other:  # a write elsewhere (another process, the CLI)
            other.write(
                Dataset(
                    units=[
                        Unit(
                            "LPC-230000",
                            "中共黑龙江省委员会",
                            "local_party_committee",
                            "provincial",
                            "230000",
                        )
                    ]
                )
            )
        assert c.post("/graphql", json=q).json()["data"]["stats"] == {"units": 2, "links": 0}


# -- the deadline on Neo4j -------------------------------------------------------------------------

SLOW_CYPHER = "UNWIND range(1, 2000000000) AS x WITH x WHERE x < 0 RETURN count(*) AS n"


def _neo4j_debug_log() -> Path:
    home = os.environ.get("TIAOKUAI_NEO4J_HOME") or str(REPO / ".neo4j")
    return Path(home) / "logs" / "debug.log"


@pytest.mark.neo4j
def test_deadline_cancels_a_slow_neo4j_query_on_the_server(neo4j_uri: str) -> None:
    from graph.errors import DeadlineExceeded

    log = _neo4j_debug_log()
    before = log.stat().st_size if log.exists() else 0
    store = open_store(neo4j_uri)
    try:
        t = time.monotonic()
        with pytest.raises(DeadlineExceeded, match="ran out of time"), deadline.deadline(0.5):
            store._read(SLOW_CYPHER, "counting to two billion")  # type: ignore[attr-defined]
        assert time.monotonic() - t < 8  # the server stopped it (counting would take minutes)
        # the server's own log shows the transaction ended by its timeout: required for a server on
        # this machine (scripts/neo4j's, or the one TIAOKUAI_NEO4J_HOME names)
        if urlsplit(neo4j_uri).hostname in ("127.0.0.1", "localhost", "::1") or log.exists():
            assert log.exists(), f"no Neo4j debug log at {log}: set TIAOKUAI_NEO4J_HOME to the server's home"
            for _ in range(200):
                new = log.read_bytes()[before:].decode("utf-8", "replace")
                if "TransactionMonitor" in new and "timeout" in new:
                    break
                time.sleep(0.1)
            assert "TransactionMonitor" in new and "timeout" in new, new[-2000:]
        # and nothing is left running on the server
        running = store._driver.execute_query(  # type: ignore[attr-defined]
            "SHOW TRANSACTIONS YIELD currentQuery WHERE currentQuery STARTS WITH 'UNWIND range' RETURN count(*) AS n"
        ).records[0]["n"]
        assert running == 0
    finally:
        store.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("sample_store", ["neo4j"], indirect=True)  # embedded: test_timeout_is_504
def test_timeout_at_the_http_surface_on_neo4j(sample_store: Store) -> None:
    assert type(sample_store).__name__ == "Neo4jStore"
    with client_for(sample_store, request_timeout=0.02, cache_mb=0) as c:
        r = c.post("/graphql", json={"query": "{ coverageTrend { met } gaps(year: 2020) { unitId } }"})
        assert (r.status_code, code_of(r)) == (504, "TIMEOUT")


# -- workers -----------------------------------------------------------------------------------------


class TwoWorkers:
    """A ``tiaokuai serve --workers 2`` over a store file; :meth:`stop` ends it and returns its log."""

    def __init__(self, proc: subprocess.Popen[str], base: str, store: Store) -> None:
        self.proc, self.base, self.store = proc, base, store
        self._log: str | None = None

    def stop(self) -> str:
        if self._log is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                _, err = self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                _, err = self.proc.communicate()
            self._log = err
        return self._log

    def graphql_pids(self) -> list[int]:
        """The worker pid of each POST /graphql answered, in order (the access log's ``pid``),
        without each worker's warm-up at startup (graph.api.warmup: client port 0)."""
        lines = [json.loads(line) for line in self.stop().splitlines() if line.startswith("{")]
        return [
            r["pid"]
            for r in lines
            if r.get("event") == "request"
            and r.get("path") == "/graphql"
            and r.get("client") != "127.0.0.1:0"
        ]


@pytest.fixture
def serve_two_workers(tmp_path: Path) -> Iterator[TwoWorkers]:
    path = tmp_path / "shared.tkg"
    store = open_store(path)
    store.write(
        Dataset(
            regions=[
                Region("230000", "黑龙江省", "province"),
                Region("230100", "哈尔滨市", "prefecture", "230000"),
            ],
            units=[
                Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000"),
                Unit(
                    "TB-230100",
                    "国家税务总局哈尔滨市税务局",
                    "tax_bureau",
                    "prefecture",
                    "230100",
                    "TB-230000",
                ),
                Unit("LPC-230100", "中共哈尔滨市委员会", "local_party_committee", "prefecture", "230100"),
            ],
        )
    )
    proc, base = serve_process(
        path,
        "--workers",
        "2",
        env={"TIAOKUAI_API_KEYS": API_KEY, "TIAOKUAI_COST_PER_MINUTE": "0", "TIAOKUAI_LOG_FORMAT": "json"},
        ready="/readyz",
    )
    server = TwoWorkers(proc, base, store)
    try:
        yield server
    finally:
        err = server.stop()
        store.close()
    workers = {
        line.split("[")[-1].split("]")[0] for line in err.splitlines() if "Started server process" in line
    }
    assert len(workers) == 2, err[-3000:]


def test_a_write_through_one_worker_is_seen_by_every_worker(serve_two_workers: TwoWorkers) -> None:
    server = serve_two_workers
    base, store = server.base, server.store
    stats = {"query": "{ stats(year: 2020) { links byFamily { family count } } }"}

    def ask(n: int) -> list[int]:
        # a fresh connection each time: the kernel spreads them over both workers' sockets
        return [httpx.post(f"{base}/graphql", json=stats).json()["data"]["stats"]["links"] for _ in range(n)]

    assert set(ask(30)) == {0}  # both workers have it cached now
    record = {
        "query": "mutation($links: [LinkInput!]!) { recordLinks(links: $links) { created } }",
        "variables": {
            "links": [
                {"date": "2020-03-01", "kind": "visit", "sourceId": "TB-230100", "targetId": "LPC-230100"}
            ]
        },
    }
    r = httpx.post(f"{base}/graphql", json=record, headers={"Authorization": f"Bearer {API_KEY}"})
    assert r.json()["data"]["recordLinks"]["created"] == 1, r.text
    assert set(ask(30)) == {1}, "a worker answered from a stale cache"
    assert store.generation() > 0
    assert json.loads(json.dumps(httpx.get(f"{base}/healthz").json())) == {"status": "ok"}
    # 16 clients that connect at once and keep their connections: spread over both workers too
    # (each worker listens on a socket of its own: graph.api.workers)
    clients = [httpx.Client(base_url=base) for _ in range(16)]
    try:
        for c in clients:
            assert c.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
        for c in clients:
            assert c.post("/graphql", json={"query": "{ __typename }"}).status_code == 200
    finally:
        for c in clients:
            c.close()
    # both workers answered before the write (so both had the old answer cached) and after it
    pids = server.graphql_pids()
    assert len(pids) == 61 + 32, pids
    assert len(set(pids[61:])) == 2, pids[61:]
    before, writer, after = pids[:30], pids[30], pids[31:61]
    assert len(set(before)) == 2 and len(set(after)) == 2, (before, after)
    assert any(p != writer for p in after)  # a worker that did not write saw the write
