"""Where a request's store work runs: off the event loop, within its deadline, through the cache.

:func:`run` is what :meth:`graph.api.graphql.context.Context.call` runs in a worker thread for every
store call of a request. It

* stops the work once the request's deadline has passed (:mod:`graph.store.deadline`): before the
  call, and before every store method the call makes (the store is handed over behind
  :class:`CheckedStore`), so a long computation on the embedded store is interrupted between its
  store questions, and on Neo4j the server itself cancels a transaction at the deadline;
* answers from the process's :class:`~graph.api.limits.cache.AnswerCache` when the same question
  was answered at the same store generation, for the same scope: a scoped store
  (:class:`~graph.store.scoped.ScopedStore`) answers the same question differently for each scope,
  so every key holds the store's ``scope_key`` (None for the whole graph); one office never gets
  another's cached answer.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from ...store import deadline
from ...store.base import Store
from .cache import CACHED_FUNCTIONS, CACHED_STORE_METHODS, AnswerCache, cache_key

__all__ = ["CheckedStore", "Generation", "SharedReads", "shared_reads", "run"]

R = TypeVar("R")


class CheckedStore:
    """A store whose every method first checks the request's deadline, and whose catalogue
    questions (:data:`~graph.api.limits.cache.CACHED_STORE_METHODS`) are answered from the cache
    when it can (a real store behind it)."""

    def __init__(
        self, inner: Store, cache: AnswerCache | None = None, generation: Generation | None = None
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._generation = generation

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value) or name.startswith("_"):
            return value
        cache, generation = self._cache, self._generation

        def checked(*args: Any, **kwargs: Any) -> Any:
            deadline.check(f"asking the store ({name})")
            if cache is None or generation is None or name not in CACHED_STORE_METHODS:
                return value(*args, **kwargs)
            key = _scoped(self._inner, cache_key("store." + name, args, kwargs))
            if key is None:
                return value(*args, **kwargs)
            full = (generation.get(), key)
            hit, answer = cache.get(full)
            if not hit:
                answer = value(*args, **kwargs)
                cache.put(full, answer)
            return answer

        return checked


class SharedReads:
    """One process's reads of a store's generation, shared by the requests that can use them.

    A request needs a generation read that *started after the request did*: then every write
    committed before the request began is seen (a write through another worker is seen by the next
    request everywhere). Many requests at once need no read each: a read that started after all
    of them serves them all. So a request uses the last completed read if that read started after
    the request; else it waits for the read under way and checks again; else it reads itself.
    On Neo4j a read is a round trip (a query on the meta node); with 16 clients of one worker this
    made one round trip per request, half of a cached dashboard answer's cost."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cond = threading.Condition()
        self._value: int | None = None
        self._started = float("-inf")  # when the read that gave _value started
        self._reading = False

    def after(self, since: float) -> int:
        """A generation read that started at ``since`` (``time.monotonic()``) or later."""
        with self._cond:
            while True:
                if self._value is not None and self._started >= since:
                    return self._value
                if not self._reading:
                    self._reading = True
                    start = time.monotonic()
                    break
                self._cond.wait()  # the read under way may have started after `since`
        try:
            value = self._store.generation()
        except BaseException:
            with self._cond:
                self._reading = False
                self._cond.notify_all()
            raise
        with self._cond:
            if start >= self._started:
                self._value, self._started = value, start
            self._reading = False
            self._cond.notify_all()
        return value


_SHARED: weakref.WeakKeyDictionary[Any, SharedReads] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def shared_reads(store: Store) -> SharedReads:
    """The process's :class:`SharedReads` of ``store``."""
    with _SHARED_LOCK:
        found = _SHARED.get(store)
        if found is None:
            found = _SHARED[store] = SharedReads(store)
        return found


class Generation:
    """The store generation as read once by a request (lazily, thread-safe), from a read that
    started after the request did (:class:`SharedReads`)."""

    def __init__(self, store: Store, cache: AnswerCache | None = None) -> None:
        self._store = store
        self._cache = cache
        self._value: int | None = None
        self._lock = threading.Lock()
        self._born = time.monotonic()

    def use(self, cache: AnswerCache | None) -> None:
        """The cache to tell when the generation moved on (see AnswerCache.seen)."""
        self._cache = cache

    def get(self) -> int:
        with self._lock:
            if self._value is None:
                try:
                    reads = shared_reads(self._store)
                except TypeError:  # a store that cannot be weakly referenced: read it here
                    self._value = self._store.generation()
                else:
                    self._value = reads.after(self._born)
                if self._cache is not None:
                    self._cache.seen(self._value)
            return self._value


def _scoped(store: Any, key: Any) -> Any:
    """``key`` for the answers of ``store``: with the store's scope in it (None: unscoped)."""
    if key is None:
        return None
    return (getattr(store, "scope_key", None), key)


def _key(fn: Callable[..., Any], store: Store, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    name = CACHED_FUNCTIONS.get(fn)
    if name is not None and args and args[0] is store:
        return _scoped(store, cache_key(name, args[1:], kwargs))
    owner = getattr(fn, "__self__", None)
    if owner is store and getattr(fn, "__name__", "") in CACHED_STORE_METHODS:
        return _scoped(store, cache_key("store." + fn.__name__, args, kwargs))
    return None


def run(
    fn: Callable[..., R],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    store: Store,
    cache: AnswerCache | None,
    generation: Generation | None,
) -> R:
    """Call ``fn(*args, **kwargs)`` for a request (in a worker thread), as the module says."""
    deadline.check()
    key = _key(fn, store, args, kwargs) if cache is not None and generation is not None else None
    gen = 0
    if key is not None:
        assert cache is not None and generation is not None
        gen = generation.get()
        hit, value = cache.get((gen, key))
        if hit:
            return value  # type: ignore[no-any-return]
    # the store, wherever it is passed, checks the deadline before each of its questions
    guarded = CheckedStore(store, cache, generation)
    checked = tuple(guarded if a is store else a for a in args)
    result = fn(*checked, **kwargs)
    if key is not None:
        assert cache is not None and generation is not None
        cache.put((gen, key), result)
    return result
