"""Costly queries run in a separate, lower-priority process, so cheap ones never wait behind them.

Building a response of thousands of objects is Python work on the event loop: while a worker's loop
resolves one such query, every other request of that worker waits (the issue measured ``{ years }``
at 15 s behind one). Queries whose cost (:mod:`.cost`) is at least ``TIAOKUAI_HEAVY_COST`` are
therefore executed by a process pool of the worker (``TIAOKUAI_HEAVY_PROCESSES`` processes, started
on the first such query), each with its own store connection and answer cache, at a lower CPU
priority (``nice`` 10): the operating system then gives the CPU to the cheap requests first, and
the worker's event loop only waits for the answer. Mutations always run in the worker.

Only ``tiaokuai serve`` turns this on (it knows how to open the store again in another process);
an app made with :func:`graph.api.create_app` alone runs every query in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import multiprocessing
import os
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
)

from ...config import Settings
from .cost import Costing, operation_cost

__all__ = ["Offloader", "Plan", "enable_offload", "price"]

#: CPU priority of the pool's processes (higher is lower priority)
NICENESS = 10


@dataclass(frozen=True)
class Plan:
    cost: int


@functools.lru_cache(maxsize=1024)
def _parsed(query: str, max_tokens: int) -> DocumentNode | None:
    try:
        return parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None


def price(
    schema: Any, document: DocumentNode, operation_name: str | None, variables: dict[str, Any] | None,
    costing: Costing,
) -> tuple[int, OperationDefinitionNode] | None:  # fmt: skip
    """The cost of the operation a request names, or None when there is no such operation."""
    operation: OperationDefinitionNode | None = None
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments[definition.name.value] = definition
        elif isinstance(definition, OperationDefinitionNode) and (
            operation_name is None or (definition.name and definition.name.value == operation_name)
        ):
            operation = operation or definition
    if operation is None:
        return None
    return operation_cost(schema, operation, fragments, variables, costing), operation


# -- in the pool's processes ----------------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _watch_parent(parent: int) -> None:
    """End this process when the worker that started it is gone (killed, or ended without
    shutting the pool down): a pool process never outlives its server."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _start(settings_json: str, parent: int) -> None:
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()
    from ...rules import load_rules
    from ...store import open_store
    from ..graphql.schema import build_schema
    from . import Limits

    settings = Settings.model_validate_json(settings_json)
    # the worker charged the client already; the pool only keeps its own cache
    own = settings.model_copy(update={"cost_per_minute": 0})
    _STATE.update(
        settings=own,
        store=open_store(settings.store, timeout=settings.neo4j_timeout),
        schema=build_schema(own),
        rules=load_rules(),
        limits=Limits(own),
    )


def _execute(
    query: str, variables: dict[str, Any] | None, operation_name: str | None, authorized: bool,
    key_presented: bool, seconds: float, caller: Any = None,
) -> dict[str, Any]:  # fmt: skip
    from strawberry.http import process_result
    from strawberry.types.graphql import OperationType as StrawberryOperationType

    from ...store import deadline
    from ..graphql.context import Context

    st = _STATE
    # the caller's scope goes with the query: the pool reads through the same ScopedStore
    ctx = Context(
        st["store"], st["settings"], st["rules"], authorized=authorized, key_presented=key_presented,
        caller=caller,
    )  # fmt: skip
    ctx.request = SimpleNamespace(  # type: ignore[assignment]  # what the limits look up on a request
        app=SimpleNamespace(state=SimpleNamespace(limits=st["limits"], settings=st["settings"])),
        headers={},
        client=None,
    )

    async def run() -> Any:
        with deadline.deadline(seconds):
            return await asyncio.wait_for(
                st["schema"].execute(
                    query,
                    variable_values=variables,
                    context_value=ctx,
                    operation_name=operation_name,
                    allowed_operation_types={StrawberryOperationType.QUERY},
                ),
                timeout=seconds,
            )

    try:
        return dict(process_result(asyncio.run(run())))
    except TimeoutError:
        return {"timeout": True}


# -- in the worker --------------------------------------------------------------------------------


class Offloader:
    """The worker's pool for costly queries (started on first use)."""

    def __init__(self, settings: Settings, store_location: str) -> None:
        self.settings = settings.model_copy(update={"store": store_location})
        self.threshold = settings.heavy_cost
        self.processes = settings.heavy_processes
        self._pool: ProcessPoolExecutor | None = None

    def plan(self, schema: Any, query: str | None, operation_name: str | None,
             variables: dict[str, Any] | None, costing: Costing) -> Plan | None:  # fmt: skip
        """A plan to run the request in the pool, or None to run it in place (cheap, a mutation,
        a document that does not parse: strawberry reports it, too costly: refused in place)."""
        if self.threshold <= 0 or not query:
            return None
        document = _parsed(query, self.settings.max_tokens)
        if document is None:
            return None
        priced = price(schema, document, operation_name, variables, costing)
        if priced is None:
            return None
        cost, operation = priced
        if (
            operation.operation != OperationType.QUERY
            or cost < self.threshold
            or cost > self.settings.max_cost
        ):
            return None
        return Plan(cost)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.settings.model_dump_json(), os.getpid()),
            )
        return self._pool

    async def execute(
        self, query: str, variables: dict[str, Any] | None, operation_name: str | None, *,
        authorized: bool, key_presented: bool, seconds: float, caller: Any = None,
    ) -> dict[str, Any]:  # fmt: skip
        """The response of the query as run in the pool (``{"timeout": True}`` past ``seconds``)."""
        future = self._executor().submit(
            _execute, query, variables, operation_name, authorized, key_presented, seconds, caller
        )
        return await asyncio.wrap_future(future)

    def warm(self) -> None:
        """Start the pool's processes now (opening the store takes a moment), not on first use."""
        if self.threshold > 0:
            self._executor().submit(int)

    def close(self) -> None:
        """Stop the pool and wait for its processes (a query they run ends by its timeout).

        Why wait: the worker exits normally after a stop signal (graph.api.workers), and
        multiprocessing's exit handlers close the pool's queues before they wait for its
        processes; a pool left running then never receives its stop message, and the worker waited
        for its processes for ever."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def enable_offload(app: Any, settings: Settings, store_location: str) -> None:
    """Run this app's costly queries in a pool that opens ``store_location`` (``tiaokuai serve``)."""
    if settings.heavy_cost <= 0:
        return
    offloader = app.state.offloader = Offloader(settings, store_location)
    offloader.warm()
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[None]:
        async with inner(a):
            try:
                yield
            finally:
                offloader.close()

    app.router.lifespan_context = lifespan
