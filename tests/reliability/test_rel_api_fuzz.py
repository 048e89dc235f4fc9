"""Hostile requests to a live API on each store: generated queries and mutations, limits, bad HTTP.

Queries and mutations are generated from the served schema by hypothesis-graphql, valid ones
(``Mode.POSITIVE``) and invalid ones (``Mode.NEGATIVE``). Every answer must be a GraphQL answer:
never a 5xx, always JSON, no stack trace and no masked "Unexpected error." (which would mean an
exception nobody foresaw).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest
from apihelp import SAMPLE_UNITS, check_response
from fuzzing import CUSTOM_SCALARS, fuzz
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries

from graph.api.graphql.schema import schema_sdl
from graph.store import Store

SDL = schema_sdl()


def _post(http: httpx.Client, query: str, key: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return check_response(http.post("/graphql", json={"query": query}, headers=headers))


# -- generated queries -------------------------------------------------------------------------------


def _post_generated(
    api: httpx.Client,
    strategy: st.SearchStrategy[str],
    examples: int,
    check: Callable[[dict], object] | None = None,
) -> int:
    """Post ``examples`` queries drawn from ``strategy``, each answer a well-formed GraphQL answer
    that ``check`` accepts (inside the hypothesis run, so a failure shrinks); how many were sent."""
    cases: list[int] = []

    @fuzz(examples)
    @given(query=strategy)
    def run(query: str) -> None:
        cases.append(1)
        body = _post(api, query)
        if check is not None:
            check(body)

    run()
    return len(cases)


def _is_an_answer(body: dict) -> None:
    assert body.get("errors") or body.get("data") is not None


def test_generated_queries(api: httpx.Client, sample_api: tuple[str, Store, httpx.Client]) -> None:
    kind = sample_api[0]
    sent = _post_generated(
        api, queries(SDL, custom_scalars=CUSTOM_SCALARS), 100 if kind == "embedded" else 30
    )
    print(f"\n{sent} generated queries on {kind}")
    assert sample_api[1].count_units() == SAMPLE_UNITS


def test_generated_invalid_queries(api: httpx.Client, sample_api: tuple[str, Store, httpx.Client]) -> None:
    kind = sample_api[0]
    strategy = queries(SDL, mode=Mode.NEGATIVE, custom_scalars=CUSTOM_SCALARS)
    sent = _post_generated(api, strategy, 60 if kind == "embedded" else 20, check=_is_an_answer)
    print(f"\n{sent} generated invalid queries on {kind}")


@pytest.mark.slow
def test_generated_queries_soak(api: httpx.Client, sample_api: tuple[str, Store, httpx.Client]) -> None:
    kind = sample_api[0]
    strategy = queries(SDL, custom_scalars=CUSTOM_SCALARS) | queries(
        SDL, mode=Mode.NEGATIVE, custom_scalars=CUSTOM_SCALARS
    )
    sent = _post_generated(api, strategy, 2000 if kind == "embedded" else 600)
    print(f"\n{sent} generated queries on {kind}")
    assert sample_api[1].count_units() == SAMPLE_UNITS


# -- limits ------------------------------------------------------------------------------------------


def test_depth_alias_token_and_page_limits(api: httpx.Client) -> None:
    deep = '{ unit(id: "TB-230000") { ' + "parent { " * 15 + "id" + " }" * 15 + " } }"
    assert "depth" in json.dumps(_post(api, deep)["errors"]).lower()

    aliases = "{ " + " ".join(f"a{i}: years" for i in range(40)) + " }"
    assert "alias" in json.dumps(_post(api, aliases)["errors"]).lower()

    tokens = "{ " + " ".join("years" for _ in range(5000)) + " }"
    assert "token" in json.dumps(_post(api, tokens)["errors"]).lower()

    page = _post(api, "{ units(first: 100000) { totalCount } }")
    assert "first must be at most" in json.dumps(page["errors"])

    many_years = "{ coverageTrend(years: [" + ",".join(str(2000 + i) for i in range(60)) + "]) { year } }"
    assert "at most" in json.dumps(_post(api, many_years)["errors"])

    hops = _post(api, '{ shortestPath(fromId: "TB-230000", toId: "TB-230100", maxHops: 999) { id } }')
    assert "maxHops" in json.dumps(hops["errors"])


def test_http_level_hostility(api: httpx.Client) -> None:
    big = api.post("/graphql", content=b'{"query": "' + b"x" * 2_000_000 + b'"}',
                   headers={"Content-Type": "application/json"})  # fmt: skip
    assert big.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit still holds
        for _ in range(40):
            yield b"y" * 100_000

    streamed = api.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413

    hostile_bodies = (b"{", b"not json", b"[]", b'{"query": 5}', b"\xff\xfe\x00", b"\xff", b"[" * 100_000,
                      b'{"query": "{ years }", "variables": 7}',
                      b'{"query": "{ years }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")  # fmt: skip
    for body in hostile_bodies:
        r = api.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert "Traceback" not in r.text

    r = api.post("/graphql", content=b"{ years }", headers={"Content-Type": "text/plain"})
    assert r.status_code in (400, 415) and "Traceback" not in r.text
    assert _raw(api, b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: abc\r\nConnection: close\r\n\r\n1").startswith(b"HTTP/1.1 400")  # fmt: skip
    r = api.get("/graphql", params={"query": "mutation { upsertUnits(units: []) { written } }"})
    assert r.status_code in (400, 405) and "Traceback" not in r.text  # no mutations over GET
    for variables in ("{bad", "[" * 3000, "%FF%FE", "%5B" * 3000):
        r = api.get(f"/graphql?query=%7Byears%7D&variables={variables}")
        assert r.status_code == 400, (variables[:10], r.status_code, r.text)


def _raw(api: httpx.Client, request: bytes) -> bytes:
    """Send bytes as they are (httpx refuses to send a malformed request); the response's bytes."""
    import socket

    url = httpx.URL(str(api.base_url))
    with socket.create_connection((url.host, url.port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
