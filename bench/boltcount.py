"""Counting Bolt round trips and store calls.

Two independent counts, both used by ``bolt_roundtrips_per_request_1000_items``:

* :class:`BoltCounter` wraps the driver's socket (``BoltSocket.sendall`` / ``recv_into``): a round
  trip is a send that is followed by a receive, however many messages were pipelined in the send
  and however many chunks the answer came in. It counts what really crosses the wire, including
  BEGIN/COMMIT of managed transactions, and nothing else.
* :class:`CountingStore` is a proxy around the real store that counts calls per method.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any


class BoltCounter:
    """Patch the sync driver's socket class while active (``with BoltCounter() as c: …``)."""

    def __init__(self) -> None:
        self.round_trips = 0
        self.sends = 0
        self._pending: set[int] = set()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.round_trips = self.sends = 0
            self._pending.clear()

    def __enter__(self) -> BoltCounter:
        from neo4j._async_compat.network import _bolt_socket as bs

        cls = bs.BoltSocketBase  # the sync socket; the concrete BoltSocket inherits both methods
        self._cls = cls
        self._orig_send, self._orig_recv = cls.sendall, cls.recv_into
        counter = self

        def sendall(sock: Any, data: Any) -> Any:
            with counter._lock:
                counter.sends += 1
                counter._pending.add(id(sock))
            return counter._orig_send(sock, data)

        def recv_into(sock: Any, buffer: Any, nbytes: int) -> Any:
            with counter._lock:
                if id(sock) in counter._pending:
                    counter._pending.discard(id(sock))
                    counter.round_trips += 1
            return counter._orig_recv(sock, buffer, nbytes)

        cls.sendall, cls.recv_into = sendall, recv_into
        return self

    def __exit__(self, *exc: object) -> None:
        self._cls.sendall, self._cls.recv_into = self._orig_send, self._orig_recv


class CountingStore:
    """Forwards everything to ``store``; counts calls of its public methods in :attr:`calls`."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._store, name)
        if name.startswith("_") or not callable(value):
            return value

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            return value(*args, **kwargs)

        return counted

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()


def count_call(fn: Callable[[], Any], counter: BoltCounter) -> tuple[Any, int]:
    """Run ``fn`` and return its result and the Bolt round trips it took."""
    counter.reset()
    result = fn()
    return result, counter.round_trips
