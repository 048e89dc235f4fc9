"""The embedded store's writes: a load (or a mutation) as one transaction that writes only the
rows that are new or differ from the stored ones and keeps ``pair_totals`` exact, and the year's
gap and coverage records of ``gaps --write``."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import StoreError
from ..model import Dataset, Link, Region, Unit
from .base import GapsWritten, Replace, WriteSummary
from .sqlfile import SQLiteFile
from .sqlschema import LINK_INDEXES, PIN_LINK_STATS

__all__ = ["EmbeddedWrites", "BULK_LINKS"]

#: a load writing more new links than this (and more than the store holds) drops the links'
#: secondary indexes and rebuilds them at its end, in the same transaction
BULK_LINKS = 50_000

UNIT_COLS = "id, name, kind, level, region_code, parent_id, name_en, extra, system"
LINK_COLS = (
    "id, kind, family, date, year, source_id, target_id, count, participants, title, source_file, source_row"
)
IDS = "(SELECT value FROM json_each(?))"

RegionRow = tuple[str, str, str, str | None]
UnitRow = tuple[str, str, str, str, str | None, str | None, str | None, str | None, str | None]
LinkRow = tuple[str, str, str, str, int, str, str, int, int | None, str | None, str | None, int | None]


def ids_json(ids: Iterable[str]) -> str:
    return json.dumps(list(dict.fromkeys(ids)), ensure_ascii=False)


def _region_row(r: Region) -> RegionRow:
    return (r.code, r.name, r.level, r.parent_code)


def _unit_row(u: Unit) -> UnitRow:
    extra = json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else None
    return (u.id, u.name, u.kind, u.level, u.region_code, u.parent_id, u.name_en, extra, u.system)


def _link_row(lk: Link) -> LinkRow:
    return (lk.id, lk.kind, lk.family, lk.date.isoformat(), lk.date.year, lk.source_id, lk.target_id,
            lk.count, lk.participants, lk.title, lk.source_file, lk.source_row)  # fmt: skip


class EmbeddedWrites(SQLiteFile):
    """Writes of the embedded store (the reads are in :class:`~graph.store.embedded.EmbeddedStore`)."""

    #: the slice of stored links the next writes replace (``load --replace``)
    replace: Replace | None = None

    # -- writes ------------------------------------------------------------------------------------
    def configure_writes(
        self, *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None,
        replace: Replace | None = None, bulk: bool = False,
    ) -> None:  # fmt: skip
        """Only ``replace`` matters here: a load is one transaction whatever its size."""
        if bulk:
            raise StoreError(f"load --bulk is for an empty local Neo4j database, not {self.location}")
        self.replace = replace

    def write(self, dataset: Dataset) -> WriteSummary:
        summary = WriteSummary(
            regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
        )

        def work(conn: sqlite3.Connection) -> WriteSummary:
            self._write(conn, dataset, summary)
            return summary

        return self._transaction(work)

    def clear(self) -> int:
        """Delete every row of the graph and its gap records in one transaction."""

        def work(conn: sqlite3.Connection) -> int:
            n = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("regions", "units"))
            for table in ("gaps", "coverage", "pair_totals", "links", "units", "regions"):
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            return int(n)

        return self._transaction(work)

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        """Replace the year's rows of the ``gaps`` and ``coverage`` tables, in one transaction."""
        gap_rows = []
        for g in gaps:
            props = g["props"]
            gap_rows.append(
                (props["id"], year, g["unit_id"], props.get("rule"), props.get("family"),
                 props.get("counterpart_kind"), g.get("counterpart_id"), g.get("subject_id"),
                 props.get("required"), props.get("observed"), props.get("name"))
            )  # fmt: skip
        coverage_rows = [
            (c["id"], year, c["unit_id"], c["expected"], c["met"], c["ratio"], c["name"]) for c in coverage
        ]

        def work(conn: sqlite3.Connection) -> GapsWritten:
            replaced = conn.execute("DELETE FROM gaps WHERE year = ?", (year,)).rowcount
            conn.execute("DELETE FROM coverage WHERE year = ?", (year,))
            conn.executemany(f"INSERT INTO gaps VALUES ({', '.join('?' * 11)})", gap_rows)
            conn.executemany(f"INSERT INTO coverage VALUES ({', '.join('?' * 7)})", coverage_rows)
            return GapsWritten(len(gap_rows), len(coverage_rows), replaced)

        return self._transaction(work)

    def _write(self, conn: sqlite3.Connection, dataset: Dataset, summary: WriteSummary) -> bool:
        """Write what differs from the stored rows; True when anything did."""
        changed = False
        regions = {r.code: _region_row(r) for r in dataset.regions}  # the last row of an id wins
        if regions:
            stored = self._stored(conn, "regions", "code, name, level, parent_code", "code", regions)
            region_rows = [row for code, row in regions.items() if stored.get(code) != row]
            if region_rows:
                conn.executemany(
                    "INSERT INTO regions VALUES (?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
                    "name = excluded.name, level = excluded.level, parent_code = excluded.parent_code",
                    region_rows,
                )
                changed = True
        units = {u.id: _unit_row(u) for u in dataset.units}
        if units:
            stored = self._stored(conn, "units", UNIT_COLS, "id", units)
            rows = [row for uid, row in units.items() if stored.get(uid) != row]
            if rows:
                conn.executemany(
                    f"INSERT INTO units ({UNIT_COLS}) VALUES ({', '.join('?' * 9)}) ON CONFLICT (id) DO UPDATE SET "
                    "name = excluded.name, kind = excluded.kind, level = excluded.level, "
                    "region_code = excluded.region_code, parent_id = excluded.parent_id, "
                    "name_en = excluded.name_en, extra = excluded.extra, system = excluded.system",
                    rows,
                )
                changed = True
        if dataset.links:
            changed |= self._write_links(conn, dataset.links, summary)
        if self.replace is not None:
            changed |= self._drop_replaced(conn, self.replace, {lk.id for lk in dataset.links}, summary)
        return changed

    def _drop_replaced(
        self, conn: sqlite3.Connection, replace: Replace, keep: set[str], summary: WriteSummary
    ) -> bool:
        """Delete the stored links of ``replace``'s slice that are not in ``keep`` (the load's link
        ids), in the load's transaction, and rebuild ``pair_totals`` when any went."""
        params: list[int | str | None]
        if replace.year is not None:
            where, params = "year = ?", [replace.year]
        else:
            tree = (
                "WITH RECURSIVE tree(code) AS (SELECT ? UNION SELECT r.code FROM regions r "
                "JOIN tree ON r.parent_code = tree.code) SELECT u.id FROM units u JOIN tree "
                "ON u.region_code = tree.code"
            )
            where = f"(source_id IN ({tree}) OR target_id IN ({tree}))"
            params = [replace.region, replace.region]
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS replace_keep (id TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM replace_keep")
        conn.executemany("INSERT OR IGNORE INTO replace_keep VALUES (?)", ((i,) for i in keep))
        dropped = conn.execute(
            f"DELETE FROM links WHERE {where} AND id NOT IN (SELECT id FROM replace_keep)",  # noqa: S608
            params,
        ).rowcount
        conn.execute("DELETE FROM replace_keep")
        summary.extra["links_replaced"] = dropped
        if dropped:
            conn.execute("DELETE FROM pair_totals")
            conn.execute(
                "INSERT INTO pair_totals SELECT year, source_id, target_id, kind, SUM(count), "
                "SUM(coalesce(participants, 0)), COUNT(*) FROM links GROUP BY year, source_id, target_id, kind"
            )
        return dropped > 0

    @staticmethod
    def _stored(
        conn: sqlite3.Connection, table: str, cols: str, key: str, ids: dict[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        keys = list(ids)
        for i in range(0, len(keys), 100_000):
            chunk = ids_json(keys[i : i + 100_000])
            for row in conn.execute(f"SELECT {cols} FROM {table} WHERE {key} IN {IDS}", (chunk,)):
                out[row[0]] = tuple(row)
        return out

    def _write_links(self, conn: sqlite3.Connection, links: Sequence[Link], summary: WriteSummary) -> bool:
        by_id = {lk.id: lk for lk in links}  # the last row of an id wins
        ends = {e for lk in by_id.values() for e in (lk.source_id, lk.target_id)}
        missing = sorted(
            ends - {r[0] for r in conn.execute(f"SELECT id FROM units WHERE id IN {IDS}", (ids_json(ends),))}
        )
        if missing:  # loaders never let this through; as Neo4j does, refuse rather than invent units
            raise StoreError(f"links refer to units that do not exist: {', '.join(missing[:10])}")
        low, high = min(by_id), max(by_id)
        clear = (
            conn.execute("SELECT 1 FROM links WHERE id BETWEEN ? AND ? LIMIT 1", (low, high)).fetchone()
            is None
        )
        stored: dict[str, Any] = {}
        if clear:  # a first import, or ids that sort after every stored one: all new
            new_rows = [_link_row(lk) for lk in by_id.values()]
            changed_rows: list[LinkRow] = []
        else:
            stored = self._stored(conn, "links", LINK_COLS, "id", by_id)
            new_rows, changed_rows = [], []
            for lid, lk in by_id.items():
                row = _link_row(lk)
                old = stored.get(lid)
                if old is None:
                    new_rows.append(row)
                elif old != row:
                    changed_rows.append(row)
        summary.links_created = len(new_rows)
        if not new_rows and not changed_rows:
            return False
        bulk = len(new_rows) > BULK_LINKS and len(new_rows) > self._count_links(conn)
        if bulk:  # rebuilt below, in this transaction: sorting once beats random B-tree inserts
            conn.execute("PRAGMA cache_size = -262144")
            for name, _ in LINK_INDEXES[1:]:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
        try:
            if changed_rows:
                conn.executemany(
                    "UPDATE links SET kind = ?2, family = ?3, date = ?4, year = ?5, source_id = ?6, "
                    "target_id = ?7, count = ?8, participants = ?9, title = ?10, source_file = ?11, "
                    "source_row = ?12 WHERE id = ?1",
                    changed_rows,
                )
            if new_rows:
                conn.executemany(f"INSERT INTO links ({LINK_COLS}) VALUES ({', '.join('?' * 12)})", new_rows)
            if bulk:
                for _, definition in LINK_INDEXES[1:]:
                    conn.execute(definition)
                for statement in PIN_LINK_STATS.split(";\n"):  # dropping an index dropped its stat row
                    conn.execute(statement.rstrip(";"))
                conn.execute("DELETE FROM pair_totals")
                conn.execute(
                    "INSERT INTO pair_totals SELECT year, source_id, target_id, kind, SUM(count), "
                    "SUM(coalesce(participants, 0)), COUNT(*) FROM links GROUP BY year, source_id, target_id, kind"
                )
            else:
                self._add_pair_totals(conn, new_rows, changed_rows, stored)
        finally:
            if bulk:
                conn.execute("PRAGMA cache_size = -8000")
        return True

    @staticmethod
    def _add_pair_totals(
        conn: sqlite3.Connection, new_rows: list[LinkRow], changed_rows: list[LinkRow], stored: dict[str, Any]
    ) -> None:
        """Bring ``pair_totals`` up to date with the links written: add the new and rewritten rows,
        take away what the rewritten ones held before, and drop sums that no link holds any more."""
        delta: dict[tuple[int, str, str, str], list[int]] = {}
        for rows, sign in ((new_rows, 1), (changed_rows, 1), ([stored[r[0]] for r in changed_rows], -1)):
            for r in rows:
                key = (r[4], r[5], r[6], r[1])
                d = delta.get(key)
                if d is None:
                    d = delta[key] = [0, 0, 0]
                d[0] += sign * r[7]
                d[1] += sign * (r[8] or 0)
                d[2] += sign
        conn.executemany(
            "INSERT INTO pair_totals VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
            "count = count + excluded.count, participants = participants + excluded.participants, "
            "records = records + excluded.records",
            [(*key, *d) for key, d in delta.items() if any(d)],
        )
        conn.executemany(
            "DELETE FROM pair_totals WHERE year = ? AND source_id = ? AND target_id = ? AND kind = ? AND records = 0",
            [key for key, d in delta.items() if d[2] < 0],
        )

    @staticmethod
    def _count_links(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT COUNT(*) FROM links").fetchone()[0])
