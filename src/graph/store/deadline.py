"""The deadline of the work in progress: a context variable the API sets per request.

Why here: the Neo4j store gives its transactions the time that is left (the server cancels them at
the deadline), and the API checks it before every store call (``graph.api.limits.guard``), so a
request that has run out of time stops between two calls on the embedded store. The CLI sets no
deadline: a load or a report runs as long as it needs.

``asyncio.to_thread`` copies the context, so a deadline set around a request is seen by the store
calls it makes in worker threads.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..errors import DeadlineExceeded

__all__ = ["DeadlineExceeded", "deadline", "remaining", "check", "current"]

#: monotonic time at which the current work must stop, or None for no deadline
_DEADLINE: ContextVar[float | None] = ContextVar("tiaokuai_deadline", default=None)


def current() -> float | None:
    """The monotonic deadline of the current work, or None."""
    return _DEADLINE.get()


def remaining() -> float | None:
    """Seconds left before the deadline (may be negative), or None when there is none."""
    at = _DEADLINE.get()
    return None if at is None else at - time.monotonic()


def check(doing: str = "") -> None:
    """Raise :class:`DeadlineExceeded` when the deadline has passed."""
    left = remaining()
    if left is not None and left <= 0:
        raise DeadlineExceeded(f"the request ran out of time{' while ' + doing if doing else ''}")


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Run the block with a deadline ``seconds`` from now (None: none; a nearer one is kept)."""
    if seconds is None:
        yield
        return
    at = time.monotonic() + seconds
    outer = _DEADLINE.get()
    token = _DEADLINE.set(at if outer is None else min(at, outer))
    try:
        yield
    finally:
        _DEADLINE.reset(token)
