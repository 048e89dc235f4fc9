"""A bounded load test of a running tiaokuai API: N concurrent clients, mixed queries, T seconds.

    .venv/bin/python bench/load_test.py --url http://127.0.0.1:8000 --clients 16 --seconds 60

Each client sends one request at a time (a closed loop, as dashboards do), picking a query from a
weighted mix: a unit with its parent, children, counterparts and links; filtered unit lists; a
unit's links of a year; coverage and gaps of a year; stats; shortest paths. Unit ids and years are
read from the server first, so any loaded dataset works. The report gives requests, throughput,
latency percentiles overall and per query, and errors: a request is an error when the HTTP status
is not 200, the body has GraphQL ``errors``, or the connection fails. Prints JSON with ``--json``.

The reliability suite runs it against both stores (tests/reliability/test_rel_api_load.py) and
docs/reliability.md gives the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["run_load", "LoadReport", "MIX"]

#: (name, weight, query, variables maker); ``ids``, ``years`` come from the server
MIX: list[tuple[str, int, str]] = [
    ("unit", 25, """query($id: ID!) { unit(id: $id) { id name kind level region { code name }
        parent { id name } children(first: 20) { totalCount nodes { id name } }
        counterparts { id name kind } links(first: 10) { totalCount nodes { id kind date source { id } target { id } } } } }"""),
    ("units", 15, """query($kind: UnitKind, $level: Level) { units(kind: $kind, level: $level, first: 50) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id name regionCode } } }"""),
    ("search", 10, """query($needle: String) { units(nameContains: $needle, first: 20) { totalCount nodes { id name } } }"""),
    ("links", 15, """query($id: ID!, $year: Int) { links(unitId: $id, year: $year, first: 50) {
        totalCount nodes { id kind family date count participants } } }"""),
    ("unit_coverage", 10, """query($id: ID!, $year: Int!) { unit(id: $id) { coverage(year: $year) { expected met ratio } gaps(year: $year) { rule counterpartId } } }"""),
    ("coverage", 5, """query($year: Int!) { coverage(year: $year) { expected met ratio byLevel { level expected met ratio } byRule { rule met expected } } }"""),
    ("gaps", 5, """query($year: Int!) { gaps(year: $year, level: PREFECTURE) { unitId rule counterpartId required observed } }"""),
    ("stats", 10, """query($year: Int!) { stats(year: $year) { units links byFamily { family count } } }"""),
    ("path", 5, """query($a: ID!, $b: ID!) { shortestPath(fromId: $a, toId: $b, maxHops: 6) { id } }"""),
]  # fmt: skip

NEEDLES = ["哈尔滨", "税务局", "党委", "省委", "县", "Tax", "committee", "支部"]
KINDS = [None, "TAX_BUREAU", "LOCAL_PARTY_COMMITTEE", "PARTY_BRANCH", "ORGANIZATION_DEPARTMENT"]
LEVELS = [None, "PROVINCIAL", "PREFECTURE", "COUNTY"]


@dataclass
class LoadReport:
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    latencies_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def summary(self) -> dict[str, Any]:
        every = sorted(v for vs in self.latencies_ms.values() for v in vs)
        out: dict[str, Any] = {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            **_percentiles(every),
            "by_query": {
                name: {"requests": len(vs), **_percentiles(sorted(vs))}
                for name, vs in sorted(self.latencies_ms.items())
            },
        }
        if self.error_samples:
            out["error_samples"] = self.error_samples[:5]
        return out


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}

    def at(q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1)

    return {"p50_ms": round(statistics.median(values), 1), "p95_ms": at(0.95), "p99_ms": at(0.99),
            "max_ms": round(values[-1], 1)}  # fmt: skip


def _variables(name: str, rng: random.Random, ids: list[str], years: list[int]) -> dict[str, Any]:
    year = rng.choice(years)
    if name in ("unit", "links", "unit_coverage"):
        return {"id": rng.choice(ids), "year": year}
    if name == "units":
        return {"kind": rng.choice(KINDS), "level": rng.choice(LEVELS)}
    if name == "search":
        return {"needle": rng.choice(NEEDLES)}
    if name == "path":
        return {"a": rng.choice(ids), "b": rng.choice(ids)}
    return {"year": year}


async def _discover(http: httpx.AsyncClient, headers: dict[str, str]) -> tuple[list[str], list[int]]:
    r = await http.post(
        "/graphql", headers=headers, json={"query": "{ years units(first: 500) { nodes { id } } }"}
    )
    r.raise_for_status()
    data = r.json()["data"]
    ids = [n["id"] for n in data["units"]["nodes"]]
    if not ids or not data["years"]:
        raise SystemExit("the store holds no units or no links: load a dataset first")
    return ids, data["years"]


async def _client(http: httpx.AsyncClient, headers: dict[str, str], seed: int, stop_at: float,
                  ids: list[str], years: list[int], report: LoadReport) -> None:  # fmt: skip
    rng = random.Random(seed)
    names = [m[0] for m in MIX]
    weights = [m[1] for m in MIX]
    queries = {m[0]: m[2] for m in MIX}
    while time.monotonic() < stop_at:
        name = rng.choices(names, weights)[0]
        body = {"query": queries[name], "variables": _variables(name, rng, ids, years)}
        start = time.perf_counter()
        problem = None
        try:
            r = await http.post("/graphql", headers=headers, json=body)
            if r.status_code != 200:
                problem = f"{name}: HTTP {r.status_code}: {r.text[:200]}"
            elif r.json().get("errors"):
                problem = f"{name}: {json.dumps(r.json()['errors'], ensure_ascii=False)[:300]}"
        except httpx.HTTPError as exc:
            problem = f"{name}: {type(exc).__name__}: {exc}"
        report.latencies_ms[name].append((time.perf_counter() - start) * 1000)
        report.requests += 1
        if problem:
            report.errors += 1
            report.error_samples.append(problem)


async def _run(url: str, clients: int, seconds: float, key: str | None, seed: int) -> LoadReport:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        ids, years = await _discover(http, headers)
        report = LoadReport(clients, seconds)
        start = time.monotonic()
        stop_at = start + seconds
        await asyncio.gather(
            *(_client(http, headers, seed + i, stop_at, ids, years, report) for i in range(clients))
        )
        report.seconds = time.monotonic() - start
    return report


def run_load(
    url: str, clients: int = 16, seconds: float = 10, key: str | None = None, seed: int = 1
) -> dict[str, Any]:
    """Run the load test against ``url`` (the server's base URL) and return the summary."""
    return asyncio.run(_run(url, clients, seconds, key, seed)).summary()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="base URL of the API")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--key", help="API key, if the server requires one for reads")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the whole report as JSON")
    args = parser.parse_args(argv)
    summary = run_load(args.url, args.clients, args.seconds, args.key, args.seed)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"{summary['requests']} requests in {summary['seconds']} s from {summary['clients']} clients: "
              f"{summary['rps']} req/s, p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
              f"errors {summary['errors']}")  # fmt: skip
        for name, row in summary["by_query"].items():
            print(f"  {name:14} {row['requests']:6}  p50 {row['p50_ms']:8} ms  p99 {row['p99_ms']:8} ms")
        for sample in summary.get("error_samples", []):
            print(f"  error: {sample}", file=sys.stderr)
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
