"""``create_app(settings, store)``: GraphQL at ``/graphql``, ``/healthz`` and ``/readyz``.

The caller owns the store: it opens it before and closes it after the app runs (``tiaokuai serve``
does both). Rules are read once here, so a broken ``expectations.yaml`` stops the server at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from strawberry.fastapi import GraphQLRouter

from .. import __version__
from ..config import Settings
from ..errors import TiaokuaiError
from ..rules import Rule, load_rules
from ..store.base import Store
from .audit import AuditExtension, attach_file
from .deps import StoreDep, get_context
from .graphql.schema import build_schema
from .keys import KeyRing
from .limits import Limits
from .limits.refusals import graphql_http_exception_handler
from .limits.router import LimitedGraphQLRouter
from .middleware import BodyLimitMiddleware, RequestLogMiddleware
from .pages import install as install_pages

__all__ = ["create_app", "READY_TIMEOUT_S"]

READY_TIMEOUT_S = 5.0

log = logging.getLogger("graph.api")


def create_app(settings: Settings, store: Store, rules: Sequence[Rule] | None = None) -> FastAPI:
    app = FastAPI(
        title="tiaokuai",
        version=__version__,
        description="条块: vertical lines and horizontal blocks. GraphQL at /graphql.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.rules = list(rules) if rules is not None else load_rules()
    app.state.limits = Limits(settings)  # cost rate buckets and answer cache of this process
    # the keys file, followed while the server runs (graph.api.keys; docs/security.md)
    app.state.keyring = KeyRing(settings.keys_file) if settings.keys_file is not None else None
    if settings.api_keys:
        log.warning(
            "TIAOKUAI_API_KEYS is deprecated: its keys write everywhere, unscoped and unnamed; "
            "move to a keys file (tiaokuai keys add --name … --role write --region …, TIAOKUAI_KEYS_FILE)"
        )
    if settings.audit_log is not None:
        attach_file(str(settings.audit_log))

    schema = build_schema(settings)
    schema.extensions = (*schema.extensions, AuditExtension)  # an audit record for every write
    # undecodable bodies are 400, GraphiQL offline (TiaokuaiGraphQLRouter); deadline, cost
    # refusals, every refusal as JSON (LimitedGraphQLRouter)
    router: GraphQLRouter = LimitedGraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=True,
    )
    app.include_router(router, prefix="/graphql")
    app.add_exception_handler(StarletteHTTPException, graphql_http_exception_handler)
    install_pages(app)  # /report, /unit/{id} and GraphiQL's /static assets (graph.api.pages)

    @app.get("/healthz", summary="The process is up.")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The store answers (200) or not (503, with the reason).")
    async def readyz(store: StoreDep) -> JSONResponse:
        try:
            await asyncio.wait_for(asyncio.to_thread(store.ping), READY_TIMEOUT_S)
        except TimeoutError:
            reason = f"store did not answer within {READY_TIMEOUT_S:.0f} s"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        except TiaokuaiError as exc:
            return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; say which
            reason = f"{type(exc).__name__}: {exc}"
            return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "store": store.location})

    # Middleware runs outermost-last-added: log → CORS → body limit → app.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
        )
    app.add_middleware(RequestLogMiddleware)
    return app
