"""The queue between a load's reader and its writers: buckets of links keyed by the partitions of
their end units, taken so that no two concurrent transactions lock the same node ("mix and
batch"), and bounded so that the client's memory does not grow with the input.

Why a module of its own: it is plain threading with no Cypher in it, and the load's order of work
(:mod:`graph.store.neo4j_load`) reads better without it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator

from ..model import Link

__all__ = ["Buckets", "default_jobs", "in_chunks"]


def default_jobs() -> int:
    """Concurrent write transactions: ``TIAOKUAI_LOAD_JOBS``, else the CPUs here (the local
    server's, in the usual set-up), at least 2 (one transaction is being written by the server
    while the client builds the next) and at most 8."""
    env = os.environ.get("TIAOKUAI_LOAD_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(2, min(8, os.cpu_count() or 2))


class Buckets:
    """Buckets of links keyed by the pair of partitions of their two units, handed to workers so
    that no two buckets being written at the same time share a partition (so their transactions
    never lock the same node). Biggest first, and a worker takes any bucket that is free rather
    than waiting for a round to end: a hub's bucket does not hold the others back.

    Given its buckets, the queue is complete; without them, a producer adds buckets as it reads
    the input (:meth:`add` waits while more than ``limit`` links are queued, so the client's memory
    stays bounded) and closes the queue at the end (:meth:`close`)."""

    def __init__(self, buckets: dict[tuple[int, int], list[Link]] | None = None, *, limit: int = 0):
        self.todo: list[tuple[tuple[int, int], list[Link]]] = []
        self.busy: set[int] = set()
        self.cond = threading.Condition()
        self.failed = False
        self.closed = buckets is not None
        self.limit = limit
        self.queued = 0
        if buckets:
            self.add(buckets)

    def add(self, buckets: dict[tuple[int, int], list[Link]]) -> bool:
        """Queue more buckets (after waiting for room); False if a worker failed (stop reading)."""
        with self.cond:
            while self.limit and self.queued > self.limit and not self.failed:
                self.cond.wait()
            if self.failed:
                return False
            for pair, links in buckets.items():
                self.todo.append((pair, links))
                self.queued += len(links)
            self.todo.sort(key=lambda kv: -len(kv[1]))
            self.cond.notify_all()
            return True

    def close(self, failed: bool = False) -> None:
        """No more buckets will come (or, ``failed``, none of the queued ones is to be written)."""
        with self.cond:
            self.closed = True
            self.failed = self.failed or failed
            self.cond.notify_all()

    def take(self) -> tuple[tuple[int, int], list[Link]] | None:
        """The next bucket none of whose partitions is being written; None when all are done."""
        with self.cond:
            while True:
                if self.failed or (self.closed and not self.todo):
                    return None
                for i, (pair, links) in enumerate(self.todo):
                    if not set(pair) & self.busy:
                        del self.todo[i]
                        self.busy.update(pair)
                        self.queued -= len(links)
                        self.cond.notify_all()
                        return pair, links
                self.cond.wait()

    def done(self, pair: tuple[int, int], failed: bool = False) -> None:
        with self.cond:
            self.busy.difference_update(pair)
            self.failed = self.failed or failed
            self.cond.notify_all()


def in_chunks(links: Iterable[Link], size: int) -> Iterator[list[Link]]:
    """``links`` in lists of ``size`` (the last shorter), as they are read."""
    chunk: list[Link] = []
    for lk in links:
        chunk.append(lk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
