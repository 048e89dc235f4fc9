"""HTTP behaviour in process (fast): health, readiness, limits, CORS, masking, logs, outages."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from graphql_client import API_KEY, live_server, settings

from graph.api import create_app
from graph.api.logs import JsonFormatter, KeyValueFormatter
from graph.model import Dataset, Region, Unit
from graph.store import Store, open_store
from graph.store.embedded import EmbeddedStore


@pytest.fixture
def small_store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "small.tkg")
    store.write(
        Dataset(
            regions=[Region("230000", "黑龙江省", "province")],
            units=[Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000")],
        )
    )
    return store


def client_for(store: Store, **overrides: object) -> TestClient:
    return TestClient(create_app(settings(**overrides), store))


def gql(client: TestClient, query: str, **kwargs: object) -> dict:
    response = client.post("/graphql", json={"query": query}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_health_and_ready(small_store: Store) -> None:
    with client_for(small_store) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "store": small_store.location}


def test_graphiql_for_browsers(small_store: Store) -> None:
    with client_for(small_store) as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
    with client_for(small_store, graphiql=False) as client:
        assert client.get("/graphql", headers={"Accept": "text/html"}).status_code != 200


def test_malformed_json_is_400(small_store: Store) -> None:
    with client_for(small_store) as client:
        response = client.post(
            "/graphql", content=b'{"query": "{ years', headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert "Traceback" not in response.text


def test_body_limit_is_413(small_store: Store) -> None:
    with client_for(small_store, max_body_bytes=2048) as client:
        big = {"query": "{ years }", "variables": {"pad": "x" * 5000}}
        response = client.post("/graphql", json=big)
        assert response.status_code == 413
        assert "larger than 2048 bytes" in response.text
        # without Content-Length (chunked): still refused
        chunks: Iterable[bytes] = iter([json.dumps(big).encode()[i : i + 1000] for i in range(0, 6000, 1000)])
        response = client.post("/graphql", content=chunks, headers={"Content-Type": "application/json"})
        assert response.status_code == 413
        assert client.post("/graphql", json={"query": "{ years }"}).status_code == 200


def test_alias_and_token_limits(small_store: Store) -> None:
    with client_for(small_store, max_aliases=3, max_tokens=60) as client:
        many = "{ " + " ".join(f"a{i}: years" for i in range(5)) + " }"
        [error] = gql(client, many)["errors"]
        assert "aliases" in error["message"] and "3" in error["message"]
        long = "{ " + " ".join("years" for _ in range(80)) + " }"
        [error] = gql(client, long)["errors"]
        assert "token" in error["message"].lower()


def test_cors_closed_by_default_and_open_to_listed_origins(small_store: Store) -> None:
    origin = "https://dashboard.example.org"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    with client_for(small_store) as client:
        response = client.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    with client_for(small_store, cors_origins=[origin]) as client:
        response = client.options("/graphql", headers=preflight)
        assert response.headers["access-control-allow-origin"] == origin
        other = client.options("/graphql", headers={**preflight, "Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers


def test_require_key_for_reads(small_store: Store) -> None:
    with client_for(small_store, require_key_for_reads=True) as client:
        response = client.post("/graphql", json={"query": "{ years }"})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        ok = client.post(
            "/graphql", json={"query": "{ years }"}, headers={"Authorization": f"Bearer {API_KEY}"}
        )
        assert ok.status_code == 200 and ok.json() == {"data": {"years": []}, "extensions": {"cost": 0}}


class BrokenStore(EmbeddedStore):
    """A real embedded store with one method failing the way a bug would."""

    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        raise RuntimeError("secret internals at /srv/tiaokuai/store.py line 42")


def test_unexpected_errors_are_masked_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = BrokenStore(tmp_path / "broken.tkg")
    with client_for(store) as client, caplog.at_level(logging.INFO):
        body = gql(client, '{ unit(id: "TB-230000") { id } years }')
    assert body["data"] == {"unit": None, "years": []}
    assert [e["message"] for e in body["errors"]] == ["Unexpected error."]
    assert "secret" not in json.dumps(body)
    assert any(
        "secret internals" in (r.exc_text or "") or r.exc_info
        for r in caplog.records
        if r.levelno >= logging.ERROR
    )


def test_store_outage_embedded(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.tkg"
    path.write_bytes(b"this is not a store")
    with client_for(EmbeddedStore(path)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable" and str(path) in ready.json()["reason"]
        [error] = gql(client, '{ unit(id: "X") { id } }')["errors"]
        assert error["message"].startswith("store unavailable: cannot read the embedded store")
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE"


def test_store_outage_neo4j() -> None:
    from graph.store.neo4j import Neo4jStore

    # nothing listens on port 1; short retries keep the test fast (the default retries for 30 s)
    store = Neo4jStore("bolt://127.0.0.1:1", max_transaction_retry_time=0.5, connection_timeout=2)
    try:
        with client_for(store) as client:
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert "unreachable" in ready.json()["reason"]
            [error] = gql(client, "{ years }")["errors"]
            assert error["message"].startswith("store unavailable: Neo4j at bolt://127.0.0.1:1")
    finally:
        store.close()


def test_one_log_line_per_request_and_no_keys(small_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with client_for(small_store) as client, caplog.at_level(logging.INFO):
        client.post(
            "/graphql",
            json={"query": "mutation { upsertUnits(units: []) { written } }"},
            headers={"Authorization": f"Bearer {API_KEY}"},
        )
        client.get("/healthz")
    access = [r for r in caplog.records if r.name == "graph.api.access"]
    assert [(r.method, r.path, r.status) for r in access] == [
        ("POST", "/graphql", 200),
        ("GET", "/healthz", 200),
    ]  # type: ignore[attr-defined]
    assert all(isinstance(r.duration_ms, float) for r in access)  # type: ignore[attr-defined]
    line = json.loads(JsonFormatter().format(access[0]))
    assert {"ts", "level", "msg", "method", "path", "status", "duration_ms", "client"} <= line.keys()
    assert "duration_ms=" in KeyValueFormatter().format(access[0])
    everything = caplog.text + "".join(JsonFormatter().format(r) for r in caplog.records)
    assert API_KEY not in everything


def test_live_server_answers_over_tcp(small_store: Store) -> None:
    import httpx

    with live_server(create_app(settings(), small_store)) as base:
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        body = httpx.post(f"{base}/graphql", json={"query": '{ unit(id: "TB-230000") { name } }'}).json()
        assert body == {"data": {"unit": {"name": "国家税务总局黑龙江省税务局"}}, "extensions": {"cost": 1}}
