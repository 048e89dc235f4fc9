"""A Neo4j load of any size: batches in parallel, invisible to readers until one switch.

Why: one transaction holding a national load (a million links) runs out of the default 2 GB heap,
and one stream of batches leaves the server's other cores idle. The statements and the visibility
rule are in :mod:`graph.store.cypher_load`; what follows is the order of the work:

1. **Begin** (``LOAD_BEGIN``): the load gets a number ``L`` and is recorded as running; a
   heartbeat thread renews ``Meta.heartbeat`` every few seconds, so a later load can tell a dead
   load (killed client, restarted server) from a live one.
2. **Stage units**: units not in the store are created as ``:StagedUnit`` nodes (invisible).
3. **Links** in batches of ``batch_size``, each batch its own managed transaction (retried on
   deadlocks and other transient errors), created with ``load_id: L`` (invisible). With ``jobs``
   above 1 the links are partitioned by their end nodes (each unit hashed into one of
   ``PARTS_PER_JOB × jobs`` partitions; a link goes to the bucket of its two partitions) and
   ``jobs`` workers take buckets none of whose partitions another worker is writing
   (:class:`Buckets`), so that the transactions running at the same time never lock the same node
   ("mix and batch"). Links already stored with the same content are skipped; stored links
   that differ are left to the switch.
4. **Switch**: one transaction writes regions, units and structural edges, relabels the staged
   units, applies the changed links, takes ``L`` out of the unseen tags (its links keep the tag,
   now visible) and bumps the store generation.
5. **Finish**: ``L`` is forgotten; a replace first deletes the links it hid, once the readers
   that began before the switch have ended. A plain load has nothing to undo: no pass over its
   links after the switch.

A failure before the switch removes what the load wrote (best effort; whatever is left stays
invisible and is removed by :func:`recover`).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..model import Link
from . import cypher, cypher_load
from .load_queue import Buckets, default_jobs, in_chunks

if TYPE_CHECKING:
    from .base import LinkSource, Replace
    from .neo4j import Neo4jStore

__all__ = ["StagedLoad", "Buckets", "recover", "clear", "default_jobs", "STALE_MS"]

#: a running load whose heartbeat is older than this is taken for dead (milliseconds)
STALE_MS = 30_000
HEARTBEAT_S = 5.0
#: how long a replace waits for readers that began before its switch, before deleting what it hid
DROP_WAIT_S = 60.0
#: partitions per concurrent transaction: more, smaller buckets keep every worker busy
PARTS_PER_JOB = 2
#: links read from the input at a time (sorted by id and checked against the store); the client
#: holds a chunk, the batches being filled (one per pair of partitions) and the queued ones,
#: whatever the size of the load
CHUNK = 50_000
#: full batches queued per worker at most before the reader waits
QUEUED_BATCHES = 2


def _link_id(lk: Link) -> str:
    return lk.id


def _ends(lk: Link) -> tuple[str, str]:
    return lk.source_id, lk.target_id


def _chunks(rows: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _same(stored: list[Any], lk: Link, rel: str) -> bool:
    date = stored[5].to_native() if hasattr(stored[5], "to_native") else stored[5]
    return stored[1:] == [
        rel, lk.source_id, lk.target_id, lk.kind, stored[5], lk.count, lk.participants, lk.title,
        lk.source_file, lk.source_row,
    ] and date == lk.date  # fmt: skip


class StagedLoad:
    """One batched load into ``store`` (see the module docstring)."""

    def __init__(
        self,
        store: Neo4jStore,
        *,
        jobs: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        replace: Replace | None = None,
    ):
        self.store = store
        self.replace = replace
        #: how many stored links the replace hid (deleted once the load is finished)
        self.hidden = 0
        self.jobs = max(1, jobs or default_jobs())
        self.progress = progress
        self.load = 0
        self._done = 0
        self._total = 0
        self._part: dict[str, int] = {}  # unit id -> its partition
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: the ids of the load's links, gathered as they go by for a replace (see :meth:`hide`)
        self.keep: list[str] = []
        #: seconds per step (begin, stage, write, hide, switch, finish): the load's summary line shows them
        self.steps: dict[str, float] = {}
        self._since = time.monotonic()

    # -- plumbing ------------------------------------------------------------------------------
    def _tx(self, work: Any, doing: str, *, bump: bool = False) -> Any:
        return self.store._write_tx(work, doing, bump=bump)

    def _auto(self, query: str, doing: str, **params: Any) -> Any:
        """An auto-commit query (``CALL { … } IN TRANSACTIONS`` needs one); its result summary."""
        store = self.store
        with store._translate(doing), store._driver.session(database=store.database) as session:
            return session.run(query, params).consume()

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            # a missed beat only makes the load look older
            with contextlib.suppress(Exception):
                self._tx(lambda tx: tx.run(cypher_load.LOAD_HEARTBEAT).consume(), "renewing the heartbeat")

    def _step(self, name: str) -> None:
        """The step ``name`` ends now."""
        now = time.monotonic()
        self.steps[name] = self.steps.get(name, 0.0) + now - self._since
        self._since = now

    def _tick(self, n: int) -> None:
        with self._lock:
            self._done += n
            if self.progress is not None:
                self.progress(self._done, self._total)

    # -- the load ------------------------------------------------------------------------------
    def run(
        self,
        region_rows: list[dict[str, Any]],
        unit_rows: dict[str, list[dict[str, Any]]],
        structure_rows: list[dict[str, Any]],
        links: Sequence[Link] | LinkSource,
        rel_of: dict[str, str],
    ) -> int:
        """Write everything; returns how many links were created. All or nothing for readers.

        ``links`` (each id once) may be a list or a load's :class:`~graph.store.base.LinkSource`,
        which is read once, in chunks of :data:`CHUNK` links."""
        self.begin()
        self._step("begin")
        try:
            created, changed = self.stage(unit_rows, links, rel_of)
            if self.replace is not None:
                self.hide(self.replace, self.keep)
                self._step("hide")
            self.switch(region_rows, unit_rows, structure_rows, changed, rel_of)
            self._step("switch")
        except BaseException:
            self._stop.set()
            with contextlib.suppress(Exception):  # else left for recover(); invisible meanwhile
                _remove(self.store, [self.load])
            raise
        finally:
            self._stop.set()
        self.finish()
        self._step("finish")
        return created

    def begin(self) -> int:
        """Recover a dead load (or refuse beside a live one), take a load number, start the heartbeat."""
        for statement in cypher_load.SCHEMA:
            self._tx(lambda tx, s=statement: tx.run(s).consume(), "creating the staging schema")
        recover(self.store, force=False)

        self.load = self._tx(
            lambda tx: int(tx.run(cypher_load.LOAD_BEGIN).single(strict=True)["load"]), "starting a load"
        )
        beat = threading.Thread(target=self._beat, name=f"load-{self.load}-heartbeat", daemon=True)
        beat.start()
        return int(self.load)

    def hide(self, replace: Replace, keep: list[str]) -> None:
        """Tag the stored links of the replaced slice that this load does not carry (``keep``: the
        load's link ids) ``-L``: still visible (-L is not unseen) until the switch makes it so."""
        doing = f"marking the links of {replace.describe()} to be replaced"
        for rel in cypher.REL_TYPES:
            if replace.year is not None:
                summary = self._auto(
                    cypher_load.HIDE_YEAR[rel], doing, load=self.load, keep=keep, year=replace.year
                )
            else:
                summary = self._auto(
                    cypher_load.HIDE_REGION[rel], doing, load=self.load, keep=keep, region=replace.region
                )
            self.hidden += summary.counters.properties_set

    def finish(self) -> None:
        """After the switch: delete the links a replace hid, and forget the load."""
        _finish(self, [self.load], replaced=self.replace is not None)

    def stage(
        self,
        unit_rows: dict[str, list[dict[str, Any]]],
        links: Sequence[Link] | LinkSource,
        rel_of: dict[str, str],
    ) -> tuple[int, list[Link]]:
        """Stage new units and write new links; returns (links created, stored links that differ)."""
        size = max(1, int(self.store.batch_size))
        ids = [r["id"] for rows in unit_rows.values() for r in rows]
        existing: set[str] = set()
        for chunk in _chunks(ids, 50_000):
            existing.update(
                self._tx(lambda tx, c=chunk: tx.run(cypher_load.UNITS_EXISTING, ids=list(c)).single()["found"],
                         "finding stored units")
            )  # fmt: skip
        new_units = [i for i in ids if i not in existing]
        for chunk in _chunks(new_units, size):
            self._tx(
                lambda tx, c=chunk: tx.run(cypher_load.STAGE_UNITS, ids=list(c), load=self.load).consume(),
                "staging new units",
            )
        if isinstance(links, Sequence):
            ends = list(dict.fromkeys(e for lk in links for e in (lk.source_id, lk.target_id)))
            self._total = len(links)
        else:
            ends = sorted(links.ends)
            self._total = links.count
        node: dict[str, str] = {}
        for chunk in _chunks(ends, 50_000):
            node.update(
                self._tx(lambda tx, c=chunk: tx.run(cypher_load.END_NODES, ids=list(c)).single()["nodes"],
                         "finding the links' units")
            )  # fmt: skip
        missing = [e for e in ends if e not in node]
        if missing:
            raise StoreError(
                f"cannot write links to Neo4j at {self.store.location}: unit(s) "
                f"{', '.join(sorted(missing)[:10])} do not exist; nothing was written"
            )
        self._step("stage")
        written = self._write_all(links, rel_of, node, size)
        self._step("write")
        return written

    def _write_all(
        self, links: Iterable[Link], rel_of: dict[str, str], node: dict[str, str], size: int
    ) -> tuple[int, list[Link]]:
        """Read ``links`` in chunks of :data:`CHUNK`; of each, leave out the links stored with the
        same content, keep those stored with another for the switch, and write the new ones: one
        batch after the other (``jobs`` 1), or in buckets by ``jobs`` workers while the next
        chunk is read (:class:`Buckets`, at most :data:`QUEUED` links waiting)."""
        created = 0
        changed: list[Link] = []
        parallel = self.jobs > 1 and self._total >= 2 * size
        queue = Buckets(limit=QUEUED_BATCHES * self.jobs * size) if parallel else None
        filling: dict[tuple[int, int], list[Link]] = defaultdict(list)
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix=f"load-{self.load}")
        workers = (
            [pool.submit(self._worker, queue, rel_of, node, size) for _ in range(self.jobs)] if queue else []
        )
        try:
            for chunk in in_chunks(links, CHUNK):
                chunk.sort(key=_link_id)  # each batch spans a narrow range of ids (LINK_RANGE_CLEAR)
                if self.replace is not None:
                    self.keep.extend(lk.id for lk in chunk)
                fresh, differ = self._sort_out(chunk, rel_of, size)
                changed += differ
                created += len(fresh)
                if len(fresh) < len(chunk):  # stored already: done as far as the bar goes
                    self._tick(len(chunk) - len(fresh))
                del chunk
                if queue is None:
                    self._bucket(fresh, rel_of, node, size)
                elif not self._fill(fresh, filling, queue, size):
                    break  # a worker failed: its error is raised below
            if queue is not None:
                queue.add({pair: bucket for pair, bucket in filling.items() if bucket})
                queue.close()
        except BaseException:
            if queue is not None:
                queue.close(failed=True)
            raise
        finally:
            pool.shutdown(wait=True)
        for worker in workers:
            worker.result()
        return created, changed

    def _fill(
        self, links: list[Link], filling: dict[tuple[int, int], list[Link]], queue: Buckets, size: int
    ) -> bool:
        """Put links into the buckets of the pairs of partitions of their two units (``PARTS_PER_JOB
        × jobs`` partitions, a unit's partition from its id); a bucket that reaches a batch goes to
        the workers, ordered by its units. False if a worker failed."""
        parts = PARTS_PER_JOB * self.jobs
        part = self._part
        for lk in links:
            a = part.get(lk.source_id)
            if a is None:
                a = part[lk.source_id] = hash(lk.source_id) % parts
            b = part.get(lk.target_id)
            if b is None:
                b = part[lk.target_id] = hash(lk.target_id) % parts
            pair = (a, b) if a <= b else (b, a)
            bucket = filling[pair]
            bucket.append(lk)
            if len(bucket) >= size:
                bucket.sort(key=_ends)  # a unit's links together: fewer pages touched per batch
                if not queue.add({pair: bucket}):
                    return False
                filling[pair] = []
        return True

    def _worker(self, queue: Buckets, rel_of: dict[str, str], node: dict[str, str], size: int) -> None:
        while (got := queue.take()) is not None:
            pair, bucket = got
            try:
                self._bucket(bucket, rel_of, node, size)
            except BaseException:
                queue.done(pair, failed=True)
                raise
            queue.done(pair)

    def _sort_out(
        self, links: list[Link], rel_of: dict[str, str], size: int
    ) -> tuple[list[Link], list[Link]]:
        """(links to create, stored links whose content differs); identical stored links drop out."""
        if not links:
            return [], []
        clear = self._tx(
            lambda tx: tx.run(cypher.LINK_RANGE_CLEAR, ids=[links[0].id, links[-1].id]).single()["clear"],
            "checking for stored links",
        )
        if clear:
            return links, []
        fresh: list[Link] = []
        changed: list[Link] = []
        for batch in _chunks(links, size):
            stored_rows = self._tx(
                lambda tx, b=batch: tx.run(cypher_load.LINKS_STORED, ids=[lk.id for lk in b]).single()[
                    "stored"
                ],
                "reading stored links",
            )
            stored = {row[0]: row for row in stored_rows}
            for lk in batch:
                row = stored.get(lk.id)
                if row is None:
                    fresh.append(lk)
                elif not _same(row, lk, rel_of[lk.family]):
                    changed.append(lk)
        return fresh, changed

    def _bucket(self, links: Sequence[Link], rel_of: dict[str, str], node: dict[str, str], size: int) -> None:
        for batch in _chunks(links, size):
            by_rel: dict[str, list[list[Any]]] = defaultdict(list)
            for lk in batch:
                by_rel[rel_of[lk.family]].append(
                    [lk.id, lk.source_id, lk.target_id, lk.kind, lk.date, lk.date.year, lk.count,
                     lk.participants, lk.title, lk.source_file, lk.source_row,
                     node[lk.source_id], node[lk.target_id]]
                )  # fmt: skip

            def work(tx: Any, by_rel: dict[str, list[list[Any]]] = by_rel) -> None:
                results = [
                    (tx.run(cypher_load.LINK_CREATE_TAGGED[rel], rows=rows, load=self.load), len(rows))
                    for rel, rows in by_rel.items()
                ]
                for result, sent in results:
                    done = result.single(strict=True)["created"]
                    if done != sent:
                        raise StoreError(
                            f"cannot write {sent - done} link(s) to Neo4j at {self.store.location}: their "
                            "units were deleted or replaced while the load ran (another writer?); nothing "
                            "was written. Run the load again."
                        )

            self._tx(work, f"writing a batch of {len(batch)} links (load {self.load})")
            self._tick(len(batch))

    def switch(
        self,
        region_rows: list[dict[str, Any]],
        unit_rows: dict[str, list[dict[str, Any]]],
        structure_rows: list[dict[str, Any]],
        changed: list[Link],
        rel_of: dict[str, str],
    ) -> None:
        store = self.store
        size = max(1, int(store.batch_size))

        def work(tx: Any) -> None:
            tx.run(cypher_load.UNSTAGE_UNITS, load=self.load).consume()
            store._write_structure(tx, region_rows, unit_rows, structure_rows, size)
            if changed:
                store._write_links(tx, changed, rel_of, size)
            tx.run(cypher_load.COMMIT_LOAD, load=self.load).consume()

        self._tx(work, f"committing load {self.load} ({len(changed)} changed links)", bump=True)


