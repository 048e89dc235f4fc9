"""The embedded store: one SQLite file (Python's ``sqlite3``), no server.

Why SQLite: the default store must work with nothing installed, answer the same questions as
Neo4j, never lose a user's data, and let a running ``tiaokuai serve`` read while a ``tiaokuai
load`` writes. SQLite gives all of it: WAL mode (readers beside one writer, each statement reads
the last committed state), atomic commits (a load killed at any moment leaves the file as it was;
the next open rolls the unfinished transaction back by itself), and a file a user can open with
``sqlite3`` or ``datasette``. The schema and its versions are in :mod:`.sqlschema`.

Every question is one or two SQL statements that aggregate in SQLite (pair counts per year with
``GROUP BY``, subtrees of regions with recursive CTEs); nothing loops over every link in Python,
and no networkx graph is built here (analysis builds its own from :meth:`pair_counts`).

A load is one transaction that writes only rows that are new or differ from the stored ones, and
bumps the store generation (``meta``). Connections are per thread (the
API answers from a thread pool); each re-opens when the file at the path was replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StoreBusy, StoreError, StoreUnavailable
from ..model import Dataset, Link, Region, Unit
from . import sqlschema
from .base import GapsWritten, LinkQuery, LinkTotal, Page, PairCount, Store, UnitQuery, WriteSummary
from .sqlschema import APPLICATION_ID, LINK_INDEXES, Header, read_header

__all__ = ["EmbeddedStore", "APPLICATION_ID"]

T = TypeVar("T")

LOCK_TIMEOUT_S = float(os.environ.get("TIAOKUAI_LOCK_TIMEOUT", "60"))

#: a load writing more new links than this (and more than the store holds) drops the links'
#: secondary indexes and rebuilds them at its end, in the same transaction
BULK_LINKS = 50_000

_UNIT_COLS = "id, name, kind, level, region_code, parent_id, name_en, extra"
_LINK_COLS = (
    "id, kind, family, date, year, source_id, target_id, count, participants, title, source_file, source_row"
)
_IDS = "(SELECT value FROM json_each(?))"

RegionRow = tuple[str, str, str, str | None]
UnitRow = tuple[str, str, str, str, str | None, str | None, str | None, str | None]
LinkRow = tuple[str, str, str, str, int, str, str, int, int | None, str | None, str | None, int | None]


def _ids_json(ids: Iterable[str]) -> str:
    return json.dumps(list(dict.fromkeys(ids)), ensure_ascii=False)


def _region_row(r: Region) -> RegionRow:
    return (r.code, r.name, r.level, r.parent_code)


def _unit_row(u: Unit) -> UnitRow:
    extra = json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else None
    return (u.id, u.name, u.kind, u.level, u.region_code, u.parent_id, u.name_en, extra)


def _link_row(lk: Link) -> LinkRow:
    return (lk.id, lk.kind, lk.family, lk.date.isoformat(), lk.date.year, lk.source_id, lk.target_id,
            lk.count, lk.participants, lk.title, lk.source_file, lk.source_row)  # fmt: skip


def _unit(row: Sequence[Any]) -> Unit:
    if row[7] is None:
        return Unit(row[0], row[1], row[2], row[3], row[4], row[5], row[6])
    return Unit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]))


def _link(row: Sequence[Any]) -> Link:
    return Link(row[0], row[1], row[2], dt.date.fromisoformat(row[3]), row[5], row[6], row[7], row[8],
                row[9], row[10], row[11])  # fmt: skip


def _page_bounds(total: int, offset: int, limit: int | None) -> tuple[int, int]:
    """(OFFSET, LIMIT) that give ``items[offset:offset + limit]`` exactly as Python slices."""
    start, stop, _ = slice(offset, None if limit is None else offset + limit).indices(total)
    return start, max(0, stop - start)


class _Conn:
    """One thread's connection, the file (device, inode) it was opened on, and that file's (size,
    modification time) when its header was last checked."""

    def __init__(self, conn: sqlite3.Connection, ident: tuple[int, int] | None, seen: tuple[int, int] | None):
        self.conn = conn
        self.ident = ident
        self.seen = seen


class EmbeddedStore(Store):
    """The default store: one SQLite file. Many readers and one writer at a time, across processes."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        self._local = threading.local()
        self._all: list[_Conn] = []
        self._all_lock = threading.Lock()

    # -- opening ---------------------------------------------------------------------------------
    def _unreadable(self, why: str) -> StoreUnavailable:
        return StoreUnavailable(f"cannot read the embedded store {self.path}: {why}")

    def _check_header(self, sizes: bool = True) -> Header:
        """Refuse, before SQLite touches it, a file that is not a tiaokuai store of a known version.

        ``sizes``: also compare the file's size with the size its header states. Only when no
        writer can be checkpointing into the file (no WAL beside it): a checkpoint writes page 1
        before it extends the file."""
        try:
            header = read_header(self.path)
        except OSError as exc:
            raise self._unreadable(exc.strerror or str(exc)) from exc
        if header.kind == "pickle":
            fmt = header.pickle_format or "a pickle"
            raise self._unreadable(
                f"it is a store file of the old format ({fmt}: a Python pickle), which this version never "
                f"opens because a pickle can run any code. Rebuild it from your ledgers: move the file "
                f"aside and run `tiaokuai load LEDGERS --store {self.path}`; or, only for a file you or "
                f"your own tools wrote, convert it with `tiaokuai migrate {self.path} NEW.tkg`"
            )
        if header.kind == "other":
            raise self._unreadable(
                "it is not a SQLite database (a tiaokuai store starts with 'SQLite format 3'); check "
                "--store / TIAOKUAI_STORE, or move the file aside and load your ledgers again"
            )
        if header.kind == "short" or (
            sizes and header.kind == "sqlite" and header.size < header.expected_size
        ):
            raise self._unreadable(
                f"the file is truncated ({header.size:,} bytes of {max(header.expected_size, 100):,}); "
                "restore it from a copy or load your ledgers again into a new file"
            )
        if header.kind == "sqlite":
            if header.application_id not in (0, APPLICATION_ID):
                raise self._unreadable(
                    f"it is another program's SQLite database (application id {header.application_id:#x}), "
                    "not a tiaokuai store; nothing was changed. Check --store / TIAOKUAI_STORE"
                )
            known = len(sqlschema.MIGRATIONS)
            if header.user_version > known:
                raise self._unreadable(
                    f"it was written by a newer tiaokuai (store schema version {header.user_version}; this "
                    f"version reads up to {known}); nothing was changed. Upgrade tiaokuai, or load your "
                    "ledgers into another file"
                )
            if header.application_id == 0 and header.pages > 1:
                self._refuse_foreign_tables()
        return header

    def _refuse_foreign_tables(self) -> None:
        """A SQLite file without our application id: ours only if it holds no tables at all (a store
        whose first write never committed, or a file made with ``sqlite3 FILE ''``)."""
        try:
            ro = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                names = [
                    r[0]
                    for r in ro.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                ]
            finally:
                ro.close()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(str(exc)) from exc
        if names:
            shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            raise self._unreadable(
                f"it is another program's SQLite database (tables: {shown}), not a tiaokuai store; "
                "nothing was changed. Check --store / TIAOKUAI_STORE"
            )

    def _open(self, st: os.stat_result | None) -> _Conn:
        if st is None:  # no file yet: answer from an empty in-memory store until one appears
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            conn.create_function("py_lower", 1, str.lower, deterministic=True)
            self._migrate(conn, 0)
            return _Conn(conn, None, None)
        wal = self.path.with_name(self.path.name + "-wal")
        self._check_header(sizes=not (wal.exists() and wal.stat().st_size))
        try:
            conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=LOCK_TIMEOUT_S
            )
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable at checkpoints, never corrupt
            conn.execute("PRAGMA cache_size = -8000")  # 8 MB per connection (one per serving thread)
            conn.create_function("py_lower", 1, str.lower, deterministic=True)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version < len(sqlschema.MIGRATIONS):
                self._migrate(conn, version)
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from exc
            raise self._unreadable(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(str(exc)) from exc
        return _Conn(conn, (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns))

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        """Bring the file forward to the current schema, one version per transaction."""
        on_disk = conn.execute("PRAGMA journal_mode").fetchone()[0] != "memory"
        if version == 0 and on_disk and conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            raise self._unreadable("it cannot be switched to WAL mode")
        while True:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have
                if version >= len(sqlschema.MIGRATIONS):
                    conn.execute("ROLLBACK")
                    return
                for statement in _statements(sqlschema.MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if "readonly" in str(exc):
                    raise StoreUnavailable(
                        f"cannot use the embedded store {self.path}: it needs its schema brought up to "
                        f"version {len(sqlschema.MIGRATIONS)} and the file is read-only ({exc})"
                    ) from exc
                raise
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _busy(self) -> StoreBusy:
        return StoreBusy(
            f"another load holds {self.path} for more than {LOCK_TIMEOUT_S:g} s; "
            "try again when it has finished"
        )

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, re-opened when the file at the path is another one now."""
        try:
            st: os.stat_result | None = os.stat(self.path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise self._unreadable(exc.strerror or str(exc)) from exc
        if st is not None and st.st_size == 0 and not os.access(self.path, os.W_OK):
            st = None  # an empty file we may not write: as no file (nothing to read)
        ident = None if st is None else (st.st_dev, st.st_ino)
        current: _Conn | None = getattr(self._local, "conn", None)
        if current is not None and current.ident == ident:
            if st is not None and current.seen != (st.st_size, st.st_mtime_ns):
                # written since (a checkpoint, or something else overwrote it): still a store of ours?
                # (checkpoints only ever grow the file)
                try:
                    if current.seen is not None and st.st_size < current.seen[0]:
                        raise self._unreadable(
                            f"the file shrank from {current.seen[0]:,} to {st.st_size:,} bytes while open: "
                            "something other than tiaokuai changed it"
                        )
                    self._check_header(sizes=False)
                except StoreUnavailable:
                    self._drop(current)
                    raise
                current.seen = (st.st_size, st.st_mtime_ns)
            return current.conn
        if current is not None:
            self._drop(current)
        opened = self._open(st)
        self._local.conn = opened
        with self._all_lock:
            self._all.append(opened)
        return opened.conn

    def _drop(self, c: _Conn) -> None:
        with self._all_lock:
            if c in self._all:
                self._all.remove(c)
        with suppress(sqlite3.Error):
            c.conn.close()
        if getattr(self._local, "conn", None) is c:
            self._local.conn = None

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection; SQLite's errors become the store's (and drop the connection)."""
        conn = self._conn()
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from exc
            self._reset()
            raise self._unreadable(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            self._reset()
            raise self._unreadable(str(exc)) from exc

    def _reset(self) -> None:
        current = getattr(self._local, "conn", None)
        if current is not None:
            self._drop(current)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._reading() as conn:
            return conn.execute(sql, params).fetchall()

    # -- lifecycle ---------------------------------------------------------------------------------
    def ping(self) -> None:
        with self._reading() as conn:
            conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if self.path.exists() and not os.access(self.path, os.R_OK):
            raise self._unreadable("permission denied")

    def close(self) -> None:
        """Close every thread's connection (the last one to close checkpoints the WAL into the file)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for c in conns:
            with suppress(sqlite3.Error):
                c.conn.close()
        self._local = threading.local()

    def generation(self) -> int:
        """The store generation: bumped by every committed write, in its transaction (0: never written)."""
        rows = self._rows("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    # -- writes ------------------------------------------------------------------------------------
    def write(self, dataset: Dataset) -> WriteSummary:
        summary = WriteSummary(
            regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
        )

        def work(conn: sqlite3.Connection) -> WriteSummary:
            self._write(conn, dataset, summary)
            return summary

        return self._transaction(work)

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        """Replace the year's rows of the ``gaps`` and ``coverage`` tables, in one transaction."""
        gap_rows = [
            (g["props"]["id"], year, g["unit_id"], g["props"]["rule"], g["props"]["family"],
             g["props"]["counterpart_kind"], g.get("counterpart_id"), g.get("subject_id"),
             g["props"]["required"], g["props"]["observed"], g["props"]["name"])
            for g in gaps
        ]  # fmt: skip
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

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one write transaction that bumps the generation; all or nothing."""
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise self._read_only()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            try:
                self.path.touch()
            except OSError as exc:
                raise StoreError(
                    f"cannot create the embedded store {self.path}: {exc.strerror or exc}"
                ) from exc
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc):
                raise self._read_only() from exc
            raise self._busy() from exc
        try:
            result = work(conn)
            # every committed write bumps the generation (docs/stores.md), even one that found
            # every row as stored: its transaction then writes this one row
            conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc):
                raise self._read_only() from exc
            if isinstance(exc, sqlite3.OperationalError) and ("full" in str(exc) or "disk" in str(exc)):
                raise StoreError(
                    f"cannot write the embedded store {self.path}: {exc}; nothing was written"
                ) from exc
            if isinstance(exc, sqlite3.Error):
                raise StoreError(
                    f"the embedded store {self.path} refused the write: {exc}; nothing was written"
                ) from exc
            raise
        return result

    def _read_only(self) -> StoreUnavailable:
        return StoreUnavailable(
            f"cannot write the embedded store {self.path}: the file (or its folder) is read-only; "
            "nothing was written. Make it writable, or load into another file with --store"
        )

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
            stored = self._stored(conn, "units", _UNIT_COLS, "id", units)
            rows = [row for uid, row in units.items() if stored.get(uid) != row]
            if rows:
                conn.executemany(
                    f"INSERT INTO units VALUES ({', '.join('?' * 8)}) ON CONFLICT (id) DO UPDATE SET "
                    "name = excluded.name, kind = excluded.kind, level = excluded.level, "
                    "region_code = excluded.region_code, parent_id = excluded.parent_id, "
                    "name_en = excluded.name_en, extra = excluded.extra",
                    rows,
                )
                changed = True
        if dataset.links:
            changed |= self._write_links(conn, dataset.links, summary)
        return changed

    @staticmethod
    def _stored(
        conn: sqlite3.Connection, table: str, cols: str, key: str, ids: dict[str, Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        keys = list(ids)
        for i in range(0, len(keys), 100_000):
            chunk = _ids_json(keys[i : i + 100_000])
            for row in conn.execute(f"SELECT {cols} FROM {table} WHERE {key} IN {_IDS}", (chunk,)):
                out[row[0]] = tuple(row)
        return out

    def _write_links(self, conn: sqlite3.Connection, links: Sequence[Link], summary: WriteSummary) -> bool:
        by_id = {lk.id: lk for lk in links}  # the last row of an id wins
        ends = {e for lk in by_id.values() for e in (lk.source_id, lk.target_id)}
        missing = sorted(
            ends
            - {r[0] for r in conn.execute(f"SELECT id FROM units WHERE id IN {_IDS}", (_ids_json(ends),))}
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
            stored = self._stored(conn, "links", _LINK_COLS, "id", by_id)
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
                conn.executemany(f"INSERT INTO links ({_LINK_COLS}) VALUES ({', '.join('?' * 12)})", new_rows)
            if bulk:
                for _, definition in LINK_INDEXES[1:]:
                    conn.execute(definition)
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

    # -- point lookups -----------------------------------------------------------------------------
    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        wanted = list(dict.fromkeys(ids))
        found = {
            r[0]: _unit(r)
            for r in self._rows(f"SELECT {_UNIT_COLS} FROM units WHERE id IN {_IDS}", (_ids_json(wanted),))
        }
        return {i: found[i] for i in wanted if i in found}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        wanted = list(dict.fromkeys(codes))
        found = {
            r[0]: Region(*r)
            for r in self._rows(
                f"SELECT code, name, level, parent_code FROM regions WHERE code IN {_IDS}",
                (_ids_json(wanted),),
            )
        }
        return {c: found[c] for c in wanted if c in found}

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        wanted = list(dict.fromkeys(ids))
        found = {
            r[0]: _link(r)
            for r in self._rows(f"SELECT {_LINK_COLS} FROM links WHERE id IN {_IDS}", (_ids_json(wanted),))
        }
        return {i: found[i] for i in wanted if i in found}

    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, list[Unit]] = {i: [] for i in wanted}
        for row in self._rows(
            f"SELECT {_UNIT_COLS} FROM units WHERE parent_id IN {_IDS} ORDER BY parent_id, id",
            (_ids_json(wanted),),
        ):
            out[row[5]].append(_unit(row))
        return out

    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, set[str]] = {i: set() for i in wanted}
        sql = f"""
            WITH asked(id) AS (SELECT id FROM units WHERE id IN {_IDS})
            SELECT u.id, u.parent_id FROM units u JOIN asked USING (id) JOIN units p ON p.id = u.parent_id
            UNION SELECT c.parent_id, c.id FROM units c JOIN asked a ON c.parent_id = a.id
            UNION SELECT l.source_id, l.target_id FROM links l JOIN asked a ON l.source_id = a.id
            UNION SELECT l.target_id, l.source_id FROM links l JOIN asked a ON l.target_id = a.id
        """
        for uid, other in self._rows(sql, (_ids_json(wanted),)):
            if other != uid:
                out[uid].add(other)
        return out

    # -- listings ----------------------------------------------------------------------------------
    def count_units(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM units")[0][0])

    def regions(self) -> list[Region]:
        return [
            Region(*r) for r in self._rows("SELECT code, name, level, parent_code FROM regions ORDER BY code")
        ]

    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        # many kinds (the rules' catalogue: nearly every unit) read the table in id order; few, the index
        kind = "+kind" if len(set(kinds)) > 2 else "kind"
        rows = self._rows(
            f"SELECT {_UNIT_COLS} FROM units WHERE {kind} IN {_IDS} ORDER BY id", (_ids_json(kinds),)
        )
        return [_unit(r) for r in rows]

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        where, params = ["1"], []
        with_sql = ""
        if query.kind:
            where.append("kind = ?")
            params.append(query.kind)
        if query.level:
            where.append("level = ?")
            params.append(query.level)
        if query.region_code:
            # the region and every region below it; the code itself counts even if no such region exists
            with_sql = (
                "WITH RECURSIVE within(code) AS (SELECT ? UNION "
                "SELECT r.code FROM regions r JOIN within w ON r.parent_code = w.code) "
            )
            where.append("region_code IN (SELECT code FROM within)")
        if query.name_contains:
            where.append("(instr(py_lower(name), ?) > 0 OR instr(py_lower(coalesce(name_en, '')), ?) > 0)")
            needle = query.name_contains.lower()
            params += [needle, needle]
        all_params = ([query.region_code] if query.region_code else []) + params
        condition = " AND ".join(where)
        with self._reading() as conn:
            total = int(
                conn.execute(
                    f"{with_sql}SELECT COUNT(*) FROM units WHERE {condition}", all_params
                ).fetchone()[0]
            )
            start, count = _page_bounds(total, offset, limit)
            if not count:
                return Page([], total)
            rows = conn.execute(
                f"{with_sql}SELECT {_UNIT_COLS} FROM units WHERE {condition} ORDER BY id LIMIT ? OFFSET ?",
                [*all_params, count, start],
            ).fetchall()
        return Page([_unit(r) for r in rows], total)

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        where, params = [], []
        if query.unit_id is not None:
            if query.other_id is not None:
                where.append("((source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?))")
                params += [query.unit_id, query.other_id, query.other_id, query.unit_id]
            else:
                where.append("(source_id = ? OR target_id = ?)")
                params += [query.unit_id, query.unit_id]
        if query.year is not None:
            where.append("date >= ? AND date < ?")
            params += [f"{query.year:04d}-01-01", f"{query.year + 1:04d}-01-01"]
        if query.family:
            where.append("family = ?")
            params.append(query.family)
        if query.kind:
            where.append("kind = ?")
            params.append(query.kind)
        condition = " AND ".join(where) or "1"
        with self._reading() as conn:
            total = int(conn.execute(f"SELECT COUNT(*) FROM links WHERE {condition}", params).fetchone()[0])
            start, count = _page_bounds(total, offset, limit)
            if not count:
                return Page([], total)
            rows = conn.execute(
                f"SELECT {_LINK_COLS} FROM links WHERE {condition} ORDER BY date, id LIMIT ? OFFSET ?",
                [*params, count, start],
            ).fetchall()
        return Page([_link(r) for r in rows], total)

    # -- aggregates --------------------------------------------------------------------------------
    def years(self) -> list[int]:
        # one index seek per distinct year (SQLite has no loose index scan of its own)
        rows = self._rows(
            "WITH RECURSIVE y(year) AS (SELECT MIN(year) FROM links UNION ALL "
            "SELECT (SELECT MIN(year) FROM links WHERE year > y.year) FROM y WHERE y.year IS NOT NULL) "
            "SELECT year FROM y WHERE year IS NOT NULL"
        )
        return [int(r[0]) for r in rows]

    def link_totals(self, year: int) -> list[LinkTotal]:
        rows = self._rows(
            "SELECT kind, MAX(family), COUNT(*), SUM(count), SUM(coalesce(participants, 0)) "
            "FROM links WHERE year = ? GROUP BY kind ORDER BY kind",
            (year,),
        )
        return [LinkTotal(*r) for r in rows]

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        wanted = sorted(set(years))
        if not wanted:
            return []
        sql = (
            "SELECT source_id, target_id, kind, year, count, participants, records FROM pair_totals "
            f"WHERE year IN ({', '.join('?' * len(wanted))})"
        )
        params: list[Any] = list(wanted)
        if kinds is not None:
            sql += f" AND kind IN {_IDS}"
            params.append(_ids_json(kinds))
        sql += " ORDER BY source_id, target_id, kind, year"  # for one year, the key's order: no sort
        make = partial(tuple.__new__, PairCount)  # PairCount._make without its per-row length check
        with self._reading() as conn:
            return list(map(make, conn.execute(sql, params)))


def _statements(script: str) -> Iterator[str]:
    """The statements of a migration script, one by one (``executescript`` would commit first)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if statement:
                yield statement
    if buffer.strip():
        yield buffer.strip()
