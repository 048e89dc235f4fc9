"""The embedded store's file and connections: recognising a file before SQLite opens it, opening
and migrating it, one connection per thread (re-opened when the file at the path is replaced), and
write transactions that are all or nothing and bump the store generation.

:class:`SQLiteFile` is the base of :class:`~graph.store.embedded.EmbeddedStore`; it knows nothing
of the graph (that is ``embedded.py`` and ``embedded_write.py``), only of the file.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from ..errors import StoreBusy, StoreError, StoreUnavailable
from . import sqlschema
from .sqlschema import APPLICATION_ID, Header, read_header

__all__ = ["SQLiteFile", "LOCK_TIMEOUT_S"]

T = TypeVar("T")

LOCK_TIMEOUT_S = float(os.environ.get("TIAOKUAI_LOCK_TIMEOUT", "60"))


class _Conn:
    """One thread's connection, the file (device, inode) it was opened on, and that file's (size,
    modification time) when its header was last checked."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        ident: tuple[int, int] | None,
        seen: tuple[int, int] | None,
        upgrade_pending: bool = False,
    ):
        self.conn = conn
        self.ident = ident
        self.seen = seen
        #: the file lacks an added column or its fill: reads see sqlschema.upgraded_units_view until
        #: this connection's first write brings the file forward (SQLiteFile._bring_forward)
        self.upgrade_pending = upgrade_pending
        #: the file's schema cookie when opened: a column added since changes it
        self.schema = _schema_version(conn) if upgrade_pending else 0


class SQLiteFile:
    """A tiaokuai SQLite file at ``path``: per-thread connections, header checks, transactions."""

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
            self._add_columns(conn)
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
            pending = self._upgrade_pending(conn)
            if pending:  # read as brought forward; written so only by a write (_bring_forward)
                columns = [r[1] for r in conn.execute("PRAGMA main.table_info(units)")]
                conn.execute(sqlschema.upgraded_units_view(columns))
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._busy() from exc
            raise self._unreadable(str(exc)) from exc
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(str(exc)) from exc
        return _Conn(conn, (st.st_dev, st.st_ino), (st.st_size, st.st_mtime_ns), pending)

    @staticmethod
    def _missing_columns(conn: sqlite3.Connection) -> list[str]:
        """The scripts of :data:`sqlschema.ADDED_COLUMNS` whose column the file lacks."""
        have: dict[str, set[str]] = {}
        for table, _column, _ in sqlschema.ADDED_COLUMNS:
            if table not in have:  # main: the file's table, not a connection's view of it
                have[table] = {r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")}
        return [script for table, column, script in sqlschema.ADDED_COLUMNS if column not in have[table]]

    @staticmethod
    def _systems_unfilled(conn: sqlite3.Connection) -> bool:
        """Whether a bureau-side unit of the file stores no system (sqlschema.system_fill's probe)."""
        fill = sqlschema.system_fill()
        if fill is None:
            return False
        probe, _update, params = fill
        return conn.execute(probe, params[2 * (len(params) // 3) :]).fetchone() is not None

    def _upgrade_pending(self, conn: sqlite3.Connection) -> bool:
        """Whether the file is older than this code in a way its first write brings forward."""
        return bool(self._missing_columns(conn)) or self._systems_unfilled(conn)

    def _bring_forward(self, current: _Conn) -> None:
        """Before the first write through ``current``: drop its view (sqlschema.upgraded_units_view)
        and add the missing columns and systems to the file, each in a transaction of its own."""
        conn = current.conn
        try:
            conn.execute("DROP VIEW IF EXISTS temp.units")
            self._add_columns(conn)
            self._fill_systems(conn)
        except BaseException as exc:
            self._drop(current)  # the next use opens the file afresh, with its view if still needed
            if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                raise self._busy() from exc
            raise
        current.upgrade_pending = False

    def _add_columns(self, conn: sqlite3.Connection) -> None:
        """Add the columns of :data:`sqlschema.ADDED_COLUMNS` a file lacks (one transaction)."""
        if not self._missing_columns(conn):
            return
        conn.execute("BEGIN IMMEDIATE")
        with self._upgrading(conn, "new columns added"):
            for script in self._missing_columns(conn):  # again: another process may have added them
                for statement in _statements(script):
                    conn.execute(statement)
            conn.execute("COMMIT")

    @contextmanager
    def _upgrading(self, conn: sqlite3.Connection, needs: str) -> Iterator[None]:
        """Roll back an upgrade of the file that failed; a read-only file is refused saying what
        the upgrade ``needs``, the one step a user can act on."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "readonly" in str(exc):
                raise StoreUnavailable(
                    f"cannot use the embedded store {self.path}: it needs {needs} and the file is "
                    f"read-only ({exc})"
                ) from exc
            raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _fill_systems(self, conn: sqlite3.Connection) -> None:
        """Store the system of the bureau-side units an older file left NULL (sqlschema.system_fill);
        a read-only file is left as it is (its readers resolve the same system in model.Unit)."""
        fill = sqlschema.system_fill()
        if fill is None or not self._systems_unfilled(conn):
            return
        _probe, update, params = fill
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc):
                return
            raise
        try:
            conn.execute(update, params)
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if "readonly" not in str(exc):
                raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        """Bring the file forward to the current schema, one version per transaction."""
        on_disk = conn.execute("PRAGMA journal_mode").fetchone()[0] != "memory"
        if version == 0 and on_disk and conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
            raise self._unreadable("it cannot be switched to WAL mode")
        while True:
            conn.execute("BEGIN IMMEDIATE")
            with self._upgrading(conn, f"its schema brought up to version {len(sqlschema.MIGRATIONS)}"):
                version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have
                if version >= len(sqlschema.MIGRATIONS):
                    conn.execute("ROLLBACK")
                    return
                for statement in _statements(sqlschema.MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute("COMMIT")
                conn.execute(
                    "ANALYZE sqlite_schema"
                )  # re-read the planner's statistics (sqlschema.LINK_STATS)

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
        if (
            current is not None
            and current.upgrade_pending
            and current.schema != _schema_version(current.conn)
        ):
            self._drop(current)  # another connection brought the file forward: open it as it is now
            current = None
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

    def close(self) -> None:
        """Close every thread's connection (the last one to close checkpoints the WAL into the file)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for c in conns:
            with suppress(sqlite3.Error):
                c.conn.close()
        self._local = threading.local()

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
        current: _Conn = self._local.conn
        if current.upgrade_pending:
            self._bring_forward(current)
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


def _schema_version(conn: sqlite3.Connection) -> int:
    """The file's schema cookie (``PRAGMA schema_version``), changed by every schema change."""
    return int(conn.execute("PRAGMA main.schema_version").fetchone()[0])
