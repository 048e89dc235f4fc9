"""The Neo4j store: the same questions as the embedded store, answered by a Neo4j 5 server.

Why this shape:

* The caller owns one driver per store; nothing connects at import time. The database name is
  always passed (no home-database round trip). Reads are auto-commit queries in READ sessions
  (RUN and PULL in one round trip; retried once by :meth:`Neo4jStore._read` on a retryable error);
  writes run in managed transactions so that the driver retries transient failures; every
  transaction function is safe to repeat.
* Every aggregation happens in Cypher (:mod:`graph.store.cypher` holds every statement), so a
  method is one round trip that returns compact rows. Only :meth:`Neo4jStore.regions` and
  :meth:`Neo4jStore.units_of_kinds` return catalogues, as the interface says.
* A write is one transaction (all or nothing), sent as ``UNWIND $rows`` batches of
  :attr:`Neo4jStore.batch_size` rows.
* Driver exceptions never reach callers: they become :class:`~graph.errors.StoreUnavailable`
  (server down, credentials refused, unknown database) or :class:`~graph.errors.StoreError`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import ConfigError, DeadlineExceeded, StoreError, StoreUnavailable
from ..model import Dataset, Link
from ..resources import schema_path
from . import cypher, cypher_reads, deadline
from .base import LinkSource, Replace, Store, WriteSummary
from .neo4j_gaps import Neo4jGapWriter
from .neo4j_reads import Neo4jReads
from .neo4j_where import Neo4jWhere
from .neo4j_write import Neo4jWrites

if TYPE_CHECKING:
    from .neo4j_load import StagedLoad

__all__ = ["Neo4jStore", "BATCH_SIZE", "DEFAULT_DATABASE"]

#: rows per ``UNWIND $rows`` statement (see docs/stores.md for the measurement behind it)
BATCH_SIZE = 5_000
DEFAULT_DATABASE = "neo4j"

T = TypeVar("T")


def _without_credentials(uri: str) -> str:
    """``bolt://user:pw@host:7687`` → ``bolt://host:7687``."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _out_of_memory(exc: Any) -> bool:
    """Whether a Neo4jError is the server's transaction memory running out (a transient error to
    the driver, though the same work needs the same memory again)."""
    return "MemoryPool" in (exc.code or "") or "dbms.memory.transaction" in (exc.message or "")


