"""Benchmarks at national scale, each beside its baseline in the same run.

    .venv/bin/python bench/run.py --quick --out bench-quick.json           # < 20 min on 2 cores
    .venv/bin/python bench/run.py --out bench-full.json                    # the full run
    .venv/bin/python bench/run.py --smoke --out /tmp/smoke.json            # seconds: checks the harness

Neo4j: ``--neo4j URI`` (default ``$TIAOKUAI_BENCH_NEO4J_URI``, else ``$TIAOKUAI_TEST_NEO4J_URI``,
else ``bolt://127.0.0.1:7687``); ``--no-neo4j`` skips every Neo4j benchmark. **The benchmark
empties that database** (like the test suite does): point it at a development server only. It
refuses a non-loopback URI unless ``--allow-remote`` is given.

Writes one JSON object (flat keys, ``targets`` with pass/fail, ``meta`` with the machine and the
exact parameters) and prints a readable summary. See docs/performance.md for what each key means.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from boltcount import BoltCounter, CountingStore  # noqa: E402
from common import (  # noqa: E402
    REPO,
    Clock,
    free_port,
    machine,
    median,
    percentile,
    pid_listening_on,
    python,
    repeat,
    stop,
    wait_http,
)
from peer_bench import bench_peer  # noqa: E402

YEAR = 2021  # the middle year: about 200,000 links at scale 1

LOOKUP_QUERY = "query($id: ID!) { unit(id: $id) { id name nameEn kind level regionCode parentId } }"
ITEMS_QUERY = """query {
  units(kind: TAX_BUREAU, first: 1000) {
    totalCount
    edges { node { id name level parent { id name } region { code name } children { totalCount } } }
  }
}"""
COVERAGE_QUERY = """query($year: Int!) {
  coverage(year: $year) {
    expected met ratio
    byLevel { level expected met ratio }
    byRule { rule expected met ratio }
  }
}"""

#: the same properties as Neo4jStore.write stores (no ``family``: the relationship type says it)
PER_ROW_MERGE = """MATCH (s:Unit {id: $source_id}), (t:Unit {id: $target_id})
MERGE (s)-[r:%s {id: $id}]->(t)
SET r.kind = $kind, r.date = $date, r.year = $year, r.count = $count,
    r.participants = $participants, r.title = $title"""

#: (key, comparison, bound): the issue's targets, checked into the JSON
TARGETS: list[tuple[str, str, float]] = [
    ("neo4j_load_links_per_s", ">=", 20_000),
    ("neo4j_load_vs_per_row", ">=", 30),
    # issue 19: a national load with one `tiaokuai load`
    ("neo4j_load_vs_single_stream", ">=", 1.3),
    ("neo4j_bulk_vs_admin_import", "<=", 1.3),
    ("neo4j_load_client_rss_mb", "<=", 400),
    ("neo4j_gaps_with_visibility_vs_without", "<=", 1.15),
    ("graphql_lookup_p50_vs_driver", "<=", 1.5),
    ("bolt_roundtrips_per_request_1000_items", "<=", 2),
    ("gaps_national_embedded_s", "<=", 2.0),
    ("gaps_national_neo4j_s", "<=", 3.0),
    ("serve_errors_16_clients", "<=", 0),
    ("serve_errors_16_clients_neo4j", "<=", 0),
    ("embedded_load_vs_sqlite_executemany", ">=", 0.5),
    ("embedded_small_load_vs_empty", "<=", 3),
    ("embedded_gaps_vs_sql_floor", "<=", 1.5),
    ("embedded_rss_mb_1m_links", "<=", 200),
    ("embedded_open_ms_1m_links", "<=", 50),
    # the worst question of bench/peer_bench.py (per-question keys beside them)
    ("graphql_vs_neo4j_graphql_p50", "<=", 1.0),
    ("graphql_vs_neo4j_graphql_rps", ">=", 1.0),
    # issue 18: what a scope costs (bench/scope_bench.py), per store
    ("serve_scoped_vs_unscoped_p50", "<=", 1.3),
    ("serve_scoped_vs_unscoped_p50_neo4j", "<=", 1.3),
]

#: every key the JSON always has (None when a benchmark was skipped or failed)
REQUIRED_KEYS = [
    "neo4j_load_links_per_s",
    "neo4j_load_vs_per_row",
    "neo4j_load_national_one_invocation_ok",
    "neo4j_load_vs_single_stream",
    "neo4j_bulk_vs_admin_import",
    "neo4j_load_client_rss_mb",
    "neo4j_clear_1m_ok",
    "neo4j_gaps_with_visibility_vs_without",
    "embedded_load_links_per_s",
    "loaders_read_validate_links_per_s",
    "graphql_lookup_p50_vs_driver",
    "graphql_lookup_p99_vs_driver",
    "bolt_roundtrips_per_request_1000_items",
    "gaps_national_embedded_s",
    "gaps_national_neo4j_s",
    "coverage_national_embedded_s",
    "coverage_national_neo4j_s",
    "embedded_rss_mb_per_100k_links",
    "serve_rps_16_clients",
    "serve_p99_ms_16_clients",
    "serve_errors_16_clients",
    "serve_rps_16_clients_neo4j",
    "serve_p99_ms_16_clients_neo4j",
    "serve_errors_16_clients_neo4j",
    "embedded_load_vs_sqlite_executemany",
    "embedded_small_load_vs_empty",
    "embedded_gaps_vs_sql_floor",
    "embedded_rss_mb_1m_links",
    "embedded_open_ms_1m_links",
]


@dataclass
class Plan:
    """Sizes and durations of one run (``--quick``, ``--smoke`` or full)."""

    mode: str
    national_scale: float  # generator, embedded load, national gaps/coverage (both stores)
    loader_scale: float  # CSV written and read back by the loaders
    serve_scale: float  # the store behind the 16-client serve test
    rule_reps: int  # repetitions of gaps/coverage (median reported)
    per_row_rows: int  # one-write-per-row baseline
    lookup_requests: int  # per server, interleaved
    serve_seconds: float
    neo4j_links_per_write: int = 100_000  # links per Neo4jStore.write call (one transaction each)
    clients: int = 16
    seed: int = 1

    @classmethod
    def for_mode(cls, mode: str, scale: float | None) -> Plan:
        if mode == "smoke":
            plan = cls(mode, 0.002, 0.002, 0.002, 1, 50, 20, 2.0)
        elif mode == "quick":
            plan = cls(mode, 1.0, 0.1, 0.05, 3, 1_000, 400, 20.0)
        else:
            plan = cls(mode, 1.0, 1.0, 0.05, 5, 5_000, 2_000, 60.0)
        if scale is not None:
            plan.national_scale = scale
            plan.loader_scale = min(plan.loader_scale, scale)
            plan.serve_scale = min(plan.serve_scale, scale)
        return plan


@dataclass
class Run:
    plan: Plan
    work: Path
    neo4j_uri: str | None
    profile_dir: Path | None
    results: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    national: Any = None
    neo4j_pid: int | None = None

    def put(self, **values: Any) -> None:
        for k, v in values.items():
            if isinstance(v, float):
                v = round(v, 6) if math.isfinite(v) else None
            self.results[k] = v

    def say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)

    def profiled(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` under pyinstrument when --profile is given (text report in the profile dir)."""
        if self.profile_dir is None:
            return fn()
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.002)
        profiler.start()
        try:
            return fn()
        finally:
            profiler.stop()
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            text = profiler.output_text(unicode=False, color=False, show_all=False)
            (self.profile_dir / f"{name}.txt").write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Embedded store and loaders
