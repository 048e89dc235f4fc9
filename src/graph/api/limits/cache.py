"""Answers cached per worker process, keyed by the store generation, so they are never stale.

What is cached: the year-level questions that every dashboard asks again and again and that cost a
whole year of links to answer (``rules.evaluate``, ``rules.coverage``, ``rules.gaps``,
``stats.stats``) and the store's catalogue questions (``years``, ``regions``, ``units_of_kinds``,
``link_totals``, ``pair_counts``, ``count_units``). Each entry is keyed by the store generation
(:meth:`graph.store.base.Store.generation`), which every committed write bumps in the same
transaction: a write through any worker changes the generation, so the next read at every worker
misses and computes afresh. The generation is read once per request (one short Neo4j query, or a
``stat`` of the embedded file).

The cache is bounded by ``TIAOKUAI_CACHE_MB`` (an estimate of the entries' sizes; least recently
used first out). Cached answers are shared between requests and never mutated by them.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import fields, is_dataclass
from typing import Any

from ... import rules as rules_mod
from ...queries import stats as stats_mod

__all__ = ["AnswerCache", "cache_key", "approx_size", "CACHED_FUNCTIONS", "CACHED_STORE_METHODS"]

#: functions of (store, ...) whose answers depend on nothing but the store's data and the arguments
CACHED_FUNCTIONS: dict[Callable[..., Any], str] = {
    rules_mod.evaluate: "rules.evaluate",
    rules_mod.coverage: "rules.coverage",
    rules_mod.gaps: "rules.gaps",
    stats_mod.stats: "queries.stats",
}
#: Store methods whose answers are cached the same way
CACHED_STORE_METHODS = frozenset(
    {"years", "regions", "units_of_kinds", "link_totals", "pair_counts", "count_units"}
)


def _frozen(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    hash(value)  # a TypeError for anything unhashable: not cached
    return value  # type: ignore[no-any-return]


def cache_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Hashable | None:
    """A hashable key for a call, or None when an argument cannot be part of one."""
    try:
        return (name, _frozen(args), _frozen(kwargs))
    except TypeError:
        return None


def approx_size(value: Any, depth: int = 0) -> int:
    """An estimate of the bytes ``value`` holds: containers are sampled (at most 20 items)."""
    size = sys.getsizeof(value)
    if depth > 4:
        return size
    if isinstance(value, dict):
        items = list(value.items())
        sample = items[:20]
        if sample:
            per = sum(approx_size(k, depth + 1) + approx_size(v, depth + 1) for k, v in sample) / len(sample)
            size += int(per * len(items))
    elif isinstance(value, list | tuple | set | frozenset):
        seq: list[Any] | tuple[Any, ...] = value if isinstance(value, list | tuple) else list(value)
        first = seq[:20]
        if first:
            size += int(sum(approx_size(v, depth + 1) for v in first) / len(first) * len(seq))
    elif is_dataclass(value) and not isinstance(value, type):
        size += sum(approx_size(getattr(value, f.name), depth + 1) for f in fields(value))
    return size


class AnswerCache:
    """A least-recently-used map bounded by an estimate of its entries' bytes (thread-safe)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._generation: int | None = None

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return False, None
            self._entries.move_to_end(key)
            self.hits += 1
            return True, entry[0]

    def put(self, key: Hashable, value: Any) -> None:
        if self.max_bytes <= 0:
            return
        size = approx_size(value)
        if size > self.max_bytes // 4:  # one answer may not take over the cache
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, gone) = self._entries.popitem(last=False)
                self._bytes -= gone

    def seen(self, generation: int) -> None:
        """Note the generation a request read; when it moved on, forget the entries of the others
        (no request will ask for them again, and their memory is better used)."""
        if generation == self._generation:
            return
        with self._lock:
            self._generation = generation
            for key in [k for k in self._entries if isinstance(k, tuple) and k and k[0] != generation]:
                _, size = self._entries.pop(key)
                self._bytes -= size
