"""Server CPU per link of variants of the Neo4j link load, measured side by side in one run.

    .venv/bin/python bench/load_variants.py --neo4j bolt://127.0.0.1:7731 --scale 0.1 [--only a,b]

**Empties the database it is given.** Loads the national units once, then for every variant:
deletes all links, writes the national links (``--scale`` 0.1: about 100,000) the variant's way
and reports wall, client CPU and Neo4j server CPU (from /proc, the process listening on the Bolt
port) per link. The variants are experiments for docs/performance.md ("Neo4j load"); the store's
own ``Neo4jStore.write`` is measured as ``store_new`` (all new) and ``store_reload`` (all exist).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Clock, pid_listening_on  # noqa: E402

from graph.model import Dataset, Link  # noqa: E402
from graph.model.vocabulary import vocabulary  # noqa: E402
from graph.store import cypher, open_store  # noqa: E402

REL_TYPES = cypher.REL_TYPES

CREATE_MAP = """
UNWIND $rows AS row
MATCH (s:Unit {id: row.source_id})
USING INDEX SEEK s:Unit(id)
MATCH (t:Unit {id: row.target_id})
USING INDEX SEEK t:Unit(id)
CREATE (s)-[r:__REL__]->(t)
SET r = row.props
RETURN count(r) AS created
"""

# props as a positional list: [id, kind, family, date, year, count, participants, title, file, row]
CREATE_LIST = """
UNWIND $rows AS row
MATCH (s:Unit {id: row[0]})
USING INDEX SEEK s:Unit(id)
MATCH (t:Unit {id: row[1]})
USING INDEX SEEK t:Unit(id)
CREATE (s)-[r:__REL__ {id: row[2], kind: row[3], date: row[4], year: row[5], count: row[6],
                       participants: row[7], title: row[8], source_file: row[9], source_row: row[10]}]->(t)
RETURN count(r) AS created
"""

EXISTING_ONE = (
    "UNWIND $rows AS row\n"
    + cypher.union_all(
        "MATCH (s)-[r:__REL__ {id: row.id}]->(t) USING INDEX SEEK r:__REL__(id) "
        "RETURN r, (s.id <> row.source_id OR t.id <> row.target_id OR row.rel_type <> '__REL__') AS moved",
        "row",
    )
    + """
WITH count(r) AS found,
     collect(CASE WHEN moved THEN r END) AS gone,
     collect(CASE WHEN NOT moved THEN r.id END) AS kept
FOREACH (old IN gone | DELETE old)
RETURN found, kept
"""
)


def chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def props(lk: Link, family: bool = True) -> dict[str, Any]:
    p: dict[str, Any] = {
        "id": lk.id, "kind": lk.kind, "date": lk.date, "year": lk.date.year, "count": lk.count,
        "participants": lk.participants, "title": lk.title, "source_file": lk.source_file,
        "source_row": lk.source_row,
    }  # fmt: skip
    if family:
        p["family"] = lk.family
    return p


def by_rel(links: Sequence[Link]) -> dict[str, list[Link]]:
    vocab = vocabulary()
    out: dict[str, list[Link]] = {rel: [] for rel in REL_TYPES}
    for lk in links:
        out[vocab.rel_type(lk.family)].append(lk)
    return out


def create_maps(tx: Any, links: Sequence[Link], size: int, family: bool = True) -> None:
    for rel, mine in by_rel(links).items():
        for part in chunks(mine, size):
            rows = [
                {"source_id": lk.source_id, "target_id": lk.target_id, "props": props(lk, family)}
                for lk in part
            ]
            tx.run(CREATE_MAP.replace("__REL__", rel), rows=rows).consume()


def create_lists(tx: Any, links: Sequence[Link], size: int) -> None:
    for rel, mine in by_rel(links).items():
        for part in chunks(mine, size):
            rows = [
                [lk.source_id, lk.target_id, lk.id, lk.kind, lk.date, lk.date.year, lk.count, lk.participants,
                 lk.title, lk.source_file, lk.source_row]
                for lk in part
            ]  # fmt: skip
            tx.run(CREATE_LIST.replace("__REL__", rel), rows=rows).consume()


CREATE_MINIMAL = """
UNWIND $rows AS row
MATCH (s:Unit {id: row[0]})
USING INDEX SEEK s:Unit(id)
MATCH (t:Unit {id: row[1]})
USING INDEX SEEK t:Unit(id)
CREATE (s)-[r:__REL__ {id: row[2], year: row[5]}]->(t)
RETURN count(r) AS created
"""


def create_minimal(tx: Any, links: Sequence[Link], size: int) -> None:
    for rel, mine in by_rel(links).items():
        for part in chunks(mine, size):
            rows = [[lk.source_id, lk.target_id, lk.id, None, None, lk.date.year] for lk in part]
            tx.run(CREATE_MINIMAL.replace("__REL__", rel), rows=rows).consume()


def create_lists_sorted(tx: Any, links: Sequence[Link], size: int) -> None:
    create_lists(tx, sorted(links, key=lambda lk: (lk.source_id, lk.target_id)), size)


CREATE_EID = """
UNWIND $rows AS row
MATCH (s) WHERE elementId(s) = row[0]
MATCH (t) WHERE elementId(t) = row[1]
CREATE (s)-[r:__REL__ {id: row[2], kind: row[3], date: row[4], year: row[5], count: row[6],
                       participants: row[7], title: row[8], source_file: row[9], source_row: row[10]}]->(t)