def _readers_before_now_ended(load: StagedLoad, wait: float) -> bool:
    """Wait until every transaction that began before now has ended; False after ``wait`` seconds."""
    since = load._tx(lambda tx: tx.run(cypher_load.SERVER_NOW).single(strict=True)["now"], "reading the time")
    until = time.monotonic() + wait
    while load._tx(
        lambda tx: tx.run(cypher_load.OLDER_TRANSACTIONS, since=since).single(strict=True)["n"],
        "listing running transactions",
    ):
        if time.monotonic() > until:
            return False
        time.sleep(0.2)
    return True


def _finish(load: StagedLoad, loads: list[int], *, replaced: bool, wait: float = DROP_WAIT_S) -> bool:
    """Forget committed ``loads``. With ``replaced``, first delete the links they hid (tagged
    ``-L``, unseen since the switch), once every transaction that began before now has ended (a
    reader that began before a switch still sees those links, and must not see them go part way).
    After ``wait`` seconds they stay, unseen, for the next load or ``--recover``; returns whether
    the loads were finished."""
    if not loads:
        return True
    if replaced and not _readers_before_now_ended(load, wait):
        return False
    for n in loads:
        if replaced:
            for rel in cypher.REL_TYPES:
                load._auto(cypher_load.DROP_HIDDEN[rel], "deleting the links a load replaced", load=n)
        load._tx(lambda tx, n=n: tx.run(cypher_load.FORGET_LOAD, load=n).consume(), "finishing a load")
    return True