class Neo4jStore(Neo4jReads, Neo4jWhere, Neo4jGapWriter, Neo4jWrites, Store):
    """A :class:`~graph.store.base.Store` on a Neo4j 5 server (Community or Enterprise, or Aura).

    >>> store = Neo4jStore.from_env("bolt://127.0.0.1:7687")   # doctest: +SKIP
    >>> store.ping()                                          # doctest: +SKIP
    """

    #: rows per UNWIND statement in :meth:`write`
    batch_size: int = BATCH_SIZE

    def __init__(
        self,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str = DEFAULT_DATABASE,
        *,
        driver: Any = None,
        **driver_config: Any,
    ):
        """Open a driver for ``uri`` (``driver_config`` goes to ``GraphDatabase.driver``), or use
        ``driver``, one the caller made (any object with the driver's ``session``,
        ``execute_query``, ``verify_connectivity`` and ``close``): the documented seam for a
        test double or a driver shared with other code."""
        from neo4j import GraphDatabase

        self.uri = _without_credentials(uri)
        self.location = self.uri
        self.database = database
        self._schema_ready = False
        # the driver's default; the store's own write retries (_write_tx) use it too
        self._retry_time = float(driver_config.get("max_transaction_retry_time", 30.0))
        if driver is not None:
            self._driver = driver
            return
        driver_config.setdefault("user_agent", "tiaokuai")
        # "label does not exist" on an empty database and "hinted index does not exist" before
        # the first write are expected; the driver would log each as a warning
        driver_config.setdefault("notifications_disabled_classifications", ["HINT", "UNRECOGNIZED"])
        try:
            self._driver = GraphDatabase.driver(self.uri, auth=auth, **driver_config)
        except Exception as exc:  # ConfigurationError, ValueError on a malformed URI
            raise StoreError(f"cannot use Neo4j URI {self.location}: {exc}") from exc

    @classmethod
    def from_env(
        cls, uri: str, env: Mapping[str, str] | None = None, *, timeout: float | None = None
    ) -> Neo4jStore:
        """Open ``uri`` with ``NEO4J_USERNAME`` (default ``neo4j``), ``NEO4J_PASSWORD`` and
        ``NEO4J_DATABASE`` (default ``neo4j``). Without a password (unset or empty) the driver
        connects without authentication (the local development server has auth off). Credentials
        written into the URI (``bolt://user:pw@host``) are used when the environment has none."""
        env = os.environ if env is None else env
        parts = urlsplit(uri)
        password = env.get("NEO4J_PASSWORD") or (unquote(parts.password) if parts.password else "")
        user = env.get("NEO4J_USERNAME") or (unquote(parts.username) if parts.username else "neo4j")
        auth = (user, password) if password else None
        if timeout is None and env.get("TIAOKUAI_NEO4J_TIMEOUT"):
            try:
                timeout = float(env["TIAOKUAI_NEO4J_TIMEOUT"])
            except ValueError:
                raise ConfigError(
                    f"TIAOKUAI_NEO4J_TIMEOUT must be a number of seconds, not {env['TIAOKUAI_NEO4J_TIMEOUT']!r}"
                ) from None
        # Bound every wait (connect, pool, transaction retries) so an outage is reported quickly.
        limits = (
            {
                "connection_timeout": timeout,
                "connection_acquisition_timeout": timeout,
                "max_transaction_retry_time": timeout,
            }
            if timeout
            else {}
        )
        return cls(uri, auth=auth, database=env.get("NEO4J_DATABASE") or DEFAULT_DATABASE, **limits)

    @property
    def driver(self) -> Any:
        """The store's driver, for callers that run their own Cypher beside it (tests, benchmarks);
        the store closes it on :meth:`close`."""
        return self._driver

    def __repr__(self) -> str:
        return f"Neo4jStore({self.location!r}, database={self.database!r})"

    # -- plumbing ------------------------------------------------------------------------------
    @contextmanager
    def _translate(self, doing: str) -> Iterator[None]:
        """Turn driver exceptions into the project's StoreUnavailable / StoreError."""
        from neo4j import exceptions as ne

        where = f"Neo4j at {self.location} (database {self.database!r})"
        try:
            yield
        except (ne.ServiceUnavailable, ne.SessionExpired) as exc:
            raise StoreUnavailable(
                f"{where} is unreachable while {doing}: {exc}. Is the server running "
                "(scripts/neo4j start) and the URI right?"
            ) from exc
        except ne.AuthError as exc:
            raise StoreUnavailable(
                f"{where} refused the credentials while {doing}: {exc.message}. "
                "Set NEO4J_USERNAME and NEO4J_PASSWORD (unset NEO4J_PASSWORD for a server with auth off)."
            ) from exc
        except ne.Neo4jError as exc:
            code = exc.code or ""
            if "TransactionTimedOut" in code or (
                code.endswith("Terminated") and (deadline.remaining() or 1) <= 0
            ):
                raise DeadlineExceeded(
                    f"{where} stopped {doing}: the request ran out of time (the server cancelled the "
                    "transaction at the deadline)"
                ) from exc
            if code.endswith("DatabaseNotFound"):
                raise StoreUnavailable(
                    f"{where}: the database does not exist; set NEO4J_DATABASE to an existing one"
                ) from exc
            if isinstance(exc, ne.TransientError) or code.startswith("Neo.TransientError"):
                raise StoreUnavailable(
                    f"{where} could not finish {doing} (transient, after retries): {exc.message}"
                ) from exc
            raise StoreError(f"{where} failed while {doing}: {code}: {exc.message}") from exc
        except ne.DriverError as exc:
            raise StoreError(f"{where} failed while {doing}: {exc}") from exc
        except (TypeError, ValueError) as exc:  # a parameter the driver cannot send
            raise StoreError(f"{where}: cannot send the data while {doing}: {exc}") from exc

    def _read(self, query: str, doing: str, **params: Any) -> list[Any]:
        """Run one read as an auto-commit query: RUN and PULL in one round trip (a managed
        transaction, as ``execute_query``, adds BEGIN and COMMIT: two). The driver does not retry
        auto-commit queries, so a transient failure or a lost connection is retried once here;
        reads are safe to repeat."""
        from neo4j import READ_ACCESS, Query
        from neo4j import exceptions as ne

        with self._translate(doing):
            for attempt in (1, 2):
                # within a request's deadline (graph.store.deadline), the server cancels the
                # transaction when the time is up
                deadline.check(doing)
                left = deadline.remaining()
                statement = query if left is None else Query(query, timeout=max(left, 0.001))
                try:
                    with self._driver.session(
                        database=self.database, default_access_mode=READ_ACCESS, fetch_size=-1
                    ) as session:
                        return list(session.run(statement, params))
                except (ne.Neo4jError, ne.DriverError) as exc:
                    if attempt == 2 or not exc.is_retryable() or (deadline.remaining() or 1) <= 0:
                        raise
        raise AssertionError("unreachable")

    def write_transaction(self, work: Callable[[Any], T], doing: str, *, schema: bool = False) -> T:
        """Run ``work(tx)`` in one write transaction (retried on transient errors, see _write_tx).

        For writers beside the ledger load, such as ``gaps --write``; ``doing`` names the work in
        error messages. ``work`` must be safe to repeat. The transaction bumps the store
        generation, except a ``schema`` one (constraints and indexes only: Neo4j does not let
        schema changes and data writes share a transaction, and they change no answer).
        """
        return self._write_tx(work, doing, bump=not schema)

    def _write_tx(
        self,
        work: Callable[[Any], T],
        doing: str,
        too_big: str = "Give the server a bigger heap (see docs/stores.md).",
        *,
        bump: bool = True,
    ) -> T:
        """Run ``work`` in one transaction and commit it, retrying transient errors (a deadlock
        with another writer, a leader switch) for up to ``max_transaction_retry_time``, as the
        driver's managed transactions do, except running out of transaction memory: that is a
        StoreError saying ``too_big``.

        The commit is made here rather than by ``execute_write`` because the server reports work
        too big for its transaction memory at the commit, as a transient error: the driver would
        run the whole of it again to meet the same error, minutes later for a national load.

        Unless ``bump`` is false (schema changes), the store generation is bumped last in the same
        transaction (cypher.GENERATION_BUMP), so it changes exactly when the write commits."""
        import random
        import time

        from neo4j import exceptions as ne

        retry_until: float | None = None
        delay = 1.0
        with self._translate(doing):
            while True:
                try:
                    # a session per attempt: one whose connection failed is not reused
                    deadline.check(doing)
                    left = deadline.remaining()
                    with (
                        self._driver.session(database=self.database) as session,
                        session.begin_transaction(timeout=None if left is None else max(left, 0.001)) as tx,
                    ):
                        result = work(tx)
                        if bump:
                            tx.run(cypher.GENERATION_BUMP).consume()
                        tx.commit()
                    return result
                except (ne.Neo4jError, ne.DriverError) as exc:
                    if isinstance(exc, ne.Neo4jError) and _out_of_memory(exc):
                        raise StoreError(
                            f"Neo4j at {self.location} ran out of transaction memory {doing} "
                            f"({exc.message}); nothing was written. {too_big}"
                        ) from exc
                    now = time.monotonic()
                    retry_until = retry_until or now + self._retry_time
                    if not exc.is_retryable() or now > retry_until or (deadline.remaining() or 1) <= 0:
                        raise
                    time.sleep(delay * random.uniform(0.8, 1.2))
                    delay *= 2

    # -- lifecycle -----------------------------------------------------------------------------
    def ping(self) -> None:
        with self._translate("checking the connection"):
            self._driver.verify_connectivity()
        self._read(cypher_reads.PING, "checking the database")

    def close(self) -> None:
        self._driver.close()

    def generation(self) -> int:
        return int(self._read(cypher.GENERATION, "reading the store generation")[0]["generation"])

    def ensure_schema(self) -> None:
        """Apply ``schema/constraints.cypher`` (idempotent); done once per store, on first write."""
        if self._schema_ready:
            return
        path = schema_path("constraints.cypher")
        try:
            statements = cypher.schema_statements(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot read the Neo4j schema {path}: {exc}") from exc
        with self._translate("applying the schema"):
            for statement in statements:
                self._driver.execute_query(statement, database_=self.database)
        self._schema_ready = True

    # -- writes --------------------------------------------------------------------------------
    #: above this many links a write goes in batches (graph.store.neo4j_load), not one transaction
    staged_above: int = 100_000
    #: concurrent transactions of a batched load (None: graph.store.neo4j_load.default_jobs())
    jobs: int | None = None
    #: called with (links written, links to write) as a batched load goes
    write_progress: Callable[[int, int], None] | None = None
    #: the slice of stored links the next writes replace (always a batched load, whose switch
    #: hides the old slice as it shows the new links)
    replace: Replace | None = None
    #: the next write goes through neo4j-admin import (graph.store.neo4j_bulk), CSVs in
    #: TIAOKUAI_BULK_DIR if set (kept), else in a temporary folder
    bulk: bool = False

    def clear(self) -> int:
        from .neo4j_load import clear

        return clear(self)

    def configure_writes(
        self, *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None,
        replace: Replace | None = None, bulk: bool = False,
    ) -> None:  # fmt: skip
        if bulk:  # refused before the input is read, when the target cannot take it
            from .neo4j_bulk import check_bulk_target

            if replace is not None:
                raise StoreError("load --bulk fills an empty database: --replace has nothing to replace")
            check_bulk_target(self)
        self.jobs = jobs
        self.write_progress = progress
        self.replace = replace
        self.bulk = bulk

    def recover(self) -> list[int]:
        from .neo4j_load import recover

        return recover(self, force=True)

    def write(self, dataset: Dataset) -> WriteSummary:
        """One transaction for up to :attr:`staged_above` links; a bigger write goes in batches
        that readers see only once all of them are written (graph.store.neo4j_load)."""
        summary = WriteSummary(
            regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
        )
        region_rows, unit_rows, structure_rows, links, rel_of = self._rows(dataset)
        if not (region_rows or unit_rows or links):
            return summary
        if self.bulk:
            return self._bulk_write(summary, region_rows, unit_rows, links, len(links), rel_of)
        size = max(1, int(self.batch_size))
        self.ensure_schema()
        if len(links) > self.staged_above or self.replace is not None:
            from .neo4j_load import StagedLoad

            load = StagedLoad(self, jobs=self.jobs, progress=self.write_progress, replace=self.replace)
            summary.links_created = load.run(region_rows, unit_rows, structure_rows, links, rel_of)
            return _staged_summary(summary, load)

        def work(tx: Any) -> int:
            self._write_structure(tx, region_rows, unit_rows, structure_rows, size)
            return self._write_links(tx, links, rel_of, size)

        summary.links_created = self._write_tx(
            work,
            f"writing {len(links)} links in one transaction",
            "Give the server a bigger heap (about 4 KB per link; see docs/stores.md) or split the load.",
        )
        return summary

    def write_stream(self, dataset: Dataset, links: LinkSource) -> WriteSummary:
        """A load above :attr:`staged_above` links (or a replace) goes in batches as the links are
        read (graph.store.neo4j_load), so neither the server's memory nor the client's grows with
        the input; a bulk load writes them to its import CSV as they are read; a smaller one is
        one :meth:`write`."""
        if links.count <= self.staged_above and self.replace is None and not self.bulk:
            return super().write_stream(dataset, links)
        from .neo4j_load import StagedLoad

        summary = WriteSummary(regions=len(dataset.regions), units=len(dataset.units), links=links.count)
        region_rows, unit_rows, structure_rows, _, rel_of = self._rows(
            Dataset(dataset.regions, dataset.units)
        )
        if self.bulk:  # the links go from the files to the import CSV as they are read again
            return self._bulk_write(summary, region_rows, unit_rows, links, links.count, rel_of)
        self.ensure_schema()
        load = StagedLoad(self, jobs=self.jobs, progress=self.write_progress, replace=self.replace)
        summary.links_created = load.run(region_rows, unit_rows, structure_rows, links, rel_of)
        return _staged_summary(summary, load)

    def _bulk_write(
        self, summary: WriteSummary, region_rows: list[dict[str, Any]],
        unit_rows: dict[str, list[dict[str, Any]]], links: Iterable[Link], count: int,
        rel_of: dict[str, str],
    ) -> WriteSummary:  # fmt: skip
        import tempfile

        from .neo4j_bulk import bulk_write

        keep = os.environ.get("TIAOKUAI_BULK_DIR")
        with tempfile.TemporaryDirectory(prefix="tiaokuai-bulk-") as tmp:
            took = bulk_write(self, Path(keep) if keep else Path(tmp), region_rows, unit_rows, links, rel_of)
        summary.links_created = count
        summary.extra.update({f"bulk_{k}_ms": int(v * 1000) for k, v in took.items()})
        return summary


def _staged_summary(summary: WriteSummary, load: StagedLoad) -> WriteSummary:
    """The summary of a batched load: the links a replace hid, and each step's time (``step_*_ms``)."""
    if load.replace is not None:
        summary.extra["links_replaced"] = load.hidden
    summary.extra.update({f"step_{k}_ms": int(v * 1000) for k, v in load.steps.items()})
    return summary