# ---------------------------------------------------------------------------------------------


def bench_generate(run: Run) -> None:
    from graph.synthetic.national import build_national

    with Clock() as c:
        run.national = build_national(run.plan.national_scale, run.plan.seed)
    d = run.national
    run.put(
        national_regions=len(d.regions),
        national_units=len(d.units),
        national_links=len(d.links),
        national_bureaus=sum(1 for u in d.units if u.kind == "tax_bureau"),
        national_links_in_year=sum(1 for lk in d.links if lk.date.year == YEAR),
        generate_s=c.wall,
        generate_links_per_s=len(d.links) / c.wall,
    )
    run.say(f"generated {len(d.units):,} units, {len(d.links):,} links in {c.wall:.1f} s")


def bench_embedded_load(run: Run) -> None:
    from graph.store.embedded import EmbeddedStore

    path = run.work / "national.tkg"
    store = EmbeddedStore(path)
    with Clock() as c:
        store.write(run.national)
    n = len(run.national.links)
    run.put(
        embedded_load_s=c.wall,
        embedded_load_cpu_s=c.cpu,
        embedded_load_links_per_s=n / c.wall,
        embedded_file_mb=path.stat().st_size / 2**20,
    )
    run.say(f"embedded write: {n:,} links in {c.wall:.1f} s ({n / c.wall:,.0f}/s)")


def bench_embedded_rules(run: Run) -> None:
    from graph import rules
    from graph.store.embedded import EmbeddedStore

    store = EmbeddedStore(run.work / "national.tkg")
    with Clock() as c:
        store.count_units()  # reads and indexes the file
    run.put(embedded_open_s=c.wall)
    reps = run.plan.rule_reps
    gaps, gc = repeat(lambda: rules.gaps(store, YEAR), reps)
    cov, cc = repeat(lambda: rules.coverage(store, YEAR), reps)
    run.profiled("gaps_embedded", lambda: rules.gaps(store, YEAR))
    # the target: the first call in a fresh process (one `tiaokuai gaps` run), each in its own
    # process so that no memo from an earlier call helps; the repeats above are memoised calls
    first = {
        what: [_first_call(run.work / "national.tkg", what) for _ in range(reps)]
        for what in ("gaps", "coverage")
    }
    run.put(
        gaps_national_embedded_s=median([f["call_s"] for f in first["gaps"]]),
        gaps_national_embedded_cpu_s=median([f["call_cpu_s"] for f in first["gaps"]]),
        coverage_national_embedded_s=median([f["call_s"] for f in first["coverage"]]),
        coverage_national_embedded_cpu_s=median([f["call_cpu_s"] for f in first["coverage"]]),
        embedded_open_fresh_process_s=median([f["open_s"] for f in first["gaps"] + first["coverage"]]),
        gaps_national_embedded_repeat_s=median([c.wall for c in gc]),
        coverage_national_embedded_repeat_s=median([c.wall for c in cc]),
        national_gaps_in_year=len(gaps),
        national_requirements_in_year=cov.expected,
        national_coverage_ratio=cov.ratio,
    )
    run.say(
        f"embedded open {run.results['embedded_open_s']:.1f} s; gaps {YEAR}: "
        f"{run.results['gaps_national_embedded_s']:.2f} s first call in a fresh process, "
        f"{run.results['gaps_national_embedded_repeat_s']:.2f} s repeated ({len(gaps):,} gaps), "
        f"coverage {run.results['coverage_national_embedded_s']:.2f} s"
    )


