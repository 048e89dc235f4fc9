"""The per-request context: the store, settings, who is calling, and fresh DataLoaders.

All store access from resolvers goes through :meth:`Context.call`, which runs the (blocking) store
method in a worker thread and turns an outage into a clear "store unavailable: …" error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from ...config import Settings
from ...errors import DeadlineExceeded, StoreUnavailable
from ...rules import Rule
from ...store.base import Store
from ..errors import RequestTimeout, StoreDown
from ..limits import guard
from .loaders import Loaders

__all__ = ["Context", "Info"]

R = TypeVar("R")


class Context(BaseContext):
    """What every resolver sees as ``info.context``."""

    def __init__(self, store: Store, settings: Settings, rules: Sequence[Rule], authorized: bool,
                 key_presented: bool) -> None:  # fmt: skip
        super().__init__()
        self.store = store
        self.settings = settings
        self.rules = list(rules)
        #: a valid ``Authorization: Bearer KEY`` came with the request
        self.authorized = authorized
        #: some Authorization header came with the request (valid or not)
        self.key_presented = key_presented
        self.loaders = Loaders(self)
        #: the query's cost and a refusal, as graph.api.limits decided them
        self.cost = 0
        self.refusal: str | None = None
        self.retry_after = 0
        self._generation = guard.Generation(store)

    async def call(self, fn: Callable[..., R], *args: Any, **kwargs: Any) -> R:
        """Run a blocking store function off the event loop, within the request's deadline and
        through the process's answer cache (graph.api.limits.guard)."""
        state = getattr(getattr(getattr(self, "request", None), "app", None), "state", None)
        limits = getattr(state, "limits", None)
        cache = limits.cache if limits is not None and limits.cache.max_bytes > 0 else None
        self._generation.use(cache)
        try:
            return await asyncio.to_thread(
                guard.run, fn, args, kwargs, store=self.store, cache=cache, generation=self._generation
            )
        except StoreUnavailable as exc:
            raise StoreDown(f"store unavailable: {exc}") from exc
        except DeadlineExceeded as exc:
            raise RequestTimeout(str(exc)) from exc


Info = _Info[Context, None]
