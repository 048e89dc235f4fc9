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

import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import ConfigError, DeadlineExceeded, StoreError, StoreUnavailable
from ..model import Dataset, Link, Region, Unit
from ..model.captions import caption
from ..model.vocabulary import vocabulary
from ..resources import schema_path
from . import cypher, cypher_reads, deadline
from .base import Store, WriteSummary
from .neo4j_gaps import Neo4jGapWriter
from .neo4j_reads import Neo4jReads, _unique
from .neo4j_where import Neo4jWhere

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


class Neo4jStore(Neo4jReads, Neo4jWhere, Neo4jGapWriter, Store):
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
    def _region_names(
        self, units: Sequence[Unit], regions: Sequence[Region]
    ) -> dict[str, tuple[str, str | None]]:
        """Region code -> (its name, the name of the region around it), for the units' regions:
        what a unit's Browser caption splits at and leaves out (graph.model.captions). Regions not in
        this load are read first."""
        known = {r.code: r for r in regions}

        def fetch(codes: Iterable[str | None]) -> None:
            missing = {code for code in codes if code and code not in known}
            if missing:
                known.update(self.get_regions(sorted(missing)))

        fetch(u.region_code for u in units)
        fetch(known[u.region_code].parent_code for u in units if u.region_code in known)
        out: dict[str, tuple[str, str | None]] = {}
        for u in units:
            region = known.get(u.region_code or "")
            if region:
                parent = known.get(region.parent_code or "")
                out[region.code] = (region.name, parent.name if parent else None)
        return out

    def write(self, dataset: Dataset) -> WriteSummary:
        summary = WriteSummary(
            regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
        )
        vocab = vocabulary()
        # the last row of an id wins, as when the embedded store applies them one by one
        regions = list({r.code: r for r in dataset.regions}.values())
        units = list({u.id: u for u in dataset.units}.values())
        # sorted by id, so that each batch spans a narrow id range (see cypher.LINK_RANGE_CLEAR)
        links = sorted({lk.id: lk for lk in dataset.links}.values(), key=lambda lk: lk.id)

        region_rows: list[dict[str, Any]] = [
            {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code} for r in regions
        ]
        unit_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        places = self._region_names(units, regions)
        for u in units:
            if u.kind not in vocab.unit_kinds:
                raise StoreError(f"unit {u.id}: unknown kind {u.kind!r}; nothing was written")
            own, around = places.get(u.region_code or "", (None, None))
            unit_rows[vocab.label(u.kind)].append(
                {
                    "id": u.id, "name": u.name, "name_en": u.name_en, "kind": u.kind,
                    "level": u.level, "region_code": u.region_code, "parent_id": u.parent_id,
                    "extra": json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else None,
                    "system": u.system, "caption": caption(u.name, around, own),
                }
            )  # fmt: skip
        structure_rows: list[dict[str, Any]] = [
            {"id": u.id, "parent_id": u.parent_id, "region_code": u.region_code} for u in units
        ]
        # link_rel: id -> relationship type; the rows themselves are built batch by batch in the
        # transaction, while the server works on the batch before (see _write_links)
        link_rel: dict[str, str] = {}
        for lk in links:
            if lk.family not in vocab.families:
                raise StoreError(f"link {lk.id}: unknown family {lk.family!r}; nothing was written")
            link_rel[lk.id] = vocab.rel_type(lk.family)
        if not (region_rows or unit_rows or links):
            return summary

        size = max(1, int(self.batch_size))

        def work(tx: Any) -> int:
            def run(query: str, **params: Any) -> Any:
                return tx.run(query, params)

            # regions, then their WITHIN edges (parents may come later in the same load)
            for rows in _chunks(region_rows, size):
                run(cypher.REGION_MERGE, rows=rows).consume()
            for rows in _chunks(region_rows, size):
                run(cypher.REGION_UNLINK_PARENT, rows=rows).consume()
                run(cypher.REGION_LINK_PARENT, rows=[r for r in rows if r["parent_code"]]).consume()
                codes = [r["code"] for r in rows]
                run(cypher.REGION_ADOPT_CHILDREN, codes=codes).consume()
                run(cypher.REGION_ADOPT_UNITS, codes=codes).consume()
            # units (one statement per kind label), then UNDER and IN_REGION
            for label, label_rows in unit_rows.items():
                for rows in _chunks(label_rows, size):
                    run(cypher.unit_merge(label), rows=rows).consume()
            for rows in _chunks(structure_rows, size):
                run(cypher.UNIT_UNLINK_PARENT, rows=rows).consume()
                run(cypher.UNIT_LINK_PARENT, rows=[r for r in rows if r["parent_id"]]).consume()
                run(cypher.UNIT_ADOPT_CHILDREN, ids=[r["id"] for r in rows]).consume()
                run(cypher.UNIT_UNLINK_REGION, rows=rows).consume()
                run(cypher.UNIT_LINK_REGION, rows=[r for r in rows if r["region_code"]]).consume()
            return self._write_links(tx, links, link_rel, size)

        self.ensure_schema()
        summary.links_created = self._write_tx(
            work,
            f"writing {len(links)} links in one transaction",
            "Give the server a bigger heap (about 4 KB per link; see docs/stores.md) or split the load.",
        )
        return summary

    def _write_links(self, tx: Any, links: Sequence[Link], link_rel: dict[str, str], size: int) -> int:
        """Write ``links`` (sorted by id) in batches of ``size`` inside ``tx``; returns how many
        were created.

        The links' units are looked up once, by id (cypher.UNIT_NODES), and found again by element
        id in each batch: a unit missing from the database stops the load before any link is sent.
        A batch of new links is sent without waiting for the one before: ``tx.run`` returns once
        the server has accepted the statement, and the client builds and packs the next batch
        while the server creates the last one (Bolt pipelines the statements of a transaction).
        Each batch's count is checked once the next batch has been sent, when its answer has
        already arrived. Waiting for every answer left the server idle for the client's share of
        the work, about a fifth of the load's time. Links that may exist (the id check below) are
        found, moved or updated first, batch by batch, as a reload needs.
        """
        ends = _unique(e for lk in links for e in (lk.source_id, lk.target_id))
        node: dict[str, str] = {}
        for ids in _chunks(ends, 50_000):
            node.update(tx.run(cypher.UNIT_NODES, {"ids": ids}).single(strict=True)["nodes"])
        missing = [e for e in ends if e not in node]
        if missing:
            unwritten = sum(1 for lk in links if lk.source_id not in node or lk.target_id not in node)
            raise StoreError(
                f"cannot write {unwritten} link(s) to Neo4j at {self.location}: "
                f"unit(s) {', '.join(sorted(missing)[:10])} do not exist; nothing was written"
            )

        def rows_of(batch: Sequence[Link]) -> list[list[Any]]:
            # lists in the order of cypher.LINK_ROW_FIELDS
            return [
                [lk.id, lk.source_id, lk.target_id, lk.kind, lk.date, lk.date.year, lk.count,
                 lk.participants, lk.title, lk.source_file, lk.source_row,
                 node[lk.source_id], node[lk.target_id]]
                for lk in batch
            ]  # fmt: skip

        def clear(ids: list[str]) -> bool:
            # no stored link's id within the range of ids: none of them can exist
            return bool(tx.run(cypher.LINK_RANGE_CLEAR, {"ids": ids}).single(strict=True)["clear"])

        pending: list[tuple[Any, int]] = []  # (result, links sent) of creates not yet checked

        def check(upto: int) -> None:
            for result, sent in pending[:upto]:
                done = result.single(strict=True)["created"]
                if done != sent:  # a unit deleted or replaced by another writer since UNIT_NODES
                    raise StoreError(
                        f"cannot write {sent - done} link(s) to Neo4j at {self.location}: their units "
                        "were deleted or replaced while the load ran (another writer?); nothing was "
                        "written. Run the load again."
                    )
            del pending[:upto]

        # one range check for the whole write: a first import or a new year's ledger passes it,
        # and no batch needs its own check
        all_new = bool(links) and clear([lk.id for lk in links])
        created = 0
        for batch in _chunks(links, size):
            rows = rows_of(batch)
            ids = [r[0] for r in rows]
            found: set[str] = set()
            if not all_new and not clear(ids):
                found = set(tx.run(cypher.LINK_FOUND, {"ids": ids}).single(strict=True)["found"])
            kept: set[str] = set()
            if found:
                keys = [
                    {"id": r[0], "source_id": r[1], "target_id": r[2], "rel_type": link_rel[r[0]]}
                    for r in rows
                    if r[0] in found
                ]
                kept = set(tx.run(cypher.LINK_EXISTING, {"rows": keys}).single(strict=True)["kept"])
            created += len(rows) - len(found)
            sent = len(pending)
            for rel in cypher.REL_TYPES:
                mine = [r for r in rows if link_rel[r[0]] == rel]
                update = [r for r in mine if r[0] in kept]
                create = [r for r in mine if r[0] not in kept]
                if update:
                    tx.run(cypher.LINK_UPDATE[rel], {"rows": update}).consume()
                if create:
                    pending.append((tx.run(cypher.LINK_CREATE[rel], {"rows": create}), len(create)))
            check(sent)  # the batches before this one: answered by now
        check(len(pending))
        return created
