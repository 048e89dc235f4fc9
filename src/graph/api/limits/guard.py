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
from collections.abc import Callable
from typing import Any, TypeVar

from ...store import deadline
from ...store.base import Store
from .cache import CACHED_FUNCTIONS, CACHED_STORE_METHODS, AnswerCache, cache_key

__all__ = ["CheckedStore", "Generation", "run"]

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


class Generation:
    """The store generation as read once by a request (lazily, thread-safe)."""

    def __init__(self, store: Store, cache: AnswerCache | None = None) -> None:
        self._store = store
        self._cache = cache
        self._value: int | None = None
        self._lock = threading.Lock()

    def use(self, cache: AnswerCache | None) -> None:
        """The cache to tell when the generation moved on (see AnswerCache.seen)."""
        self._cache = cache

    def get(self) -> int:
        with self._lock:
            if self._value is None:
                self._value = self._store.generation()
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
