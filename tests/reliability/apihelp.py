"""API fixtures' building blocks: the sample in each store, a live server, a checked GraphQL post."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from relhelp import clear_neo4j, live_server

from graph.api.errors import MASKED_MESSAGE
from graph.config import Settings
from graph.store import Store, open_store

API_KEY = "rel-key-0123456789abcdefXYZ"
OTHER_KEY = "rel-key-second-key-0000000000"
SAMPLE_UNITS = 1523


def sample_intact(store: Store) -> bool:
    try:
        return store.count_units() == SAMPLE_UNITS and bool(store.get_links(["L2020-000001"]))
    except Exception:  # noqa: BLE001 - any failure: reload
        return False


def ensure_sample(store: Store, sample_dir: Path, uri: str | None) -> Store:
    """The sample, exactly: reloaded when another test emptied or changed the store."""
    from loaders import load_paths

    if not sample_intact(store):
        if uri is not None:
            clear_neo4j(uri)
        load_paths(store, [sample_dir])
        assert sample_intact(store)
    return store


def open_sample(kind: str, folder: Path, sample_dir: Path, uri: str | None) -> Store:
    store = open_store(folder / "sample.tkg" if kind == "embedded" else uri)
    return ensure_sample(store, sample_dir, uri if kind == "neo4j" else None)


def make_app(store: Store, **overrides: Any) -> Any:
    """``create_app`` as ``tiaokuai serve`` builds it, with two API keys unless overridden."""
    from graph.api import create_app

    base: dict[str, Any] = {"api_keys": [API_KEY, OTHER_KEY]}
    base.update(overrides)
    return create_app(Settings(**base), store)


@contextlib.contextmanager
def serving(store: Store, **overrides: Any) -> Iterator[httpx.Client]:
    with live_server(make_app(store, **overrides)) as base, httpx.Client(base_url=base, timeout=120) as http:
        yield http


def check_response(response: httpx.Response) -> dict[str, Any]:
    """A well-behaved GraphQL answer: never 5xx, JSON, no traceback, no masked (unexpected) error."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    text = response.text
    assert "Traceback" not in text and 'File "' not in text, text[:2000]
    body = response.json()
    for error in body.get("errors") or []:
        assert error.get("message") != MASKED_MESSAGE, ("unexpected server error", body)
    return body  # type: ignore[no-any-return]


class LogCapture(logging.Handler):
    """Every record of every server-side logger, formatted with both project formatters."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        from graph.api.logs import JsonFormatter, KeyValueFormatter

        self.formatters = (JsonFormatter(), KeyValueFormatter())
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("httpx", "httpcore")):
            return  # the test's own HTTP client, not the server
        if any(r is record for r in self.records[-20:]):
            return  # the same record, propagated to another logger we listen on
        self.records.append(record)
        for f in self.formatters:
            self.lines.append(f.format(record))
        self.lines.append(repr(record.__dict__))

    @contextlib.contextmanager
    def installed(self) -> Iterator[LogCapture]:
        names = ["", "graph", "graph.api", "graph.api.access", "graph.api.audit", "uvicorn", "uvicorn.error",
                 "uvicorn.access", "strawberry", "strawberry.execution", "neo4j"]  # fmt: skip
        saved = []
        for name in names:
            logger = logging.getLogger(name)
            saved.append((logger, logger.level, logger.disabled))
            logger.addHandler(self)
            logger.setLevel(logging.DEBUG)
            logger.disabled = False
        try:
            yield self
        finally:
            for logger, level, disabled in saved:
                logger.removeHandler(self)
                logger.setLevel(level)
                logger.disabled = disabled
