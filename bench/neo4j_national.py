"""Issue 19's benchmarks: a national load into Neo4j with one ``tiaokuai load``, as a user runs it.

Every figure is measured in the same run as its baseline:

* ``neo4j_load_national_one_invocation_ok``: ``tiaokuai sample --national`` at the plan's scale,
  then one ``tiaokuai load --store bolt://… DIR`` (exit 0, every link in the store).
* ``neo4j_load_vs_single_stream``: links/s of that load (default ``--jobs``) against the same load
  with ``--jobs 1``, the database emptied before each.
* ``neo4j_load_client_rss_mb``: the peak RSS of the ``tiaokuai load`` process (measured from a
  small parent process, see ``_PEAK_RSS``).
* ``neo4j_clear_1m_ok``: ``tiaokuai clear --yes`` of the loaded store, then nothing left.
* ``neo4j_gaps_with_visibility_vs_without``: a year's gaps (``rules.gaps``) with the read
  statements as the store sends them, against the same statements with the visibility predicate
  and the read of the committed loads taken out (same store object, same data, alternated, median
  of 3 each after one warm-up of each).
* ``neo4j_bulk_vs_admin_import``: ``tiaokuai load --bulk`` of the national sample at scale
  ``min(plan, BULK_SCALE)`` into the emptied local server, end to end (read, validate, write the
  CSVs while the server stops, import, start, schema), against ``scripts/neo4j admin-import``
  (``neo4j-admin database import full`` alone, server stopped) on the CSVs it wrote, same run.
  The steps of the bulk load (``neo4j_bulk_csv_s`` ... ``neo4j_bulk_schema_s``, from its summary
  line; ``neo4j_bulk_read_validate_s`` is the rest: process start, reading and validation) and
  the load average when it ran (``neo4j_bulk_loadavg``) are recorded beside the ratio.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from typing import Any

YEAR = 2021
#: the bulk benchmark's national scale at most (1,000,000 links: the national year the bulk mode
#: is for; at 200,000 the fixed cost of the restart made most of the ratio)
BULK_SCALE = 1.0
#: the summary line of ``load --bulk`` (graph.cli.data), for the step timings
_BULK_STEPS = re.compile(
    r"bulk: CSVs written in (?P<csv>[\d.]+) s while the server stopped \(then (?P<stop>[\d.]+) s more "
    r"for the stop\), imported in (?P<import>[\d.]+) s, server started in (?P<start>[\d.]+) s, "
    r"schema in (?P<schema>[\d.]+) s"
)

_PREDICATE = re.compile(r"\((\w+)\.load_id IS NULL OR NOT \1\.load_id IN unseen\)")


def without_visibility(query: str) -> str:
    """``query`` as it would be without the load-visibility mechanism (the benchmark's baseline)."""
    from graph.store.cypher_load import UNSEEN_EXPR, VISIBILITY_HEAD

    out = _PREDICATE.sub("true", query.replace(VISIBILITY_HEAD, ""))
    out = out.replace(f"WITH {UNSEEN_EXPR} AS unseen", "WITH 1 AS nothing")
    out = out.replace("CALL (unseen)", "CALL ()").replace(", unseen)", ")").replace("(unseen, ", "(")
    out = out.replace("WITH s, r, t, unseen WHERE", "WITH s, r, t WHERE")
    return out.replace("true AND ", "").replace(" AND true", "")


#: runs the command given after it and prints its peak RSS on its own last line of stderr. Why a
#: small process in between: Linux keeps a process's peak RSS across exec, so a command spawned
#: straight from this harness (which holds the national dataset) reports the harness's peak as its own
_PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print(f'\\npeak-rss-kb {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, str]:
    """(exit status, wall seconds, peak RSS in MB, stderr) of one command."""
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env, text=True, check=False,
    )  # fmt: skip
    took = time.monotonic() - start
    # the marker follows a newline of its own: the command's stderr may not end with one
    err, marker, last = proc.stderr.rstrip("\n").rpartition("\npeak-rss-kb ")
    if not marker:  # the wrapper itself failed
        return proc.returncode or 1, took, 0.0, proc.stderr
    return proc.returncode, took, int(last) / 1024, err


def bench_national_load(run: Any, tiaokuai: str, clear: Any, open_store: Any) -> None:
    uri = run.neo4j_uri
    folder = run.work / "national-ledgers"
    env = {**os.environ, "TIAOKUAI_STORE": uri}
    env.pop("TIAOKUAI_LOAD_JOBS", None)
    code, secs, rss, err = _run(
        [tiaokuai, "sample", "--national", "--scale", str(run.plan.national_scale), "--seed",
         str(run.plan.seed), "--out", str(folder)], env,
    )  # fmt: skip
    if code:
        raise RuntimeError(f"tiaokuai sample --national failed: {err[-500:]}")
    run.put(neo4j_sample_national_s=secs, neo4j_sample_national_rss_mb=rss)
    store = open_store(uri)
    try:
        expected = len(run.national.links)
        figures: dict[str, dict[str, float]] = {}
        for name, jobs in (("single", ["--jobs", "1"]), ("parallel", [])):
            clear(store)
            code, secs, rss, err = _run([tiaokuai, "load", "--quiet", *jobs, str(folder)], env)
            stored = store.driver.execute_query(
                "MATCH ()-[r]->() WHERE r.year IS NOT NULL RETURN count(r) AS n", database_=store.database
            ).records[0]["n"]
            figures[name] = {"code": code, "s": secs, "rss": rss, "stored": stored}
            run.say(
                f"neo4j national load ({name}): exit {code}, {secs:.1f} s, RSS {rss:.0f} MB, {stored:,} links"
            )
            if code:
                run.say(err[-1000:])
        single, parallel = figures["single"], figures["parallel"]
        ok = parallel["code"] == 0 and parallel["stored"] == expected
        run.put(
            neo4j_load_national_one_invocation_ok=ok,
            neo4j_load_national_s=parallel["s"],
            neo4j_load_national_links_per_s=expected / parallel["s"],
            neo4j_load_single_stream_s=single["s"],
            neo4j_load_vs_single_stream=single["s"] / parallel["s"] if single["code"] == 0 and ok else None,
            neo4j_load_client_rss_mb=parallel["rss"],
            neo4j_load_single_stream_client_rss_mb=single["rss"],
            neo4j_load_national_links=expected,
        )
        _gaps_visibility(run, store)
        code, secs, _, err = _run([tiaokuai, "clear", "--yes"], env)
        left = store.driver.execute_query(
            "MATCH (n) WHERE NOT n:Meta RETURN count(n) AS n", database_=store.database
        ).records[0]["n"]
        run.put(neo4j_clear_1m_ok=code == 0 and left == 0, neo4j_clear_1m_s=secs)
        run.say(f"neo4j clear: exit {code}, {secs:.1f} s, {left} nodes left")
    finally:
        store.close()


def _gaps_visibility(run: Any, store: Any) -> None:
    from graph.rules import gaps

    plain_read = store._read

    def read_without(query: str, doing: str, **params: Any) -> list[Any]:
        return plain_read(without_visibility(query), doing, **params)

    def timed(without: bool) -> float:
        store._read = read_without if without else plain_read
        try:
            start = time.perf_counter()
            found = gaps(store, YEAR)
            took = time.perf_counter() - start
        finally:
            store._read = plain_read
        answers.setdefault(without, found)
        return took

    answers: dict[bool, Any] = {}
    timed(True), timed(False)  # warm-up: plans cached, page cache filled
    with_v: list[float] = []
    without_v: list[float] = []
    for _ in range(3):
        without_v.append(timed(True))
        with_v.append(timed(False))
    same = answers[True] == answers[False]
    ratio = statistics.median(with_v) / statistics.median(without_v)
    run.put(
        neo4j_gaps_with_visibility_s=statistics.median(with_v),
        neo4j_gaps_without_visibility_s=statistics.median(without_v),
        neo4j_gaps_with_visibility_vs_without=ratio if same else None,
    )
    run.say(
        f"neo4j gaps {YEAR}: {statistics.median(with_v):.2f} s with the visibility predicate, "
        f"{statistics.median(without_v):.2f} s without ({ratio:.2f}x; same answers: {same})"
    )


def bench_bulk(run: Any, tiaokuai: str, clear: Any, open_store: Any) -> None:
    """``neo4j_bulk_vs_admin_import`` (see the module docstring). Leaves the server running, ready
    (``scripts/neo4j start`` returns once it answers a query) and empty: the data directory is
    deleted after the baseline import, which is quicker than a transactional clear of 1M links."""
    from pathlib import Path

    uri = run.neo4j_uri
    scale = min(run.plan.national_scale, BULK_SCALE)
    folder, csvs = run.work / "bulk-ledgers", run.work / "bulk-csv"
    env = {**os.environ, "TIAOKUAI_STORE": uri, "TIAOKUAI_BULK_DIR": str(csvs)}
    code, _, _, err = _run(
        [tiaokuai, "sample", "--national", "--scale", str(scale), "--seed", str(run.plan.seed), "--out",
         str(folder)], env,
    )  # fmt: skip
    if code:
        raise RuntimeError(f"tiaokuai sample --national failed: {err[-500:]}")
    store = open_store(uri)
    try:
        clear(store)
    finally:
        store.close()
    loadavg = os.getloadavg()[0]
    # not --quiet: the summary line carries the step timings (no progress bar: stderr is a pipe)
    code, bulk_s, _, err = _run([tiaokuai, "load", "--bulk", str(folder)], env)
    if code:
        raise RuntimeError(f"tiaokuai load --bulk failed: {err[-1000:]}")
    found = _BULK_STEPS.search(err)
    steps = {k: float(v) for k, v in found.groupdict().items()} if found else {}
    store = open_store(uri)
    try:
        links = store.driver.execute_query(
            "MATCH ()-[r]->() WHERE r.year IS NOT NULL RETURN count(r) AS n", database_=store.database
        ).records[0]["n"]
    finally:
        store.close()
    script = str(Path(__file__).resolve().parents[1] / "scripts" / "neo4j")
    subprocess.run([script, "stop"], env=env, check=True, capture_output=True)
    code, admin_s, _, err = _run([script, "admin-import", str(csvs)], env)
    subprocess.run([script, "clear"], env=env, check=True, capture_output=True)
    subprocess.run([script, "start"], env=env, check=True, capture_output=True)
    if code:
        raise RuntimeError(f"scripts/neo4j admin-import failed: {err[-1000:]}")
    store = open_store(uri)
    try:  # the restarted server answers over Bolt, empty
        left = store.driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=store.database)
        if left.records[0]["n"]:
            raise RuntimeError("the database is not empty after scripts/neo4j clear")
    finally:
        store.close()
    run.put(
        neo4j_bulk_s=bulk_s, neo4j_bulk_admin_import_s=admin_s, neo4j_bulk_links=links,
        neo4j_bulk_vs_admin_import=bulk_s / admin_s, neo4j_bulk_loadavg=loadavg,
        **{f"neo4j_bulk_{k}_s": v for k, v in steps.items()},
    )  # fmt: skip
    if steps:
        run.put(neo4j_bulk_read_validate_s=bulk_s - sum(steps.values()))
    run.say(
        f"neo4j load --bulk of {links:,} links: {bulk_s:.1f} s end to end, neo4j-admin import alone "
        f"{admin_s:.1f} s ({bulk_s / admin_s:.2f}x; load average {loadavg:.1f}); steps: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
    )
