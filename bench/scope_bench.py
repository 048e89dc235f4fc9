"""What a scope costs a request (issue 18), run by ``bench/run.py --only serve``.

``serve_scoped_vs_unscoped_p50``
    p50 of a question asked with a prefecture's key (scope: the prefecture) over p50 of the same
    question asked with an unscoped key narrowed to that prefecture by its arguments, on the same
    server in the same run; the larger of two questions: the year's coverage
    (``coverage(year)`` scoped, ``coverage(year, regionCode: P)`` unscoped) and a page of 50 units
    (``units(first: 50)`` scoped, ``units(regionCode: P, first: 50)`` unscoped). Target <= 1.3.
    The two answers are the same bureaus; the scoped one is computed by statements that carry the
    scope (graph.store.scoped), the unscoped one by the store's own region filter.

The server runs one worker with the answer cache off (``TIAOKUAI_CACHE_MB=0``): a cache hit would
measure the cache, not the scope. The requests of both keys alternate, one at a time, after a warm-up.
Keys: per store as bench/serve_limits.py (no suffix: embedded, ``_neo4j``), and per question
(``…_coverage``, ``…_units``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
from common import percentile, start_serve, stop

YEAR = 2020
ROUNDS = 40

COVERAGE = (
    "query($year: Int!, $r: String) { coverage(year: $year, regionCode: $r) { expected met ratio "
    "byLevel { level expected met ratio } byRule { rule expected met ratio } } }"
)
UNITS = (
    "query($r: String) { units(regionCode: $r, first: 50) { totalCount edges { node { id name "
    "parent { id name } region { code name } } } } }"
)


def _timed(client: httpx.Client, key: str, query: str, variables: dict[str, Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    r = client.post("/graphql", json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    elapsed = time.perf_counter() - t
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{r.status_code} {str(body)[:300]}")
    return elapsed, body["data"]


def measure(tiaokuai: str, store: str, prefecture: str, work: Path, name: str, say: Any) -> dict[str, Any]:
    """The figures for one store (keys without suffix)."""
    from graph.api.keys import add_key

    keys_file = work / f"scope-keys{name}.toml"
    keys_file.unlink(missing_ok=True)
    scoped = add_key(keys_file, "prefecture", "read", [prefecture])
    whole = add_key(keys_file, "province", "read", [])
    proc, base = start_serve(
        tiaokuai,
        store,
        work / f"scope-bench{name}.log",
        env={"TIAOKUAI_CACHE_MB": "0", "TIAOKUAI_KEYS_FILE": str(keys_file), "TIAOKUAI_API_KEYS": None},
    )
    out: dict[str, Any] = {}
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for label, query, year in (("coverage", COVERAGE, {"year": YEAR}), ("units", UNITS, {})):
                asked_scoped, asked_whole = {**year, "r": None}, {**year, "r": prefecture}
                a = _timed(client, scoped, query, asked_scoped)[1]
                b = _timed(client, whole, query, asked_whole)[1]
                if a != b:  # the same bureaus, or the comparison means nothing
                    raise RuntimeError(
                        f"scoped and unscoped {label} answers differ: {str(a)[:200]} / {str(b)[:200]}"
                    )
                for _ in range(3):  # warm: connections, plans, code paths
                    _timed(client, scoped, query, asked_scoped)
                    _timed(client, whole, query, asked_whole)
                ts: list[float] = []
                tw: list[float] = []
                for _ in range(ROUNDS):
                    ts.append(_timed(client, scoped, query, asked_scoped)[0])
                    tw.append(_timed(client, whole, query, asked_whole)[0])
                p_s, p_w = percentile(ts, 50) * 1000, percentile(tw, 50) * 1000
                out[f"serve_scoped_p50_ms_{label}"] = p_s
                out[f"serve_unscoped_p50_ms_{label}"] = p_w
                out[f"serve_scoped_vs_unscoped_p50_{label}"] = p_s / p_w
    finally:
        stop(proc)
    out["serve_scoped_vs_unscoped_p50"] = max(
        out["serve_scoped_vs_unscoped_p50_coverage"], out["serve_scoped_vs_unscoped_p50_units"]
    )
    say(
        f"scope{name}: scoped/unscoped p50 {out['serve_scoped_vs_unscoped_p50']:.2f} (coverage "
        f"{out['serve_scoped_p50_ms_coverage']:.1f}/{out['serve_unscoped_p50_ms_coverage']:.1f} ms, units page "
        f"{out['serve_scoped_p50_ms_units']:.1f}/{out['serve_unscoped_p50_ms_units']:.1f} ms)"
    )
    return out


#: (key, comparison, bound) of issue 18, per store
TARGETS = [("serve_scoped_vs_unscoped_p50", "<=", 1.3)]
