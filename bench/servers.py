"""Benchmark subprocesses.

``python bench/servers.py driver --uri bolt://… --port P`` serves ``GET /unit/{id}``: the same
lookup as GraphQL's ``unit(id)``, as one raw driver query behind a plain FastAPI route (a sync
route, so it runs in the thread pool just as the GraphQL resolvers' store calls do), under the same
uvicorn settings as ``tiaokuai serve``. It is the baseline for the GraphQL lookup overhead.

``python bench/servers.py rss STORE_FILE`` opens an embedded store in a fresh process and prints,
as JSON, its RSS before and after the graph is loaded (for ``embedded_rss_mb_per_100k_links``).

``python bench/servers.py first-call STORE_FILE gaps|coverage YEAR`` opens an embedded store in a
fresh process and times the first ``rules.gaps`` / ``rules.coverage`` of the year: what one
``tiaokuai gaps`` run costs after opening, with no memo from an earlier call (and the process's
peak RSS).

``python bench/servers.py sql-floor STORE_FILE YEAR`` times, in a fresh process, the one SQL query
that reads the year's links grouped by (source, target, kind): the floor of a year's gaps.

``python bench/servers.py open-unit STORE_FILE UNIT YEAR`` times opening the store and answering one
unit's stats (the unit, its links in the year by kind) in a fresh process, imports excluded.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import rss_mb  # noqa: E402

UNIT_QUERY = (
    "MATCH (u:Unit {id: $id}) "
    "RETURN u {.id, .name, .name_en, .kind, .level, .region_code, .parent_id} AS unit"
)


def driver_app(uri: str, database: str) -> Any:
    from fastapi import FastAPI, HTTPException
    from neo4j import GraphDatabase, RoutingControl

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    driver = GraphDatabase.driver(uri, auth=auth)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/unit/{unit_id}")
    def unit(unit_id: str) -> dict[str, Any]:
        records, _, _ = driver.execute_query(
            UNIT_QUERY, {"id": unit_id}, routing_=RoutingControl.READ, database_=database
        )
        if not records:
            raise HTTPException(404, "no such unit")
        return {"unit": dict(records[0]["unit"])}

    return app


def serve_driver(uri: str, port: int, database: str) -> None:
    import uvicorn

    config = uvicorn.Config(
        driver_app(uri, database),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )
    uvicorn.Server(config).run()


def rss_probe(path: Path) -> dict[str, Any]:
    from graph.store import LinkQuery
    from graph.store.embedded import EmbeddedStore

    gc.collect()
    before = rss_mb()
    store = EmbeddedStore(path)
    units = store.count_units()
    links = store.find_links(LinkQuery(), 0, 0).total
    gc.collect()
    after = rss_mb()
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the (large) parent
    # through fork and exec, while VmHWM belongs to this process's own address space
    peak = rss_mb(field="VmHWM:")
    return {"rss_before_mb": before, "rss_after_mb": after, "peak_mb": peak, "units": units, "links": links}


def first_call(path: Path, what: str, year: int) -> dict[str, Any]:
    import time

    from graph import rules
    from graph.store.embedded import EmbeddedStore

    t0, c0 = time.perf_counter(), time.process_time()
    store = EmbeddedStore(path)
    store.count_units()  # reads the file
    t1, c1 = time.perf_counter(), time.process_time()
    getattr(rules, what)(store, year)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"open_s": t1 - t0, "open_cpu_s": c1 - c0, "call_s": t2 - t1, "call_cpu_s": c2 - c1,
            "peak_mb": rss_mb(field="VmHWM:")}  # fmt: skip


#: the floor of a year's gaps: the one SQL query that reads the year's links grouped by
#: (source, target, kind), on the store's file as it is (its indexes), every row fetched
SQL_FLOOR = (
    "SELECT source_id, target_id, kind, SUM(count), SUM(coalesce(participants, 0)), COUNT(*) "
    "FROM links WHERE year = ? GROUP BY source_id, target_id, kind"
)


def sql_floor(path: Path, year: int) -> dict[str, Any]:
    import sqlite3
    import time

    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("SELECT COUNT(*) FROM units").fetchone()  # opened, schema read
    t0, c0 = time.perf_counter(), time.process_time()
    rows = conn.execute(SQL_FLOOR, (year,)).fetchall()
    t1, c1 = time.perf_counter(), time.process_time()
    plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + SQL_FLOOR, (year,))]
    conn.close()
    return {"call_s": t1 - t0, "call_cpu_s": c1 - c0, "rows": len(rows), "plan": plan}


def open_unit(path: Path, unit_id: str, year: int) -> dict[str, Any]:
    """Open the store and answer a unit's stats: the unit and its links in the year, by kind."""
    import time

    from graph.store import LinkQuery
    from graph.store.embedded import EmbeddedStore

    t0 = time.perf_counter()
    store = EmbeddedStore(path)
    unit = store.get_units([unit_id])[unit_id]
    links = store.find_links(LinkQuery(unit_id=unit.id, year=year))
    by_kind: dict[str, int] = {}
    for lk in links.items:
        by_kind[lk.kind] = by_kind.get(lk.kind, 0) + lk.count
    t1 = time.perf_counter()
    store.close()
    return {"open_ms": (t1 - t0) * 1000, "links": links.total, "kinds": len(by_kind)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("driver")
    d.add_argument("--uri", required=True)
    d.add_argument("--port", type=int, required=True)
    d.add_argument("--database", default=os.environ.get("NEO4J_DATABASE") or "neo4j")
    r = sub.add_parser("rss")
    r.add_argument("path", type=Path)
    f = sub.add_parser("first-call")
    f.add_argument("path", type=Path)
    f.add_argument("what", choices=["gaps", "coverage"])
    f.add_argument("year", type=int)
    q = sub.add_parser("sql-floor")
    q.add_argument("path", type=Path)
    q.add_argument("year", type=int)
    o = sub.add_parser("open-unit")
    o.add_argument("path", type=Path)
    o.add_argument("unit")
    o.add_argument("year", type=int)
    args = parser.parse_args()
    if args.cmd == "sql-floor":
        print(json.dumps(sql_floor(args.path, args.year)))
    elif args.cmd == "open-unit":
        print(json.dumps(open_unit(args.path, args.unit, args.year)))
    elif args.cmd == "driver":
        serve_driver(args.uri, args.port, args.database)
    elif args.cmd == "first-call":
        print(json.dumps(first_call(args.path, args.what, args.year)))
    else:
        print(json.dumps(rss_probe(args.path)))


if __name__ == "__main__":
    main()
