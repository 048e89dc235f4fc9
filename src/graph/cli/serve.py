"""``serve`` (the GraphQL API) and ``schema`` (print the GraphQL schema in SDL)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from .common import handle_errors, open_from, store_option

__all__ = ["serve", "schema"]


@click.command()
@click.option("--host", help="Interface to listen on (default 127.0.0.1; env TIAOKUAI_HOST).")
@click.option("--port", type=int, help="Port (default 8000; env TIAOKUAI_PORT).")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes over the same store (default: the number of CPUs; env TIAOKUAI_WORKERS).",
)
@click.option(
    "--get",
    "get_path",
    metavar="PATH",
    help="Answer one GET request, e.g. '/graphql?query={years}', print the body and exit (no server).",
)
@store_option
@handle_errors
def serve(
    host: str | None, port: int | None, workers: int | None, get_path: str | None, store_location: str | None
) -> None:
    """Serve the GraphQL API at /graphql (GraphiQL in a browser), with /healthz and /readyz.

    Settings come from TIAOKUAI_* variables (see docs/graphql.md): the keys file with each key's role
    and region scope in TIAOKUAI_KEYS_FILE (tiaokuai keys; docs/security.md), CORS origins, page size and query limits, the cost budget,
    rate, request timeout and cache (docs/graphql.md, Limits). With several workers (--workers, by
    default one per CPU) each is a process of its own over the same store. Stops gracefully on
    Ctrl-C or SIGTERM, finishing requests in flight.
    """
    from ..api import create_app
    from ..api.logs import configure_logging
    from ..config import load_settings

    settings = load_settings(host=host, port=port, store=store_location, workers=workers)
    n_workers = settings.workers or os.cpu_count() or 1
    if get_path is None and n_workers > 1:
        _serve_workers(settings, n_workers)
        return
    with open_from(settings.store, timeout=settings.neo4j_timeout) as store:
        app = create_app(settings, store)
        if get_path is not None:
            from ..api.inprocess import asgi_request

            status, body = asyncio.run(asgi_request(app, "GET", get_path))
            text = body.decode("utf-8", errors="replace")
            with contextlib.suppress(ValueError):
                text = json.dumps(json.loads(text), ensure_ascii=False, indent=2)
            click.echo(text)
            sys.exit(0 if status < 400 else 1)

        import uvicorn

        from ..api.limits.offload import enable_offload
        from ..api.warmup import enable_warm_up

        enable_offload(app, settings, store.location)  # costly queries in a lower-priority process
        enable_warm_up(app)  # the first request does not pay for lazy imports and first validations
        configure_logging(settings.log_format)
        if not settings.loopback_only and not settings.mutations_enabled:
            click.echo(
                f"warning: listening on {settings.host} with no API keys; mutations are disabled", err=True
            )
        config = uvicorn.Config(
            app,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            proxy_headers=False,
            server_header=False,
            timeout_graceful_shutdown=10,
        )
        click.echo(
            f"tiaokuai: GraphQL at http://{settings.host}:{settings.port}/graphql ({store.location})",
            err=True,
        )
        from ..api.workers import exit_normally_on_stop_signals

        exit_normally_on_stop_signals()  # after the graceful stop, exit handlers run (the pool's semaphores)
        uvicorn.Server(config).run()


def _serve_workers(settings: Any, n_workers: int) -> None:
    """``n_workers`` uvicorn worker processes, each building its app from the environment
    (graph.api.factory), over the same store."""
    import uvicorn

    from ..api.logs import configure_logging
    from ..store import default_store_path

    configure_logging(settings.log_format)
    with open_from(settings.store, timeout=settings.neo4j_timeout) as store:  # fail here, not per worker
        location = store.location
    # the workers read their settings from the environment: what came as options goes there too
    os.environ["TIAOKUAI_STORE"] = settings.store or str(default_store_path())
    os.environ["TIAOKUAI_HOST"] = settings.host
    os.environ["TIAOKUAI_PORT"] = str(settings.port)
    os.environ["TIAOKUAI_WORKERS"] = str(n_workers)
    if not settings.loopback_only and not settings.mutations_enabled:
        click.echo(
            f"warning: listening on {settings.host} with no API keys; mutations are disabled", err=True
        )
    click.echo(
        f"tiaokuai: GraphQL at http://{settings.host}:{settings.port}/graphql ({location}), "
        f"{n_workers} workers",
        err=True,
    )
    from ..api.workers import run_workers

    config = uvicorn.Config(
        "graph.api.factory:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=n_workers,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    with contextlib.suppress(KeyboardInterrupt):
        run_workers(config)  # a listening socket per worker: connections spread over them


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (e.g. schema/schema.graphql).",
)
@click.option("--check", is_flag=True, help="Exit 1 if --out differs from the schema the code defines.")
@handle_errors
def schema(out: Path | None, check: bool) -> None:
    """Print the GraphQL schema (SDL) that `serve` answers to."""
    from ..api.graphql.schema import schema_sdl

    sdl = schema_sdl()
    if out is None:
        click.echo(sdl, nl=False)
        return
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != sdl:
            click.echo(f"{out} is out of date; regenerate with: tiaokuai schema --out {out}", err=True)
            sys.exit(1)
        return
    out.write_text(sdl, encoding="utf-8")
    click.echo(f"wrote {out}", err=True)
