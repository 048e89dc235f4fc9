"""Structured logs: one line per event, JSON objects or key=value pairs. Never API keys.

:func:`configure_logging` is called by ``tiaokuai serve`` (not at import), so library users keep
their own logging setup.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

__all__ = ["configure_logging", "JsonFormatter", "KeyValueFormatter", "FIELDS"]

#: attributes passed with ``extra=`` that the formatters print
FIELDS = ("method", "path", "status", "duration_ms", "bytes_in", "bytes_out", "client", "operation", "event")

_SECRET_WORDS = ("authorization", "api_key", "token", "password")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
        "pid": record.process,  # which worker process of `serve --workers N` wrote it
    }
    for name in FIELDS:
        if hasattr(record, name):
            data[name] = getattr(record, name)
    for key in list(data):
        if any(word in key.lower() for word in _SECRET_WORDS):
            data[key] = "[redacted]"
    return data


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = _fields(record)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        parts = []
        for key, value in _fields(record).items():
            text = str(value)
            if not text or any(c in text for c in ' "='):
                text = json.dumps(text, ensure_ascii=False)
            parts.append(f"{key}={text}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(fmt: str = "json", level: int = logging.INFO) -> None:
    """Send ``graph.*`` and uvicorn's logs to stderr in one format; uvicorn's access log is replaced
    by ours (one line per request, with its duration)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    for name in ("graph", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("strawberry.execution").disabled = True  # errors are logged by the schema
