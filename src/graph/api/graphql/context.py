"""The per-request context: the store, settings, who is calling, and fresh DataLoaders.

All store access from resolvers goes through :meth:`Context.call`, which runs the (blocking) store
method in a worker thread and turns an outage into a clear "store unavailable: …" error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import OperationType
from strawberry.fastapi import BaseContext
from strawberry.types import Info as _Info

from ...config import Settings
from ...errors import DeadlineExceeded, StoreUnavailable
from ...rules import Rule
from ...store.base import Store
from ...store.scoped import ScopedStore
from ..auth import Caller
from ..errors import RequestTimeout, StoreDown
from ..limits import guard
from .loaders import Loaders

__all__ = ["Context", "Info"]

R = TypeVar("R")


class Context(BaseContext):
    """What every resolver sees as ``info.context``."""

    def __init__(self, store: Store, settings: Settings, rules: Sequence[Rule], authorized: bool,
                 key_presented: bool, caller: Caller | None = None, request_id: str | None = None,
                 refusal_reason: str = "none") -> None:  # fmt: skip
        super().__init__()
        #: who is calling (graph.api.deps.identify): None for an anonymous read
        self.caller = caller
        #: the request's id, as the audit log shows it
        self.request_id = request_id
        #: why no caller was identified ("none", "invalid", "expired", "revoked"), for refusals
        self.refusal_reason = refusal_reason
        #: the whole store, for what a write checks before its scope is (references, graph.ingest)
        self.unscoped_store = store
        #: what every resolver reads: the store seen through the caller's scope (graph.store.scoped)
        self.store = store if caller is None or caller.regions is None else ScopedStore(store, caller.regions)
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
        #: the operation's type (query, mutation), as graph.api.limits found it: only the answers
        #: of queries are cached whole (graph.api.limits.responses)
        self.operation_type: OperationType | None = None
        self._generation = guard.Generation(self.store)

    @property
    def generation(self) -> guard.Generation:
        """The store generation as this request reads it (once, from a read that started after
        the request did): the key of every answer cached for it."""
        return self._generation

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