def _servers_json(*args: str) -> Any:
    """Run ``bench/servers.py ARGS`` in a fresh process and return the JSON of its last line."""
    out = subprocess.run(
        [python(), str(REPO / "bench" / "servers.py"), *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _first_call(path: Path, what: str) -> dict[str, float]:
    return _servers_json("first-call", str(path), what, str(YEAR))  # type: ignore[no-any-return]


def bench_loaders(run: Run) -> None:
    from graph.store.embedded import EmbeddedStore
    from graph.synthetic.national import write_national
    from loaders import build_dataset, load_paths, read_ledgers

    folder = run.work / "ledgers"
    paths = write_national(folder, run.plan.loader_scale, run.plan.seed)
    with Clock() as c:
        parsed = read_ledgers([folder])
        dataset, _ = build_dataset(parsed, EmbeddedStore(run.work / "empty.tkg"))
    n = len(dataset.links)
    store_path = run.work / "loaded.tkg"
    with Clock() as c2:
        report = load_paths(EmbeddedStore(store_path), [folder])
    run.put(
        loaders_links=n,
        loaders_csv_mb=sum(p.stat().st_size for p in paths) / 2**20,
        loaders_read_validate_s=c.wall,
        loaders_read_validate_links_per_s=n / c.wall,
        loaders_load_embedded_links_per_s=report.links / c2.wall,
    )
    run.say(f"loaders: read+validate {n:,} links in {c.wall:.1f} s; load_paths into embedded {c2.wall:.1f} s")


def _baseline_executemany(path: Path, d: Any) -> Clock:
    """The baseline of a load: a bare ``executemany`` of the same rows, built beforehand, into the
    same tables (the store's schema, indexes and settings) of a fresh file, in one transaction."""
    import json
    import sqlite3

    from graph.model import Dataset
    from graph.store.embedded import EmbeddedStore

    with EmbeddedStore(path) as store:
        store.write(Dataset())  # creates the file with the store's schema (nothing to write)
    regions = [(r.code, r.name, r.level, r.parent_code) for r in d.regions]
    units = [(u.id, u.name, u.kind, u.level, u.region_code, u.parent_id, u.name_en,
              json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else None, u.system)
             for u in d.units]  # fmt: skip
    links = [(lk.id, lk.kind, lk.family, lk.date.isoformat(), lk.date.year, lk.source_id, lk.target_id,
              lk.count, lk.participants, lk.title, lk.source_file, lk.source_row) for lk in d.links]  # fmt: skip
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    with Clock() as c:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO regions VALUES (?, ?, ?, ?)", regions)
        conn.executemany(
            "INSERT INTO units (id, name, kind, level, region_code, parent_id, name_en, extra, system) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            units,
        )
        conn.executemany(
            "INSERT INTO links (id, kind, family, date, year, source_id, target_id, count, participants, "
            "title, source_file, source_row) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            links,
        )
        conn.execute("COMMIT")
    conn.close()
    return c


def _small_loads(run: Run, store_path: Path, tag: str, batches: list[Any]) -> list[Clock]:
    """``load_paths`` of each batch (1,000 links as ledger CSV) into the store, a fresh store object
    each time (as a `tiaokuai load` run, closing included): the clock of each."""
    from graph.store.embedded import EmbeddedStore
    from graph.synthetic.national import write_dataset_csv
    from loaders import load_paths

    times = []
    for i, batch in enumerate(batches):
        folder = run.work / f"small-{tag}-{i}"
        folder.mkdir()
        write_dataset_csv(batch, folder)
        with Clock() as c, EmbeddedStore(store_path) as store:
            report = load_paths(store, [folder])
        assert report.links_created == len(batch.links), (report.links_created, len(batch.links))
        times.append(c)
    return times


def bench_embedded(run: Run) -> None:
    """The SQLite embedded store (issue 16): each figure against a baseline measured in this run."""
    import random as _random
    import shutil
    from dataclasses import replace

    from graph.model import Dataset
    from graph.store.embedded import EmbeddedStore

    d = run.national
    reps = run.plan.rule_reps
    n = len(d.links)
    # 1. the national load against a bare executemany of the same rows into the same tables
    path = run.work / "sqlite-national.tkg"
    with EmbeddedStore(path) as store, Clock() as load:
        store.write(d)
    base = _baseline_executemany(run.work / "sqlite-baseline.tkg", d)
    (run.work / "sqlite-baseline.tkg").unlink()
    run.put(
        embedded_sqlite_load_s=load.wall,
        embedded_sqlite_load_cpu_s=load.cpu,
        embedded_sqlite_load_links_per_s=n / load.wall,
        embedded_sqlite_executemany_s=base.wall,
        embedded_sqlite_executemany_cpu_s=base.cpu,
        embedded_load_vs_sqlite_executemany=base.wall / load.wall,
        embedded_sqlite_file_mb=path.stat().st_size / 2**20,
    )
    run.say(f"sqlite load: {n:,} links in {load.wall:.1f} s; bare executemany {base.wall:.1f} s "
            f"({base.wall / load.wall:.2f}x)")  # fmt: skip

    # 2. 1,000 new links into the national store against the same into a store of the same units
    #    and no links: a new month's ledger (ids in the generator's scheme after the stored ones,
    #    dated in the next year, between random units); and, harder, 1,000 links scattered over the
    #    store's years and id range (each id a stored one's neighbour + "-n"). Each repetition
    #    loads another 1,000.
    rng = _random.Random(run.plan.seed)
    last = max(lk.date.year for lk in d.links)
    fresh, scattered = [], []
    for i in range(reps):
        picked = rng.sample(d.links, min(1000, n))
        fresh.append(Dataset(links=[
            replace(lk, id=f"L{last + 1}-{i:02d}{j:05d}", date=lk.date.replace(year=last + 1, day=min(lk.date.day, 28)),
                    source_file=None, source_row=None)
            for j, lk in enumerate(picked)
        ]))  # fmt: skip
        picked = rng.sample(d.links, min(1000, n))
        scattered.append(Dataset(links=[replace(lk, id=f"{lk.id}-n{i}", source_file=None, source_row=None)
                                        for lk in picked]))  # fmt: skip
    empty = run.work / "sqlite-units-only.tkg"
    with EmbeddedStore(empty) as store:
        store.write(Dataset(regions=d.regions, units=d.units))
    into_empty = _small_loads(run, empty, "empty", fresh)
    into_big = _small_loads(run, path, "big", fresh)
    empty.unlink()
    with EmbeddedStore(empty) as store:
        store.write(Dataset(regions=d.regions, units=d.units))
    scattered_empty = _small_loads(run, empty, "empty-scattered", scattered)
    scattered_big = _small_loads(run, path, "big-scattered", scattered)
    empty.unlink()

    def wall(clocks: list[Clock]) -> float:
        return median([c.wall for c in clocks])

    def cpu(clocks: list[Clock]) -> float:
        return median([c.cpu for c in clocks])

    run.put(
        embedded_small_load_big_s=wall(into_big),
        embedded_small_load_empty_s=wall(into_empty),
        embedded_small_load_vs_empty=wall(into_big) / wall(into_empty),
        embedded_small_load_big_cpu_s=cpu(into_big),
        embedded_small_load_empty_cpu_s=cpu(into_empty),
        embedded_small_load_vs_empty_cpu=cpu(into_big) / cpu(into_empty),
        embedded_small_load_scattered_big_s=wall(scattered_big),
        embedded_small_load_scattered_empty_s=wall(scattered_empty),
        embedded_small_load_scattered_vs_empty=wall(scattered_big) / wall(scattered_empty),
        embedded_small_load_scattered_vs_empty_cpu=cpu(scattered_big) / cpu(scattered_empty),
    )
    run.say(f"1,000 new links: into the {n:,}-link store {wall(into_big):.2f} s, into an empty one "
            f"{wall(into_empty):.2f} s; scattered over the store: {wall(scattered_big):.2f} s "
            f"vs {wall(scattered_empty):.2f} s")  # fmt: skip

    # 3. a year's gaps (first call in a fresh process) against the SQL floor (fresh process too),
    #    alternated; 4. the peak RSS of those gaps processes
    gaps, floor = [], []
    for _ in range(reps):
        gaps.append(_first_call(path, "gaps"))
        floor.append(_servers_json("sql-floor", str(path), str(YEAR)))
    run.put(
        embedded_gaps_s=median([g["call_s"] for g in gaps]),
        embedded_gaps_cpu_s=median([g["call_cpu_s"] for g in gaps]),
        embedded_sql_floor_s=median([f["call_s"] for f in floor]),
        embedded_sql_floor_cpu_s=median([f["call_cpu_s"] for f in floor]),
        embedded_sql_floor_rows=floor[0]["rows"],
        embedded_sql_floor_plan=floor[0]["plan"],
        embedded_gaps_vs_sql_floor=median([g["call_s"] for g in gaps]) / median([f["call_s"] for f in floor]),
        embedded_gaps_vs_sql_floor_cpu=median([g["call_cpu_s"] for g in gaps])
        / median([f["call_cpu_s"] for f in floor]),
        embedded_rss_mb_1m_links=max(g["peak_mb"] for g in gaps),
        embedded_open_for_gaps_s=median([g["open_s"] for g in gaps]),
    )
    # 5. opening the store and answering one unit's stats, in a fresh process (imports excluded)
    units = [u.id for u in d.units if u.kind == "tax_bureau"]
    opens = [_servers_json("open-unit", str(path), rng.choice(units), str(YEAR)) for _ in range(max(5, reps))]
    run.put(
        embedded_open_ms_1m_links=median([o["open_ms"] for o in opens]),
        embedded_open_ms_max=max(o["open_ms"] for o in opens),
    )
    run.say(
        f"sqlite gaps {YEAR}: {run.results['embedded_gaps_s']:.2f} s vs SQL floor "
        f"{run.results['embedded_sql_floor_s']:.2f} s; peak RSS {run.results['embedded_rss_mb_1m_links']:.0f} MB; "
        f"open + unit stats {run.results['embedded_open_ms_1m_links']:.1f} ms"
    )
    shutil.rmtree(run.work / "ledgers", ignore_errors=True)


def bench_embedded_rss(run: Run) -> None:
    """RSS growth of a fresh process opening each embedded store; the slope between two sizes when
    there are two (fixed costs cancel), else growth / links."""
    points = []
    for name in ("loaded.tkg", "national.tkg"):
        path = run.work / name
        if not path.exists():
            continue
        points.append(_servers_json("rss", str(path)))
    big = points[-1]
    growth = big["rss_after_mb"] - big["rss_before_mb"]
    run.put(
        embedded_rss_growth_mb=growth,
        embedded_rss_peak_mb=big["peak_mb"],
        embedded_rss_links=big["links"],
        embedded_rss_mb_per_100k_links=growth / big["links"] * 100_000,
    )
    if len(points) == 2 and points[1]["links"] > points[0]["links"]:
        a, b = points
        slope = (b["rss_after_mb"] - a["rss_after_mb"]) / (b["links"] - a["links"]) * 100_000
        run.put(embedded_rss_slope_mb_per_100k_links=slope)
    run.say(f"embedded RSS: +{growth:,.0f} MB for {big['links']:,} links")


# ---------------------------------------------------------------------------------------------
# Neo4j
# ---------------------------------------------------------------------------------------------


def _neo4j_store(run: Run) -> Any:
    from graph.store import open_store

    assert run.neo4j_uri
    return open_store(run.neo4j_uri)


#: relationships first: graph.store.cypher.CLEAR_DATABASE (DETACH DELETE of 10,000 nodes per
#: transaction) exceeds the transaction memory pool of a 2 GB heap once committees have thousands
#: of links each, as at national scale
CLEAR_STATEMENTS = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS",
    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)


def _clear(store: Any) -> None:
    """Empty the database (auto-commit queries: CALL … IN TRANSACTIONS needs them)."""
    with store.driver.session(database=store.database) as session:
        for statement in CLEAR_STATEMENTS:
            session.run(statement).consume()


def _delete_links(store: Any, links: list[Any]) -> None:
    from graph.model.vocabulary import vocabulary

    vocab = vocabulary()
    by_rel: dict[str, list[str]] = {}
    for lk in links:
        by_rel.setdefault(vocab.rel_type(lk.family), []).append(lk.id)
    for rel, ids in by_rel.items():
        store.driver.execute_query(
            f"UNWIND $ids AS id MATCH ()-[r:{rel} {{id: id}}]->() DELETE r",
            {"ids": ids},
            database_=store.database,
        )


def _per_row(store: Any, links: list[Any]) -> None:
    """The naive client: one MERGE statement per row, each in its own managed transaction."""
    from graph.model.vocabulary import vocabulary

    vocab = vocabulary()
    driver = store.driver
    for lk in links:
        driver.execute_query(
            PER_ROW_MERGE % vocab.rel_type(lk.family),
            {
                "source_id": lk.source_id, "target_id": lk.target_id, "id": lk.id, "kind": lk.kind,
                "date": lk.date, "year": lk.date.year, "count": lk.count,
                "participants": lk.participants, "title": lk.title,
            },
            database_=store.database,
        )  # fmt: skip


def bench_neo4j_load(run: Run) -> None:
    """The command-line loads (issue 19) first: they end with an empty database and the bulk step
    restarts the server. The in-process load comes last because it leaves the national data in
    place for the steps after this one (rules, lookups, serve)."""
    from neo4j_national import bench_bulk, bench_national_load

    from graph.model import Dataset
    from graph.store import open_store

    for name, part in (("neo4j_national_load", bench_national_load), ("neo4j_bulk", bench_bulk)):
        try:
            part(run, tiaokuai(), _clear, open_store)
        except Exception as exc:  # noqa: BLE001 - recorded under its own name; the in-process load still runs
            run.errors[name] = f"{type(exc).__name__}: {exc}"
            run.say(f"{name} FAILED: {type(exc).__name__}: {exc}")
            traceback.print_exc()
    run.neo4j_pid = pid_listening_on(urlsplit(run.neo4j_uri or "").port or 7687)  # bulk restarted it
    d = run.national
    store = _neo4j_store(run)
    try:
        store.ping()
        _clear(store)
        with Clock(run.neo4j_pid) as cu:
            store.write(Dataset(regions=d.regions, units=d.units))
        subset = d.links[: min(run.plan.per_row_rows, len(d.links))]
        with Clock(run.neo4j_pid) as cb:
            store.write(Dataset(links=subset))
        _delete_links(store, subset)
        with Clock(run.neo4j_pid) as cp:
            _per_row(store, subset)
        _delete_links(store, subset)
        size = run.plan.neo4j_links_per_write or len(d.links)
        chunks = [d.links[i : i + size] for i in range(0, len(d.links), size)]

        def load_all() -> int:
            return sum(store.write(Dataset(links=chunk)).links_created for chunk in chunks)

        with Clock(run.neo4j_pid) as cf:
            created = run.profiled("neo4j_write", load_all)
        n, k = len(d.links), len(subset)
        per_row = k / cp.wall
        run.put(
            neo4j_load_units_s=cu.wall,
            neo4j_load_s=cf.wall,
            neo4j_load_client_cpu_s=cf.cpu,
            neo4j_load_server_cpu_s=cf.server_cpu,
            neo4j_load_links_per_s=n / cf.wall,
            neo4j_load_links_created=created,
            neo4j_load_write_calls=len(chunks),
            neo4j_load_links_per_write=size,
            neo4j_per_row_rows=k,
            neo4j_per_row_links_per_s=per_row,
            neo4j_per_row_client_cpu_s=cp.cpu,
            neo4j_per_row_server_cpu_s=cp.server_cpu,
            neo4j_batched_same_rows_links_per_s=k / cb.wall,
            neo4j_load_vs_per_row=(n / cf.wall) / per_row,
            neo4j_load_vs_per_row_same_rows=(k / cb.wall) / per_row,
        )
        run.say(
            f"neo4j load: {n:,} links in {cf.wall:.1f} s ({n / cf.wall:,.0f}/s); per-row {per_row:,.0f}/s "
            f"on {k:,} rows; batched on the same rows {k / cb.wall:,.0f}/s"
        )
    finally:
        store.close()


def bench_neo4j_rules(run: Run) -> None:
    from graph import rules

    store = _neo4j_store(run)
    try:
        rules.gaps(store, YEAR)  # warm the page cache and the query plans
        reps = run.plan.rule_reps
        gaps, gc = repeat(lambda: rules.gaps(store, YEAR), reps, run.neo4j_pid)
        cov, cc = repeat(lambda: rules.coverage(store, YEAR), reps, run.neo4j_pid)
        run.profiled("gaps_neo4j", lambda: rules.gaps(store, YEAR))
        run.put(
            gaps_national_neo4j_s=median([c.wall for c in gc]),
            gaps_national_neo4j_client_cpu_s=median([c.cpu for c in gc]),
            gaps_national_neo4j_server_cpu_s=median([c.server_cpu for c in gc]),
            coverage_national_neo4j_s=median([c.wall for c in cc]),
            neo4j_gaps_match_embedded=(
                len(gaps) == run.results.get("national_gaps_in_year")
                and cov.expected == run.results.get("national_requirements_in_year")
            ),
        )
        run.say(
            f"neo4j gaps {YEAR}: {run.results['gaps_national_neo4j_s']:.2f} s, "
            f"coverage {run.results['coverage_national_neo4j_s']:.2f} s"
        )
    finally:
        store.close()


def bench_bolt_roundtrips(run: Run) -> None:
    """One GraphQL request for 1,000 units with parent, region and children{totalCount}, served
    in-process (ASGI) so that the driver's socket can be watched."""
    import httpx

    from graph.api import create_app
    from graph.config import load_settings

    store = _neo4j_store(run)
    counting = CountingStore(store)
    # (a budget for this 1,000-unit query, and no answer cache: the round trips are measured)
    settings = load_settings(max_page_size=1000, graphiql=False, max_cost=100_000, cache_mb=0)
    app = create_app(settings, counting)  # type: ignore[arg-type]

    async def go() -> tuple[dict[str, Any], int, int, dict[str, int], float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as client:
            await client.post("/graphql", json={"query": ITEMS_QUERY})  # warm the pool and plans
            with BoltCounter() as bolt:
                counting.reset()
                bolt.reset()
                t = time.perf_counter()
                resp = await client.post("/graphql", json={"query": ITEMS_QUERY})
                took = time.perf_counter() - t
                return resp.json(), bolt.round_trips, bolt.sends, dict(counting.calls), took

    try:
        body, trips, sends, calls, took = asyncio.run(go())
    finally:
        store.close()
    if body.get("errors"):
        raise RuntimeError(f"GraphQL errors: {body['errors'][:2]}")
    items = len(body["data"]["units"]["edges"])
    run.put(
        bolt_roundtrips_per_request_1000_items=trips,
        bolt_sends_per_request_1000_items=sends,
        store_calls_per_request_1000_items=sum(calls.values()),
        store_calls_by_method_1000_items=calls,
        items_returned_1000_items=items,
        request_ms_1000_items=took * 1000,
    )
    run.say(f"1,000-item query: {trips} Bolt round trips, store calls {calls}, {took * 1000:.0f} ms")


def tiaokuai() -> str:
    """The ``tiaokuai`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "tiaokuai"
    return str(script) if script.exists() else "tiaokuai"


def _start_serve(run: Run, store: str, name: str) -> tuple[subprocess.Popen[Any], str]:
    port = free_port()
    env = {
        **os.environ,
        "TIAOKUAI_GRAPHIQL": "false",
        "TIAOKUAI_MAX_PAGE_SIZE": "1000",
        "TIAOKUAI_LOG_FORMAT": "json",
    }
    log = (run.work / f"{name}.log").open("w")
    proc = subprocess.Popen(
        [tiaokuai(), "serve", "--store", store, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", timeout=600, proc=proc)
    return proc, base


def bench_graphql_lookup(run: Run) -> None:
    import httpx

    assert run.neo4j_uri
    gql, gql_base = _start_serve(run, run.neo4j_uri, "serve-lookup")
    port = free_port()
    drv = subprocess.Popen(
        [python(), str(REPO / "bench" / "servers.py"), "driver", "--uri", run.neo4j_uri, "--port", str(port)],
        stdout=(run.work / "driver.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    drv_base = f"http://127.0.0.1:{port}"
    try:
        wait_http(drv_base + "/healthz", proc=drv)
        rng = random.Random(run.plan.seed)
        ids = [u.id for u in run.national.units]
        g_times: list[float] = []
        d_times: list[float] = []
        bad = 0
        with httpx.Client(timeout=60) as client:

            def graphql(uid: str) -> float:
                t = time.perf_counter()
                r = client.post(gql_base + "/graphql", json={"query": LOOKUP_QUERY, "variables": {"id": uid}})
                took = time.perf_counter() - t
                body = r.json()
                if r.status_code != 200 or body.get("errors") or body["data"]["unit"]["id"] != uid:
                    raise RuntimeError(f"GraphQL lookup of {uid} failed: {r.status_code} {body}")
                return took

            def driver(uid: str) -> float:
                t = time.perf_counter()
                r = client.get(f"{drv_base}/unit/{uid}")
                took = time.perf_counter() - t
                if r.status_code != 200 or r.json()["unit"]["id"] != uid:
                    raise RuntimeError(f"driver lookup of {uid} failed: {r.status_code}")
                return took

            for _ in range(30):  # warm both servers (connections, plans, code paths)
                uid = rng.choice(ids)
                graphql(uid)
                driver(uid)
            for i in range(run.plan.lookup_requests):
                uid = rng.choice(ids)
                try:
                    if i % 2:
                        g_times.append(graphql(uid))
                        d_times.append(driver(uid))
                    else:
                        d_times.append(driver(uid))
                        g_times.append(graphql(uid))
                except RuntimeError:
                    bad += 1
        gp50, dp50 = percentile(g_times, 50), percentile(d_times, 50)
        gp99, dp99 = percentile(g_times, 99), percentile(d_times, 99)
        run.put(
            graphql_lookup_requests=len(g_times),
            graphql_lookup_errors=bad,
            graphql_lookup_p50_ms=gp50 * 1000,
            graphql_lookup_p99_ms=gp99 * 1000,
            driver_lookup_p50_ms=dp50 * 1000,
            driver_lookup_p99_ms=dp99 * 1000,
            graphql_lookup_p50_vs_driver=gp50 / dp50,
            graphql_lookup_p99_vs_driver=gp99 / dp99,
        )
        run.say(
            f"lookup p50: GraphQL {gp50 * 1000:.2f} ms vs driver route {dp50 * 1000:.2f} ms "
            f"({gp50 / dp50:.2f}x); p99 {gp99 * 1000:.2f} vs {dp99 * 1000:.2f} ms"
        )
    finally:
        stop(gql)
        stop(drv)


async def _hammer(base: str, clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent loops posting the coverage query for ``seconds``."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    payload = {"query": COVERAGE_QUERY, "variables": {"year": YEAR}}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=max(120.0, seconds * 4), limits=limits) as client:
        await client.post("/graphql", json=payload)  # warm-up, not counted
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    r = await client.post("/graphql", json=payload)
                    body = r.json()
                    if r.status_code != 200 or body.get("errors"):
                        errors.append(f"{r.status_code} {str(body)[:200]}")
                        continue
                except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "errors": len(errors),
        "first_errors": errors[:3],
        "elapsed_s": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


def bench_serve(run: Run, on_neo4j: bool) -> None:
    from graph.model import Dataset
    from graph.store.embedded import EmbeddedStore
    from graph.synthetic.national import build_national

    plan = run.plan
    data = build_national(plan.serve_scale, plan.seed)
    if on_neo4j:
        store = _neo4j_store(run)
        try:
            _clear(store)
            store.write(Dataset(regions=data.regions, units=data.units, links=data.links))
        finally:
            store.close()
        location, suffix = run.neo4j_uri or "", "_neo4j"
    else:
        path = run.work / "serve.tkg"
        EmbeddedStore(path).write(data)
        location, suffix = str(path), ""
    proc, base = _start_serve(run, location, "serve-load" + suffix)
    try:
        out = asyncio.run(_hammer(base, plan.clients, plan.serve_seconds))
    finally:
        stop(proc)
    run.put(
        **{
            f"serve_rps_16_clients{suffix}": out["rps"],
            f"serve_p50_ms_16_clients{suffix}": out["p50_ms"],
            f"serve_p99_ms_16_clients{suffix}": out["p99_ms"],
            f"serve_errors_16_clients{suffix}": out["errors"],
            f"serve_requests_16_clients{suffix}": out["requests"],
            f"serve_links{suffix}": len(data.links),
        }
    )
    if out["first_errors"]:
        run.notes.append(f"serve{suffix} errors, first ones: {out['first_errors']}")
    run.say(
        f"serve{suffix} ({len(data.links):,} links, {plan.clients} clients, {plan.serve_seconds:.0f} s): "
        f"{out['rps']:.1f} req/s, p50 {out['p50_ms']:.0f} ms, p99 {out['p99_ms']:.0f} ms, "
        f"{out['errors']} errors"
    )


def bench_serve_limits(run: Run) -> None:
    """Issue 17's shared-service figures (bench/serve_limits.py) for each store, on the national
    set at the plan's serve scale (no suffix) and on the bundled sample (``_sample``); and issue 18's
    cost of a scope (bench/scope_bench.py) on the national set."""
    import scope_bench
    import serve_limits

    from graph.model import Dataset
    from graph.store.embedded import EmbeddedStore
    from graph.synthetic.national import build_national
    from graph.synthetic.sample import write_sample
    from loaders import load_paths

    plan = run.plan
    seconds = max(3.0, plan.serve_seconds / 2)
    national = build_national(plan.serve_scale, plan.seed)
    ledgers = run.work / "serve-limits-sample"
    write_sample(ledgers)

    def write_national(store: Any) -> None:
        store.write(Dataset(regions=national.regions, units=national.units, links=national.links))

    def write_bundled(store: Any) -> None:
        load_paths(store, [ledgers])

    national_prefecture = next(r.code for r in national.regions if r.level == "prefecture")
    for set_suffix, fill, prefecture in (
        ("", write_national, national_prefecture),
        ("_sample", write_bundled, "230700"),
    ):
        stores: list[tuple[str, str]] = []
        path = run.work / f"serve-limits{set_suffix}.tkg"
        fill(EmbeddedStore(path))
        stores.append(("", str(path)))
        if run.neo4j_uri:
            store = _neo4j_store(run)
            try:
                _clear(store)
                fill(store)
            finally:
                store.close()
            stores.append(("_neo4j", run.neo4j_uri))
        for store_suffix, location in stores:
            suffix = store_suffix + set_suffix
            out = serve_limits.measure(
                tiaokuai(),
                location,
                prefecture,
                run.work,
                f"{suffix or '_national'}",
                seconds,
                run.say,
                rounds=1 if plan.mode == "smoke" else 3,
            )
            run.put(**{f"{k}{suffix}": v for k, v in out.items() if k != "serve_limits_first_errors"})
            if not set_suffix:  # issue 18: a prefecture's key against an unscoped one (bench/scope_bench.py)
                try:
                    scoped = scope_bench.measure(
                        tiaokuai(), location, prefecture, run.work, store_suffix, run.say
                    )
                    run.put(**{f"{k}{store_suffix}": v for k, v in scoped.items()})
                except Exception as exc:  # noqa: BLE001 - the other serve figures still count
                    run.errors[f"scope{store_suffix}"] = f"{type(exc).__name__}: {exc}"
            if out.get("serve_limits_first_errors"):
                run.notes.append(
                    f"serve limits{suffix} errors, first ones: {out['serve_limits_first_errors']}"
                )


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def _check_targets(results: dict[str, Any]) -> dict[str, Any]:
    import serve_limits

    out = {}
    limits = [
        (key + suffix, op, bound)
        for key, op, bound in serve_limits.TARGETS
        for suffix in ("", "_neo4j", "_sample", "_neo4j_sample")
        if key + suffix in results
    ]
    for key, op, bound in [*TARGETS, *limits]:
        value = results.get(key)
        ok = None if value is None else (value >= bound if op == ">=" else value <= bound)
        out[key] = {"target": f"{op} {bound:g}", "value": value, "pass": ok}
    return out


def _neo4j_uri(args: argparse.Namespace) -> str | None:
    if args.no_neo4j:
        return None
    uri = (
        args.neo4j
        or os.environ.get("TIAOKUAI_BENCH_NEO4J_URI")
        or os.environ.get("TIAOKUAI_TEST_NEO4J_URI")
        or "bolt://127.0.0.1:7687"
    )
    host = urlsplit(uri).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1") and not args.allow_remote:
        sys.exit(f"refusing to empty the database at {uri}: not loopback (use --allow-remote to insist)")
    return uri


def _reachable(uri: str) -> str | None:
    """None when Neo4j answers, else the reason."""
    from graph.errors import TiaokuaiError
    from graph.store import open_store

    try:
        with open_store(uri) as store:
            store.ping()
    except TiaokuaiError as exc:
        return str(exc)
    return None


def _git_state() -> str | None:
    """HEAD of the checkout, with "+dirty" when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=REPO, capture_output=True).returncode
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def summary_lines(doc: dict[str, Any]) -> list[str]:
    r = doc

    def f(key: str, fmt: str = "{:,.2f}") -> str:
        v = r.get(key)
        return "n/a" if v is None else fmt.format(v)

    lines = [
        f"tiaokuai benchmarks ({doc['meta']['plan']['mode']}), {doc['meta']['started']}",
        f"machine: {doc['meta']['machine']['nproc']} CPUs ({doc['meta']['machine']['cpu_model']}), "
        f"{doc['meta']['machine']['mem_total_mb']:,} MB; load average at start "
        f"{doc['meta']['machine']['loadavg'][0]:.1f}, at end {doc['meta']['loadavg_end'][0]:.1f}",
        f"national data: {f('national_units', '{:,}')} units, {f('national_links', '{:,}')} links "
        f"(scale {doc['meta']['plan']['national_scale']}), generated in {f('generate_s')} s",
        "",
        f"  embedded load               {f('embedded_load_links_per_s', '{:,.0f}')} links/s",
        f"  loaders read+validate (CSV) {f('loaders_read_validate_links_per_s', '{:,.0f}')} links/s",
        f"  neo4j batched load          {f('neo4j_load_links_per_s', '{:,.0f}')} links/s "
        f"= {f('neo4j_load_vs_per_row', '{:,.1f}')}x per-row ({f('neo4j_per_row_links_per_s', '{:,.0f}')}/s)",
        f"  gaps {YEAR}, national        embedded {f('gaps_national_embedded_s')} s, "
        f"neo4j {f('gaps_national_neo4j_s')} s",
        f"  coverage {YEAR}, national    embedded {f('coverage_national_embedded_s')} s, "
        f"neo4j {f('coverage_national_neo4j_s')} s",
        f"  GraphQL unit(id) p50        {f('graphql_lookup_p50_ms')} ms vs driver {f('driver_lookup_p50_ms')} ms "
        f"= {f('graphql_lookup_p50_vs_driver')}x (p99 {f('graphql_lookup_p99_vs_driver')}x)",
        f"  1,000-item query            {f('bolt_roundtrips_per_request_1000_items', '{}')} Bolt round trips, "
        f"{f('store_calls_per_request_1000_items', '{}')} store calls",
        f"  embedded RSS                {f('embedded_rss_mb_per_100k_links', '{:,.0f}')} MB per 100k links",
        f"  sqlite load vs executemany  {f('embedded_load_vs_sqlite_executemany')}x "
        f"({f('embedded_sqlite_load_s')} s vs {f('embedded_sqlite_executemany_s')} s)",
        f"  sqlite 1,000-link load      {f('embedded_small_load_vs_empty')}x into 1M links vs empty",
        f"  sqlite gaps vs SQL floor    {f('embedded_gaps_vs_sql_floor')}x "
        f"({f('embedded_gaps_s')} s vs {f('embedded_sql_floor_s')} s)",
        f"  sqlite gaps peak RSS        {f('embedded_rss_mb_1m_links', '{:,.0f}')} MB; "
        f"open + unit stats {f('embedded_open_ms_1m_links', '{:,.1f}')} ms",
        f"  serve, 16 clients, embedded {f('serve_rps_16_clients', '{:,.1f}')} req/s, "
        f"p99 {f('serve_p99_ms_16_clients', '{:,.0f}')} ms, errors {f('serve_errors_16_clients', '{}')}",
        f"  serve, 16 clients, neo4j    {f('serve_rps_16_clients_neo4j', '{:,.1f}')} req/s, "
        f"p99 {f('serve_p99_ms_16_clients_neo4j', '{:,.0f}')} ms, errors {f('serve_errors_16_clients_neo4j', '{}')}",
        "",
        "targets:",
    ]
    for key, t in doc["targets"].items():
        mark = {True: "PASS", False: "FAIL", None: "n/a "}[t["pass"]]
        lines.append(f"  {mark} {key} {t['target']} (measured {t['value']})")
    for step, err in doc["errors"].items():
        lines.append(f"  ERROR in {step}: {err}")
    return lines


#: every step of a run, in order (``--only`` picks some; ``generate`` always runs)
STEPS = (
    "generate", "embedded", "embedded_load", "embedded_rules", "loaders", "embedded_rss", "serve_embedded",
    "neo4j_load", "neo4j_rules", "bolt_roundtrips", "graphql_lookup", "serve_neo4j", "peer", "serve",
)  # fmt: skip
#: steps that do not need the national data (``generate`` is skipped when only these run)
WITHOUT_NATIONAL = {"peer"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions and smaller side datasets")
    mode.add_argument("--smoke", action="store_true", help="tiny data, seconds: checks the harness only")
    parser.add_argument("--scale", type=float, help="national scale (default 1.0; 0.002 in --smoke)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--neo4j", help="Bolt URI of a Neo4j whose database may be emptied")
    parser.add_argument("--no-neo4j", action="store_true", help="skip the Neo4j benchmarks")
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback Neo4j URI")
    parser.add_argument("--no-serve", action="store_true", help="skip the 16-client serve benchmarks")
    parser.add_argument("--serve-seconds", type=float, help="duration of each serve benchmark")
    parser.add_argument(
        "--neo4j-links-per-write",
        type=int,
        help="links per Neo4jStore.write call in the load benchmark (default 100000; 0: all in one, "
        "which needs a large transaction memory pool at scale 1)",
    )
    parser.add_argument("--profile", type=Path, help="write pyinstrument reports of the hot paths here")
    parser.add_argument("--workdir", type=Path, help="where temporary stores and ledgers go")
    parser.add_argument(
        "--only",
        help="comma-separated steps to run (e.g. neo4j_load); the national data is always generated. "
        "Steps: " + ", ".join(STEPS),
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    if only and not only <= set(STEPS):
        parser.error(
            f"--only: unknown step(s) {', '.join(sorted(only - set(STEPS)))}; steps: {', '.join(STEPS)}"
        )

    plan = Plan.for_mode("smoke" if args.smoke else "quick" if args.quick else "full", args.scale)
    if args.serve_seconds is not None:
        plan.serve_seconds = args.serve_seconds
    if args.neo4j_links_per_write is not None:
        plan.neo4j_links_per_write = args.neo4j_links_per_write
    neo4j_uri = _neo4j_uri(args)
    started = dt.datetime.now().isoformat(timespec="seconds")
    machine_at_start = machine()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tiaokuai-bench-", dir=args.workdir) as tmp:
        run = Run(plan, Path(tmp), neo4j_uri, args.profile)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("generate", lambda: bench_generate(run)),
            ("embedded", lambda: bench_embedded(run)),
            ("embedded_load", lambda: bench_embedded_load(run)),
            ("embedded_rules", lambda: bench_embedded_rules(run)),
            ("loaders", lambda: bench_loaders(run)),
            ("embedded_rss", lambda: bench_embedded_rss(run)),
        ]
        if not args.no_serve:
            steps.append(("serve_embedded", lambda: bench_serve(run, on_neo4j=False)))
        if neo4j_uri:
            reason = _reachable(neo4j_uri)
            if reason:
                run.errors["neo4j"] = f"skipped, Neo4j not reachable: {reason}"
                neo4j_uri = run.neo4j_uri = None
            else:
                run.neo4j_pid = pid_listening_on(urlsplit(neo4j_uri).port or 7687)
                steps += [
                    ("neo4j_load", lambda: bench_neo4j_load(run)),
                    ("neo4j_rules", lambda: bench_neo4j_rules(run)),
                    ("bolt_roundtrips", lambda: bench_bolt_roundtrips(run)),
                    ("graphql_lookup", lambda: bench_graphql_lookup(run)),
                ]
                if not args.no_serve:
                    steps.append(("serve_neo4j", lambda: bench_serve(run, on_neo4j=True)))
                # last: it replaces the database with the bundled sample
                steps.append(("peer", lambda: bench_peer(run, _start_serve)))
        if not args.no_serve:  # fills the stores it measures itself (issue 17)
            steps.append(("serve", lambda: bench_serve_limits(run)))
        if only:
            keep_generate = not only <= WITHOUT_NATIONAL
            steps = [(n, step) for n, step in steps if (n == "generate" and keep_generate) or n in only]
        for name, step in steps:
            try:
                step()
            except Exception as exc:  # noqa: BLE001 - one failed benchmark must not lose the others
                run.errors[name] = f"{type(exc).__name__}: {exc}"
                run.say(f"{name} FAILED: {type(exc).__name__}: {exc}")
                traceback.print_exc()

    results = {k: None for k in REQUIRED_KEYS} | run.results
    try:
        import neo4j._codec.packstream.v1 as packstream

        rust = packstream._rust_pack is not None
    except ImportError:
        rust = None
    doc = {
        **results,
        "targets": _check_targets(results),
        "errors": run.errors,
        "notes": run.notes,
        "meta": {
            "started": started,
            "duration_s": round(time.perf_counter() - t0, 1),
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "plan": asdict(plan),
            "year": YEAR,
            "neo4j_uri": neo4j_uri,
            "neo4j_server_pid_found": run.neo4j_pid is not None,
            "neo4j_rust_ext": rust,
            "bolt_roundtrips_method": "socket-level: BoltSocket.sendall followed by recv_into, per socket",
            "machine": machine_at_start,
            "git": _git_state(),
            "loadavg_end": list(os.getloadavg()),
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print("\n".join(summary_lines(doc)))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
