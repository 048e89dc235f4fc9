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
import contextlib
import json
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import median, percentile, proc_cpu_s, start_serve, stop

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


#: the servers run with the default page-size cap, whatever the environment sets (the costly query
#: asks for pages as large as the cost budget admits)
NO_PAGE_SIZE: dict[str, str | None] = {"TIAOKUAI_MAX_PAGE_SIZE": None}


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


def _request_bytes(host: str, payload: dict[str, Any]) -> bytes:
    """One keep-alive ``POST /graphql``, encoded once: the load loops send these bytes as they are."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send one request on a kept-alive connection and read its whole answer: (status, body)."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:  # not what the server sends for JSON, but read it right if it ever does
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            parts.append(chunk[:-2])
        body = b"".join(parts)
    else:
        body = await reader.readexactly(length)
    return int(status_line[9:12]), body


async def _load(base: str, payloads: list[dict[str, Any]], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` loops, each on its own kept-alive connection cycling through ``payloads`` (from
    a different start), for ``seconds``.

    The client is deliberately lean (requests encoded once, answers read by ``Content-Length``, an
    answer counted as an error when its status is not 200 or its body has an ``"errors"`` key):
    on 2 cores the load generator shares the CPUs with the server, and httpx spent about 1.7 ms of
    CPU per request, which capped what 2 workers could show against 1. Before the clock starts,
    every connection sends every payload once, so that each worker process has parsed each
    document and filled its caches (caches are per process): the figure is the steady state."""
    split = urlsplit(base)
    host, port = split.hostname or "127.0.0.1", split.port or 80
    requests = [_request_bytes(f"{host}:{port}", p) for p in payloads]
    latencies: list[float] = []
    errors: list[str] = []
    conns = [await asyncio.open_connection(host, port) for _ in range(clients)]
    try:

        async def warm(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            for request in requests:
                await _exchange(reader, writer, request)

        await asyncio.gather(*(warm(r, w) for r, w in conns))
        start = time.perf_counter()
        deadline = start + seconds

        async def worker(i: int) -> None:
            reader, writer = conns[i]
            n = i
            while time.perf_counter() < deadline:
                request = requests[n % len(requests)]
                n += 1
                t = time.perf_counter()
                try:
                    status, body = await _exchange(reader, writer, request)
                except Exception as exc:  # noqa: BLE001 - counted, never hidden
                    errors.append(f"{type(exc).__name__}: {exc}")
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                if status != 200 or b'"errors"' in body:
                    errors.append(f"{status} {body[:200]!r}")
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - start
    finally:
        for _, writer in conns:
            writer.close()
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


def _refusal_ms(base: str, times: int = 30) -> tuple[float, float]:
    """(the first refusal on a new connection to a server that has answered nothing else, the
    median of ``times`` refusals after 5 more to warm the connection), in ms."""
    import httpx

    out: list[float] = []
    with httpx.Client(base_url=base, timeout=60) as client:
        t = time.perf_counter()
        r = client.post("/graphql", json={"query": REFUSED})
        first = time.perf_counter() - t
        assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
        for _ in range(5):  # warm: the connection
            client.post("/graphql", json={"query": REFUSED})
        for _ in range(times):
            t = time.perf_counter()
            r = client.post("/graphql", json={"query": REFUSED})
            out.append(time.perf_counter() - t)
            assert r.status_code == 400 and r.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    return first * 1000, sorted(out)[len(out) // 2] * 1000


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _settle(procs: list[subprocess.Popen[Any]], quiet_cpu_s: float = 0.05, most_s: float = 60.0) -> float:
    """Wait until the servers' processes (workers, their pools) use less than ``quiet_cpu_s`` of
    CPU in half a second: a server answers /healthz before its pool processes have started, and
    their start must not be counted against the first measurement. Returns the seconds waited."""
    start = time.perf_counter()

    def used() -> float:
        total = 0.0
        for proc in procs:
            for pid in _tree(proc.pid):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    total += proc_cpu_s(pid)
        return total

    before = used()
    while time.perf_counter() - start < most_s:
        time.sleep(0.5)
        now = used()
        if now - before < quiet_cpu_s:
            break
        before = now
    return time.perf_counter() - start


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
            say: Any, rounds: int = 3) -> dict[str, Any]:  # fmt: skip
    """Every figure for one store and data set; keys without suffix.

    A server with 2 workers and one with 1 run side by side over the same store, each settled
    (:func:`_settle`) before anything is measured. The refusal is timed first, on the idle
    2-worker server (a refusal does no store work: what it costs is the server's own). The mixed
    load then runs in ``rounds`` rounds of (trivial on 2 workers, mixed on 2 workers, mixed on 1
    worker), measured back to back; each ratio is the median of the rounds' own ratios (load from
    elsewhere on a shared machine drifts over a run, within a round much less), and the ratio of
    the median rates is kept beside it (``*_of_medians``). The costly phase comes last: on Neo4j
    what it leaves running in the database must not be counted against anything else."""
    mixed = [YEARS, UNITS_PAGE, COVERAGE, gaps_query(region), STATS]
    out: dict[str, Any] = {}
    proc2, base = start_serve(tiaokuai, store, work / f"serve-limits-{name}-2w.log", 2, NO_PAGE_SIZE)
    proc1: subprocess.Popen[Any] | None = None
    try:
        proc1, base1 = start_serve(tiaokuai, store, work / f"serve-limits-{name}-1w.log", 1, NO_PAGE_SIZE)
        out["serve_settle_s"] = _settle([proc2, proc1])
        first, warm = _refusal_ms(base)
        out["costly_query_refused_ms"] = warm
        out["costly_query_refused_first_ms"] = first
        trivials, mixed2s, mixed1s = [], [], []
        for _ in range(rounds):
            trivials.append(asyncio.run(_load(base, [TRIVIAL], 16, seconds)))
            mixed2s.append(asyncio.run(_load(base, mixed, 16, seconds)))
            mixed1s.append(asyncio.run(_load(base1, mixed, 16, seconds)))
        stop(proc1)
        proc1 = None
        costly = _costliest(base)
        out["serve_costly_query_cost"] = costly_query((10_000 - 2) // 63)["variables"]["k"] * 63 + 2
        idle = asyncio.run(_cheap_p99(base, 300, None, 0))
        busy = asyncio.run(_cheap_p99(base, 300, costly, 4))
    finally:
        stop(proc2)
        if proc1 is not None:
            stop(proc1)
    rps2 = median([m["rps"] for m in mixed2s])
    rps1 = median([m["rps"] for m in mixed1s])
    trivial = {"rps": median([t["rps"] for t in trivials])}
    out.update(
        serve_trivial_rps=trivial["rps"],
        serve_trivial_rps_rounds=[round(t["rps"], 1) for t in trivials],
        serve_mixed_rps=rps2,
        serve_mixed_rps_rounds=[round(m["rps"], 1) for m in mixed2s],
        serve_mixed_rps_1_worker=rps1,
        serve_mixed_rps_1_worker_rounds=[round(m["rps"], 1) for m in mixed1s],
        serve_mixed_p99_ms=median([m["p99_ms"] for m in mixed2s if m["p99_ms"] is not None] or [0.0]),
        serve_mixed_errors=sum(m["errors"] for m in mixed2s + mixed1s + trivials),
        # each ratio: the median of the rounds' own ratios (the two sides of a round measured back
        # to back, under the same load from elsewhere); the ratio of the median rates beside it
        serve_mixed_vs_trivial_rps=median(
            [m["rps"] / t["rps"] for m, t in zip(mixed2s, trivials, strict=True)]
        ),
        serve_mixed_vs_trivial_rps_of_medians=rps2 / trivial["rps"],
        serve_workers_scaling=median(
            [m2["rps"] / m1["rps"] for m2, m1 in zip(mixed2s, mixed1s, strict=True)]
        ),
        serve_workers_scaling_of_medians=rps2 / rps1,
        serve_cheap_p99_idle_ms=idle["p99_ms"],
        serve_cheap_p99_under_costly_ms=busy["p99_ms"],
        serve_costly_queries_done=busy["costly_done"],
        serve_costly_queries_failed=len(busy["costly_errors"]),
        serve_cheap_p99_under_costly_vs_idle=busy["p99_ms"] / idle["p99_ms"],
    )
    errors = [e for m in mixed2s + mixed1s + trivials for e in m["first_errors"]]
    errors += busy["costly_errors"][:3]
    if errors:
        out["serve_limits_first_errors"] = errors[:6]
    say(
        f"serve limits, {name}: mixed/trivial {out['serve_mixed_vs_trivial_rps']:.2f} "
        f"({rps2:.0f}/{trivial['rps']:.0f} req/s), cheap p99 under costly/idle "
        f"{out['serve_cheap_p99_under_costly_vs_idle']:.2f} ({busy['p99_ms']:.1f}/{idle['p99_ms']:.1f} ms, "
        f"{busy['costly_done']} costly done), refused in {warm:.1f} ms ({first:.1f} ms the first), "
        f"2 vs 1 worker {out['serve_workers_scaling']:.2f} ({rps2:.0f}/{rps1:.0f} req/s; medians of {rounds} rounds)"
    )
    return out


#: (key, comparison, bound) of issue 17, checked per store and data set
TARGETS = [
    ("serve_mixed_vs_trivial_rps", ">=", 0.5),
    ("serve_cheap_p99_under_costly_vs_idle", "<=", 5.0),
    ("costly_query_refused_ms", "<=", 20.0),
    ("serve_workers_scaling", ">=", 1.6),
]
