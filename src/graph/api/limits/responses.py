"""Whole answers of queries cached per worker process, keyed so that they are never stale or shared.

A dashboard asks the same few documents again and again (years, a page of units with parent and
region, coverage, gaps, stats). The answer cache of :mod:`.guard` spares the heavy store questions,
but each request still parses, prices and resolves its fields and, on Neo4j, makes store round
trips for what is not cached (a page of 50 units with parent and region: ~5.9 ms of CPU against
1.2 ms for ``{ __typename }``). This cache keeps the whole answer of a query, keyed by

* the document text, the operation name and the variables (as canonical JSON: ``1`` and ``true``
  are different variables),
* the caller's scope (the ``scope_key`` of :class:`~graph.store.scoped.ScopedStore`; None for the
  whole graph): two offices asking the same document get their own answers,
* the store generation, read for every request from a read that started after the request did
  (:class:`~graph.api.limits.guard.Generation`): a write anywhere (a mutation through any worker, a
  load beside the server) changes it, so the next request misses and computes afresh.

What it keeps and what it never keeps: answers of queries only (never of mutations), and only
whole answers (no errors: neither refusals, nor deadline-cut answers, nor partial ones). Not those
of queries that cost at least ``TIAOKUAI_HEAVY_COST`` either: they run in the low-priority process
(:mod:`.offload`) so that cheap requests go first, and their answers are large; served from the
cache, each would be encoded at the worker's own priority (4 clients repeating the costliest
admitted query held ``{ years }`` at a p99 of 600 ms: ``serve_cheap_p99_under_costly_vs_idle``
6–37, against 1–4 without this cache).

A cached answer is charged like any other: its cost (the same document, operation and variables
cost the same) goes to the client's rate before it is given
(:func:`~graph.api.limits.extension.charge`), over the rate it is ``RATE_LIMITED``, and it carries
``extensions.cost``.

The entries share the process's :class:`~graph.api.limits.cache.AnswerCache` with the answers of
:mod:`.guard`: one bound, ``TIAOKUAI_CACHE_MB``, least recently used first out, and the entries of
an older generation dropped when a request sees a new one. ``TIAOKUAI_RESPONSE_CACHE=false`` turns
this cache off (the answer cache of :mod:`.guard` stays).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from graphql import OperationType
from strawberry.types import ExecutionResult

from .extension import charge

__all__ = ["CachedResponse", "Lookup", "lookup", "remember"]


@dataclass(frozen=True)
class CachedResponse:
    """A query's whole answer: ``data`` is shared by every request it answers, never mutated."""

    data: dict[str, Any]
    cost: int


@dataclass
class Lookup:
    """What :func:`lookup` found for a request: the key to :func:`remember` its answer under (None:
    not cacheable), and the answer to give (None: run the query)."""

    key: Hashable | None
    result: ExecutionResult | None = None


def _key(context: Any, request_data: Any, generation: int) -> Hashable | None:
    query = getattr(request_data, "query", None)
    if not isinstance(query, str) or not query:
        return None
    try:
        variables = json.dumps(
            request_data.variables or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
    except (TypeError, ValueError):  # not JSON (an upload): not cached
        return None
    scope = getattr(context.store, "scope_key", None)
    # the generation first: AnswerCache.seen drops the entries of older generations by it
    return (generation, ("response", scope, query, request_data.operation_name, variables))


def _cache(request: Any) -> Any:
    """The process's answer cache when responses are to be cached, else None."""
    limits = getattr(request.app.state, "limits", None)
    if limits is None or not limits.settings.response_cache or limits.cache.max_bytes <= 0:
        return None
    return limits.cache


async def lookup(request: Any, context: Any, request_data: Any) -> Lookup:
    """The cached answer of this request, charged to its client (a ``RATE_LIMITED`` answer when
    it cannot pay), or the key to remember the answer under once the query has run."""
    cache = _cache(request)
    if cache is None:
        return Lookup(None)
    generation = context.generation
    generation.use(cache)
    # a store round trip on Neo4j (shared with the requests that start with this one): off the loop
    try:
        read = await asyncio.to_thread(generation.get)
    except Exception:  # noqa: BLE001 - the store is down: the query says so as it runs, uncached
        return Lookup(None)
    key = _key(context, request_data, read)
    if key is None:
        return Lookup(None)
    hit, cached = cache.get(key)
    if not hit:
        return Lookup(key)
    assert isinstance(cached, CachedResponse)
    context.cost = cached.cost
    refused = charge(context, request.app.state.limits, cached.cost)
    if refused is not None:
        return Lookup(
            None, ExecutionResult(data=None, errors=refused.errors, extensions={"cost": cached.cost})
        )
    return Lookup(key, ExecutionResult(data=cached.data, errors=None, extensions={"cost": cached.cost}))


def remember(request: Any, context: Any, found: Lookup, result: ExecutionResult) -> None:
    """Keep ``result`` under the key :func:`lookup` gave, when it is a whole answer of a query."""
    if found.key is None or found.result is not None:
        return
    if result.errors or not isinstance(result.data, dict) or context.refusal is not None:
        return
    if getattr(context, "operation_type", None) is not OperationType.QUERY:
        return
    cache = _cache(request)
    heavy = request.app.state.limits.settings.heavy_cost if cache is not None else 0
    if cache is not None and not 0 < heavy <= context.cost:
        cache.put(found.key, CachedResponse(result.data, int(context.cost)))
