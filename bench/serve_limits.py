"""The shared-service benchmarks of issue 17 (``bench/run.py --only serve``), each against a
baseline measured on the same server in the same run:

``serve_mixed_vs_trivial_rps``
    req/s of 16 clients sending the mixed dashboard queries (years, a page of 50 bureaus with parent
    and region, coverage, a prefecture's gaps, stats) over req/s of 16 clients sending
    ``{ __typename }``. Target >= 0.5.
``serve_cheap_p99_under_costly_vs_idle``
    p99 of ``{ years }`` while 4 clients run the most costly query the budget admits, over its p99
    on the idle server. Target <= 5.
``costly_query_refused_ms``
    median time to refuse the issue's 500 x 500 x 500 nesting (HTTP 400, QUERY_TOO_COSTLY). Target
    <= 20.
``serve_workers_scaling``
    mixed req/s with ``--workers 2`` over the same with ``--workers 1``. Target >= 1.6.

Each key comes per store and data set: no suffix for the embedded store with the national set at
the plan's serve scale, ``_neo4j`` for Neo4j, ``_sample`` for the bundled sample. The servers run
``tiaokuai serve`` with its defaults except ``TIAOKUAI_COST_PER_MINUTE=0`` (one address sends all
the load here) and ``TIAOKUAI_GRAPHIQL=false``.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from common import free_port, percentile, stop, wait_http

YEAR = 2020

TRIVIAL = {"query": "{ __typename }"}
YEARS = {"query": "{ years }"}
UNITS_PAGE = {
    "query": "{ units(kind: TAX_BUREAU, first: 50) { totalCount edges { node { id name "
    "parent { id name } region { code name } } } } }"
}
COVERAGE = {
    "query": "query($year: Int!) { coverage(year: $year) { expected met ratio "
    "byLevel { level expected met ratio } byRule { rule expected met ratio } } }",
    "variables": {"year": YEAR},
}
STATS = {
    "query": "query($year: Int!) { stats(year: $year) { units links byFamily { family count participants } } }",
    "variables": {"year": YEAR},
}
#: the issue's query: 500-item connections nested three deep
REFUSED = (
    "{ units(first:500){edges{node{links(first:500){edges{node{source{children{nodes{"
    "links(first:500){nodes{id}}}}}}}}}}}}"
)


def gaps_query(region: str) -> dict[str, Any]:
    return {
        "query": "query($year: Int!, $r: String) { gaps(year: $year, regionCode: $r) "
        "{ unitId rule counterpartId observed required } }",
        "variables": {"year": YEAR, "r": region},
    }


def costly_query(k: int) -> dict[str, Any]:
    """A page of ``k`` units with 20 links each and both ends: cost 2 + 63 k."""
    return {
        "query": "query($k: Int!) { units(first: $k) { edges { node { id name links(first: 20) { edges "
        "{ node { id date count source { name } target { name } } } } } } } }",
        "variables": {"k": k},
    }


def start_server(tiaokuai: str, store: str, workers: int, log: Path) -> tuple[subprocess.Popen[Any], str]:
    port = free_port()
    env = {
        **os.environ,
        "TIAOKUAI_GRAPHIQL": "false",
        "TIAOKUAI_COST_PER_MINUTE": "0",
        "TIAOKUAI_LOG_FORMAT": "json",
    }
    env.pop("TIAOKUAI_MAX_PAGE_SIZE", None)
    proc = subprocess.Popen(
        [
            tiaokuai,
            "serve",
            "--store",
            store,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", timeout=600, proc=proc)
    return proc, base


async def _load(base: str, payloads: list[dict[str, Any]], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` loops, each cycling through ``payloads`` (from a different start), for ``seconds``."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        for p in payloads:  # warm: connections, caches, code paths
            await client.post("/graphql", json=p)
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(i: int) -> None:
            n = i
            while time.perf_counter() < deadline:
                p = payloads[n % len(payloads)]
                n += 1
                t = time.perf_counter()
                try:
                    r = await client.post("/graphql", json=p)
                    body = r.json()
                    if r.status_code != 200 or body.get("errors"):
                        errors.append(f"{r.status_code} {str(body)[:200]}")
                        continue
                except Exception as exc:  # noqa: BLE001 - counted, never hidden
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - start
    return {
        "rps": len(latencies) / elapsed,
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else None,
    }


async def _cheap_p99(
    base: str, requests: int, costly: dict[str, Any] | None, costly_clients: int
) -> dict[str, Any]:
    """p99 of sequential ``{ years }`` requests, alone or while ``costly_clients`` loop ``costly``."""
    import httpx

    stop_at = asyncio.Event()
    costly_done = 0
    costly_errors: list[str] = []
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def hog() -> None:
            nonlocal costly_done
            while not stop_at.is_set():
                r = await client.post("/graphql", json=costly)
                if r.status_code != 200 or r.json().get("errors"):
                    costly_errors.append(f"{r.status_code} {r.text[:200]}")
                else:
                    costly_done += 1

        hogs = [asyncio.create_task(hog()) for _ in range(costly_clients if costly else 0)]
        if hogs:
            await asyncio.sleep(1.0)  # let the costly ones fill the server
        times: list[float] = []
        for _ in range(requests):
            t = time.perf_counter()
            r = await client.post("/graphql", json=YEARS)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
            await asyncio.sleep(0.01)
        stop_at.set()
        await asyncio.gather(*hogs)
    return {
        "p99_ms": percentile(times, 99) * 1000,
        "p50_ms": percentile(times, 50) * 1000,
        "costly_done": costly_done,
        "costly_errors": costly_errors,
    }


def _refusal_ms(base: str, times: int = 30) -> float:
    import httpx

    out: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(5):  # warm: the connection, the parser
            client.post("/graphql", json={"query": REFUSED})
        for _ in range(times):
            t = time.perf_counter()
            r = client.post("/graphql", json={"query": REFUSED})
            out.append(time.perf_counter() - t)
            assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    return sorted(out)[len(out) // 2] * 1000


def _costliest(base: str, max_cost: int = 10_000) -> dict[str, Any]:
    """The query the loaders ask: admitted by the budget (its answer may still be a TIMEOUT on a
    busy machine: the costly ones run at a lower priority)."""
    import httpx

    payload = costly_query((max_cost - 2) // 63)
    r = httpx.post(base + "/graphql", json=payload, timeout=120)
    body = r.json()
    assert body["extensions"]["cost"] <= max_cost, body["extensions"]
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "QUERY_TOO_COSTLY" not in codes and set(codes) <= {"TIMEOUT"}, body.get("errors")
    return payload


def measure(tiaokuai: str, store: str, region: str, work: Path, name: str, seconds: float,
            say: Any) -> dict[str, Any]:  # fmt: skip
    """Every figure for one store and data set; keys without suffix."""
    mixed = [YEARS, UNITS_PAGE, COVERAGE, gaps_query(region), STATS]
    out: dict[str, Any] = {}
    proc, base = start_server(tiaokuai, store, 2, work / f"serve-limits-{name}-2w.log")
    try:
        trivial = asyncio.run(_load(base, [TRIVIAL], 16, seconds))
        mixed2 = asyncio.run(_load(base, mixed, 16, seconds))
        costly = _costliest(base)
        out["serve_costly_query_cost"] = costly_query((10_000 - 2) // 63)["variables"]["k"] * 63 + 2
        idle = asyncio.run(_cheap_p99(base, 300, None, 0))
        busy = asyncio.run(_cheap_p99(base, 300, costly, 4))
        time.sleep(2.0)  # the costly ones still running finish or time out
        out["costly_query_refused_ms"] = _refusal_ms(base)
    finally:
        stop(proc)
    proc, base = start_server(tiaokuai, store, 1, work / f"serve-limits-{name}-1w.log")
    try:
        mixed1 = asyncio.run(_load(base, mixed, 16, seconds))
    finally:
        stop(proc)
    out.update(
        serve_trivial_rps=trivial["rps"],
        serve_mixed_rps=mixed2["rps"],
        serve_mixed_rps_1_worker=mixed1["rps"],
        serve_mixed_p99_ms=mixed2["p99_ms"],
        serve_mixed_errors=mixed2["errors"] + mixed1["errors"] + trivial["errors"],
        serve_mixed_vs_trivial_rps=mixed2["rps"] / trivial["rps"],
        serve_workers_scaling=mixed2["rps"] / mixed1["rps"],
        serve_cheap_p99_idle_ms=idle["p99_ms"],
        serve_cheap_p99_under_costly_ms=busy["p99_ms"],
        serve_costly_queries_done=busy["costly_done"],
        serve_costly_queries_failed=len(busy["costly_errors"]),
        serve_cheap_p99_under_costly_vs_idle=busy["p99_ms"] / idle["p99_ms"],
    )
    errors = (
        mixed2["first_errors"] + mixed1["first_errors"] + trivial["first_errors"] + busy["costly_errors"][:3]
    )
    if errors:
        out["serve_limits_first_errors"] = errors
    say(
        f"serve limits, {name}: mixed/trivial {out['serve_mixed_vs_trivial_rps']:.2f} "
        f"({mixed2['rps']:.0f}/{trivial['rps']:.0f} req/s), cheap p99 under costly/idle "
        f"{out['serve_cheap_p99_under_costly_vs_idle']:.2f} ({busy['p99_ms']:.1f}/{idle['p99_ms']:.1f} ms, "
        f"{busy['costly_done']} costly done), refused in {out['costly_query_refused_ms']:.1f} ms, "
        f"2 vs 1 worker {out['serve_workers_scaling']:.2f} ({mixed2['rps']:.0f}/{mixed1['rps']:.0f} req/s)"
    )
    return out


#: (key, comparison, bound) of issue 17, checked per store and data set
TARGETS = [
    ("serve_mixed_vs_trivial_rps", ">=", 0.5),
    ("serve_cheap_p99_under_costly_vs_idle", "<=", 5.0),
    ("costly_query_refused_ms", "<=", 20.0),
    ("serve_workers_scaling", ">=", 1.6),
]