def _remove(store: Neo4jStore, loads: list[int]) -> None:
    """Delete what uncommitted ``loads`` wrote and forget them."""
    load = StagedLoad(store)
    for rel in cypher.REL_TYPES:
        load._auto(cypher_load.RECOVER_LINKS[rel], "removing an unfinished load's links", loads=loads)
        load._auto(
            cypher_load.RESTORE_HIDDEN[rel], "restoring links an unfinished load replaced", loads=loads
        )
    load._auto(cypher_load.RECOVER_UNITS, "removing an unfinished load's units", loads=loads)
    for n in loads:
        load._tx(lambda tx, n=n: tx.run(cypher_load.FORGET_LOAD, load=n).consume(), "forgetting a load")


def recover(store: Neo4jStore, *, force: bool = True) -> list[int]:
    """Finish or remove loads that are recorded as running: a committed one is finished (the links
    a replace hid deleted), an uncommitted one removed. Without ``force`` only when their heartbeat
    is older than :data:`STALE_MS` (else StoreError: another load is running). Returns the loads
    handled."""
    load = StagedLoad(store)
    state = load._tx(lambda tx: tx.run(cypher_load.LOAD_STATE).single(strict=True), "reading the load state")
    running = [int(x) for x in state["loading"]]
    if not running:
        return []
    if not force and state["idle"] < STALE_MS:
        raise StoreError(
            f"another load (number {', '.join(map(str, running))}) is writing to Neo4j at {store.location}; "
            f"wait for it, or, if it was stopped less than {STALE_MS // 1000} s ago, run "
            "tiaokuai load --recover"
        )
    unseen = {int(x) for x in state["unseen"]}
    _finish(load, [n for n in running if n not in unseen], replaced=True)
    dead = [n for n in running if n in unseen]
    if dead:
        _remove(store, dead)
    return running


def clear(store: Neo4jStore) -> int:
    """Empty the database in batches (links, then nodes; the store generation survives and is
    bumped). Returns how many nodes were deleted."""
    load = StagedLoad(store)
    before = load._tx(lambda tx: tx.run(cypher_load.COUNT_ALL).single()["n"], "counting nodes")
    load._auto(cypher_load.CLEAR_LINKS, "deleting links")
    load._auto(cypher_load.CLEAR_NODES, "deleting nodes")
    load._tx(
        lambda tx: tx.run(cypher_load.RESET_LOADS).consume(),
        "resetting the load state",
        bump=True,
    )
    return int(before)
