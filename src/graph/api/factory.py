"""The app of one worker process of ``tiaokuai serve --workers N``, built from the environment.

uvicorn starts each worker in a fresh process and needs an import string there
(``graph.api.factory:app_from_env``, a factory): ``serve`` puts every setting into ``TIAOKUAI_*``
variables before it starts them, and each worker opens its own store connection (or file) from
them. Each worker keeps its own caches (graph.api.limits.cache), keyed by the store generation, so
a write through one worker is seen by the next read at every other.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

__all__ = ["app_from_env"]


def app_from_env() -> FastAPI:
    from ..config import load_settings
    from ..store import open_store
    from . import create_app
    from .limits.offload import enable_offload
    from .logs import configure_logging
    from .warmup import enable_warm_up

    settings = load_settings()
    configure_logging(settings.log_format)
    store = open_store(settings.store, timeout=settings.neo4j_timeout)
    app = create_app(settings, store)
    enable_offload(app, settings, store.location)  # costly queries in a lower-priority process
    enable_warm_up(app)  # the first request does not pay for lazy imports and first validations
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            try:
                yield
            finally:
                store.close()

    app.router.lifespan_context = lifespan
    return app