RETURN count(r) AS created
"""

CREATE_LIST_FAMILY = CREATE_LIST.replace("source_row: row[10]}", "source_row: row[10], family: row[11]}")


def create_lists_family(tx: Any, links: Sequence[Link], size: int) -> None:
    for rel, mine in by_rel(links).items():
        for part in chunks(mine, size):
            rows = [
                [lk.source_id, lk.target_id, lk.id, lk.kind, lk.date, lk.date.year, lk.count, lk.participants,
                 lk.title, lk.source_file, lk.source_row, lk.family]
                for lk in part
            ]  # fmt: skip
            tx.run(CREATE_LIST_FAMILY.replace("__REL__", rel), rows=rows).consume()


def create_eid(tx: Any, links: Sequence[Link], size: int) -> None:
    ids = sorted({e for lk in links for e in (lk.source_id, lk.target_id)})
    eid = dict(
        tx.run("UNWIND $ids AS id MATCH (u:Unit {id: id}) RETURN id, elementId(u) AS e", ids=ids).values()
    )
    for rel, mine in by_rel(links).items():
        for part in chunks(mine, size):
            rows = [
                [eid[lk.source_id], eid[lk.target_id], lk.id, lk.kind, lk.date, lk.date.year, lk.count,
                 lk.participants, lk.title, lk.source_file, lk.source_row]
                for lk in part
            ]  # fmt: skip
            tx.run(CREATE_EID.replace("__REL__", rel), rows=rows).consume()


def existing_three(tx: Any, links: Sequence[Link], size: int) -> None:
    vocab = vocabulary()
    for part in chunks(links, size):
        keys = [{"id": lk.id, "source_id": lk.source_id, "target_id": lk.target_id,
                 "rel_type": vocab.rel_type(lk.family)} for lk in part]  # fmt: skip
        for rel in REL_TYPES:
            tx.run(cypher.LINK_EXISTING[rel], rows=keys).consume()


def existing_one(tx: Any, links: Sequence[Link], size: int) -> None:
    vocab = vocabulary()
    for part in chunks(links, size):
        keys = [{"id": lk.id, "source_id": lk.source_id, "target_id": lk.target_id,
                 "rel_type": vocab.rel_type(lk.family)} for lk in part]  # fmt: skip
        tx.run(EXISTING_ONE, rows=keys).consume()


def exists_any(tx: Any, links: Sequence[Link], size: int) -> None:
    for part in chunks(links, size):
        tx.run(cypher.LINK_FOUND, ids=[lk.id for lk in part]).consume()  # the store's own check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--neo4j", required=True)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--only", help="comma-separated variant names")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from graph.synthetic.national import build_national

    d = build_national(args.scale, seed=1)
    links = d.links
    n = len(links)
    store = open_store(args.neo4j)
    pid = pid_listening_on(urlsplit(args.neo4j).port or 7687)
    driver, db = store.driver, store.database

    def clear_links() -> None:
        with driver.session(database=db) as s:
            s.run(
                "MATCH ()-[r:REPORTING|LIAISON|EXCHANGE]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS"
            ).consume()

    def settle() -> None:
        # let the server's background work after the previous variant's deletes settle
        time.sleep(4)

    def in_tx(*works: Callable[[Any], None]) -> Callable[[], None]:
        def go() -> None:
            with driver.session(database=db) as s:
                s.execute_write(lambda tx: [w(tx) for w in works])

        return go

    def in_txs(per_tx: int, work: Callable[[Any, Sequence[Link]], None]) -> Callable[[], None]:
        def go() -> None:
            with driver.session(database=db) as s:
                for part in chunks(links, per_tx):
                    s.execute_write(lambda tx, part=part: work(tx, part))

        return go

    def parallel(per_tx: int) -> Callable[[], None]:
        from concurrent.futures import ThreadPoolExecutor

        parts = list(chunks(links, per_tx))

        def one(tx_parts: list[Sequence[Link]]) -> None:
            with driver.session(database=db) as s:
                for part in tx_parts:
                    s.execute_write(lambda tx, part=part: create_lists(tx, part, 5000))

        def go() -> None:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(one, [parts[0::2], parts[1::2]]))

        return go

    def schema(statements: list[str]) -> None:
        for st in statements:
            driver.execute_query(st, database_=db)

    year_idx = [
        f"CREATE INDEX {r.lower()}_year IF NOT EXISTS FOR ()-[r:{r}]-() ON (r.year)" for r in REL_TYPES
    ]
    uniq = [
        f"CREATE CONSTRAINT {r.lower()}_id IF NOT EXISTS FOR ()-[r:{r}]-() REQUIRE r.id IS UNIQUE"
        for r in REL_TYPES
    ]
    range_clear = cypher.LINK_RANGE_CLEAR
    # variant: (prepare, run, needs links present before run, restore)
    variants: dict[
        str, tuple[Callable[[], None] | None, Callable[[], None], bool, Callable[[], None] | None]
    ] = {
        "store_new": (None, lambda: store.write(Dataset(links=links)) and None, False, None),
        # the same write with the range shortcut off (LINK_RANGE_CLEAR answering "not clear")
        "store_new_checked": (
            lambda: setattr(cypher, "LINK_RANGE_CLEAR", "RETURN false AS clear"),
            lambda: store.write(Dataset(links=links)) and None,
            False,
            lambda: setattr(cypher, "LINK_RANGE_CLEAR", range_clear),
        ),
        "store_reload": (None, lambda: store.write(Dataset(links=links)) and None, True, None),
        "existing_three_on_empty": (None, in_tx(lambda tx: existing_three(tx, links, 5000)), False, None),
        "existing_one_on_empty": (None, in_tx(lambda tx: existing_one(tx, links, 5000)), False, None),
        "exists_any_on_empty": (None, in_tx(lambda tx: exists_any(tx, links, 5000)), False, None),
        "exists_any_on_full": (None, in_tx(lambda tx: exists_any(tx, links, 5000)), True, None),
        "create_maps_5k": (None, in_tx(lambda tx: create_maps(tx, links, 5000)), False, None),
        "create_maps_20k": (None, in_tx(lambda tx: create_maps(tx, links, 20000)), False, None),
        "create_maps_nofamily": (
            None,
            in_tx(lambda tx: create_maps(tx, links, 5000, family=False)),
            False,
            None,
        ),
        "create_lists": (None, in_tx(lambda tx: create_lists(tx, links, 5000)), False, None),
        "create_lists_sorted": (None, in_tx(lambda tx: create_lists_sorted(tx, links, 5000)), False, None),
        "create_minimal": (None, in_tx(lambda tx: create_minimal(tx, links, 5000)), False, None),
        "create_lists_2_sessions_tx20k": (None, parallel(20000), False, None),
        "create_lists_family": (None, in_tx(lambda tx: create_lists_family(tx, links, 5000)), False, None),
        "create_eid": (None, in_tx(lambda tx: create_eid(tx, links, 5000)), False, None),
        "create_lists_tx20k": (None, in_txs(20000, lambda tx, p: create_lists(tx, p, 5000)), False, None),
        "create_lists_tx10k": (None, in_txs(10000, lambda tx, p: create_lists(tx, p, 5000)), False, None),
        "create_lists_no_year_index": (
            lambda: schema([f"DROP INDEX {r.lower()}_year IF EXISTS" for r in REL_TYPES]),
            in_tx(lambda tx: create_lists(tx, links, 5000)),
            False,
            lambda: schema(year_idx),
        ),
        "create_lists_no_uniqueness": (
            lambda: schema([f"DROP CONSTRAINT {r.lower()}_id IF EXISTS" for r in REL_TYPES]),
            in_tx(lambda tx: create_lists(tx, links, 5000)),
            False,
            lambda: schema(uniq),
        ),
    }
    names = args.only.split(",") if args.only else list(variants)
    with driver.session(database=db) as s:
        s.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 20000 ROWS").consume()
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
    store.write(Dataset(regions=d.regions, units=d.units))
    results: dict[str, Any] = {"links": n, "server_pid": pid}
    for _ in range(args.repeat):
        for name in names:
            prepare, work, full, restore = variants[name]
            clear_links()
            if full:
                store.write(Dataset(links=links))
            if prepare:
                prepare()
            settle()
            try:
                with Clock(pid) as c:
                    work()
            finally:
                if restore:
                    restore()
            row = {
                "wall_s": round(c.wall, 2),
                "links_per_s": round(n / c.wall),
                "client_cpu_us_per_link": round(c.cpu / n * 1e6, 1),
                "server_cpu_us_per_link": round(c.server_cpu / n * 1e6, 1),
            }
            results.setdefault(name, []).append(row)
            print(f"{name:30s} {row}", flush=True)
    store.close()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
