"""The audit log: one record for every mutation field a client asks for, written or refused.

Each record says **who** (``key_name``, ``role`` and ``scope`` of the key as the keys file names it;
``key_id``: a fingerprint of the API key, never the key; ``client``: the peer address; ``request_id``), **when** (``ts``, UTC, and ``duration_ms``), **what** (``mutation``, the GraphQL
operation name, the rows asked for) and **how many** (``written``: regions, units, links and
links created, as the store reported the write), and how it ended (``outcome``):

=================  ==========================================================================
outcome            meaning
=================  ==========================================================================
``ok``             written (all of it: a mutation is all or nothing)
``refused``        no key, an invalid, expired or revoked key, a read-only key, a row outside
                   the key's scope, or mutations disabled: nothing was read or written
``invalid``        rows that a load would refuse; nothing was written
``unavailable``    the store could not be reached; nothing was written
``error``          anything else (a bug: the server log has the traceback); nothing was written
=================  ==========================================================================

Refused requests that never reach a mutation (a query without a valid key when reads need one:
401; a query refused for its cost or rate) are recorded too, with ``mutation`` null and
``operation`` the GraphQL operation or the HTTP path.

Records go to the logger ``graph.api.audit`` at INFO, as ``audit {JSON}`` in the message (so any
formatter keeps them whole) and as the ``audit`` attribute of the log record (a dict, for handlers
that want it structured). Route that logger to its own file or collector to keep an audit trail
apart from the request log.

``key_id`` is ``sha256:`` plus the first 12 hex digits of SHA-256 of the key: enough to tell
keys apart, useless for recovering one. An operator finds which key it was with::

    python -c "from graph.api.audit import key_id; print(key_id('THE-KEY'))"

Wired in :func:`graph.api.create_app`: ``AuditExtension`` is added to the served schema's extensions;
with ``TIAOKUAI_AUDIT_LOG`` the records are also appended to that file, one JSON object a line
(:func:`attach_file`), which ``tiaokuai audit --since DATE`` reads (:func:`read_audit`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from inspect import isawaitable
from typing import Any

from strawberry.extensions import SchemaExtension

from ..errors import LoadError, StoreUnavailable
from ..model import Dataset
from ..store.base import Store, WriteSummary
from .auth import bearer_token

__all__ = [
    "AuditExtension", "AuditRecord", "key_id", "records_from_lines", "AUDIT_LOGGER", "refused_request",
    "attach_file", "read_audit",
]  # fmt: skip

AUDIT_LOGGER = "graph.api.audit"

log = logging.getLogger(AUDIT_LOGGER)


def key_id(key: str) -> str:
    """The fingerprint of an API key as the audit log shows it."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class AuditRecord:
    ts: str
    mutation: str | None  # None: a request refused before any mutation (a 401, a cost refusal)
    operation: str | None
    key_id: str | None  # None: no valid key came with the request
    key: str  # "valid", "invalid", "expired", "revoked" or "none"
    client: str | None
    rows: int | None  # items in the mutation's list argument
    key_name: str | None = None  # the key's name in the keys file (never the key)
    role: str | None = None
    scope: list[str] | None = None  # region codes; None: the whole graph
    request_id: str | None = None
    outcome: str = "error"
    written: dict[str, int] | None = None
    error: str | None = None
    duration_ms: float = 0.0
    _start: float = field(default=0.0, repr=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_start")
        return data


def _outcome(exc: BaseException) -> str:
    from .errors import Forbidden, InvalidArgument, InvalidInput, StoreDown, Unauthenticated

    if isinstance(exc, Unauthenticated | Forbidden):
        return "refused"
    if isinstance(exc, InvalidInput | InvalidArgument | LoadError):
        return "invalid"
    if isinstance(exc, StoreDown | StoreUnavailable):
        return "unavailable"
    return "error"


class _RecordingStore:
    """The request's store, with ``write`` noting what it wrote into the audit record."""

    def __init__(self, store: Store, record: AuditRecord):
        self._store = store
        self._record = record

    def write(self, dataset: Dataset) -> WriteSummary:
        summary = self._store.write(dataset)
        done = self._record.written or {"regions": 0, "units": 0, "links": 0, "links_created": 0}
        done["regions"] += summary.regions
        done["units"] += summary.units
        done["links"] += summary.links
        done["links_created"] += summary.links_created
        self._record.written = done
        return summary

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _rows(arguments: dict[str, Any]) -> int | None:
    for value in arguments.values():
        if isinstance(value, list):
            return len(value)
    return None


def _caller(context: Any) -> tuple[str | None, str, str | None]:
    """(key_id, "valid"/"invalid"/"expired"/"revoked"/"none", client address) of the request."""
    request = getattr(context, "request", None)
    header = request.headers.get("authorization") if request is not None else None
    client = request.client.host if request is not None and request.client else None
    if getattr(context, "authorized", False):
        token = bearer_token(header)
        return (key_id(token) if token else None), "valid", client
    reason = getattr(context, "refusal_reason", None)
    if reason in ("expired", "revoked"):
        return None, reason, client
    return None, ("invalid" if header else "none"), client


def _who(record: AuditRecord, context: Any) -> None:
    caller = getattr(context, "caller", None)
    record.request_id = getattr(context, "request_id", None)
    if caller is not None:
        record.key_name, record.role = caller.name, caller.role
        record.scope = list(caller.regions) if caller.regions is not None else None


def refused_request(request: Any, why: str, request_id: str, operation: str | None = None) -> None:
    """Record a request refused before it reached a resolver (401: no valid key for a read)."""
    client = request.client.host if request.client else None
    record = AuditRecord(
        ts=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        mutation=None,
        operation=operation or f"{request.method} {request.url.path}",
        key_id=None,
        key=why,
        client=client,
        rows=None,
        outcome="refused",
        request_id=request_id,
        error="no valid API key" if why in ("none", "invalid") else f"key {why}",
        key_name=getattr(getattr(request, "state", None), "key_name", None),
    )
    _emit(record)


def refused_query(context: Any, code: str, message: str) -> None:
    """Record a query refused by the limits (cost, rate), with who asked."""
    who, key, client = _caller(context)
    record = AuditRecord(
        ts=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        mutation=None,
        operation=code,
        key_id=who,
        key=key,
        client=client,
        rows=None,
        outcome="refused",
        error=message.splitlines()[0][:300] if message else code,
    )
    _who(record, context)
    _emit(record)


class AuditExtension(SchemaExtension):
    """Writes an :class:`AuditRecord` for every top-level mutation field, whatever its outcome."""

    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        if info.path.prev is not None or info.parent_type.name != "Mutation":
            return _next(root, info, *args, **kwargs)
        return self._audited(_next, root, info, *args, **kwargs)

    async def _audited(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        context = info.context
        who, key, client = _caller(context)
        operation = info.operation.name.value if info.operation.name else None
        record = AuditRecord(
            ts=dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            mutation=info.field_name,
            operation=operation,
            key_id=who,
            key=key,
            client=client,
            rows=_rows(kwargs),
            _start=time.perf_counter(),
        )
        _who(record, context)
        store = getattr(context, "store", None)
        if store is not None:
            context.store = _RecordingStore(store, record)
        try:
            result = _next(root, info, *args, **kwargs)
            if isawaitable(result):
                result = await result
            record.outcome = "ok"
            return result
        except Exception as exc:
            record.outcome = _outcome(exc)
            record.error = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
            if record.outcome == "error":
                record.error = type(exc).__name__  # the message may hold data; the server log has it
            raise
        finally:
            if store is not None:
                context.store = store
            record.duration_ms = round((time.perf_counter() - record._start) * 1000, 2)
            _emit(record)


def _emit(record: AuditRecord) -> None:
    data = record.as_dict()
    log.info(
        "audit %s",
        json.dumps(data, ensure_ascii=False, sort_keys=True),
        extra={"event": "audit", "audit": data},
    )


class _JsonLines(logging.Handler):
    """Appends each audit record to a file as one JSON object a line."""

    def __init__(self, path: str) -> None:
        super().__init__(logging.INFO)
        self.path = path

    def emit(self, record: logging.LogRecord) -> None:
        data = getattr(record, "audit", None)
        if data is None:
            return
        try:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        except OSError:
            self.handleError(record)


def attach_file(path: str) -> None:
    """Append the audit records of this process to ``path`` as well (``TIAOKUAI_AUDIT_LOG``)."""
    for h in log.handlers:
        if isinstance(h, _JsonLines) and h.path == path:
            return
    log.addHandler(_JsonLines(path))
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)


def read_audit(lines: Iterable[str], since: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The records of an audit file (or any log holding ``audit {JSON}``) at or after ``since``."""
    out = []
    for data in records_from_lines(lines):
        if since is not None:
            try:
                ts = dt.datetime.fromisoformat(str(data.get("ts")))
            except ValueError:
                continue
            if ts < since:
                continue
        out.append(data)
    return out


def records_from_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Audit records from log lines that contain ``audit {JSON}`` (for tests and tooling)."""
    out = []
    for line in lines:
        text = line
        if line.lstrip().startswith("{"):  # an audit file line, or a JsonFormatter line ("msg")
            with contextlib.suppress(ValueError):
                data = json.loads(line)
                if isinstance(data, dict) and "outcome" in data and "ts" in data:
                    out.append(data)
                    continue
                text = str(data.get("msg", ""))
        at = text.find("audit {")
        if at >= 0:
            out.append(json.loads(text[at + len("audit ") :]))
    return out
