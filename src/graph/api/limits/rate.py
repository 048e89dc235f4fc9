"""A cost rate per client: ``TIAOKUAI_COST_PER_MINUTE`` points a minute, as a token bucket.

A client is its API key (by a digest: the key itself is never kept) or, for anonymous reads, its
address. Each client's bucket holds at most a minute's worth of points and refills continuously;
a query that costs more than is left is refused (HTTP 429, ``Retry-After``, code
``RATE_LIMITED``) and charged nothing. The buckets live in the worker process: with N workers a
client may spend up to N times the rate when its connections land on different workers.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["CostRate", "Refused", "client_id"]

#: clients remembered at most; the fullest (idle longest) are forgotten first
MAX_CLIENTS = 10_000


def client_id(token: str | None, authorized: bool, address: str | None) -> str:
    """``key:<digest>`` for a valid key, else ``addr:<address>``."""
    if authorized and token:
        return "key:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"addr:{address or 'unknown'}"


@dataclass(frozen=True)
class Refused:
    """Over the rate: how long until the cost would fit."""

    retry_after: int  # whole seconds, at least 1
    available: int


class CostRate:
    """Token buckets of ``per_minute`` points per client (0: no limit)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (points, at)
        self._lock = threading.Lock()

    def charge(self, client: str, cost: int) -> Refused | None:
        """Take ``cost`` points from ``client``'s bucket, or say when it could be taken."""
        if self.per_minute <= 0:
            return None
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            points, at = self._buckets.get(client, (float(self.per_minute), now))
            points = min(float(self.per_minute), points + (now - at) * rate)
            need = min(cost, self.per_minute)  # a query dearer than a minute's worth needs a full bucket
            if need > points:
                self._buckets[client] = (points, now)
                return Refused(retry_after=max(1, math.ceil((need - points) / rate)), available=int(points))
            self._buckets[client] = (points - need, now)
            if len(self._buckets) > MAX_CLIENTS:
                self._forget(now, rate)
        return None

    def _forget(self, now: float, rate: float) -> None:
        full = [c for c, (p, at) in self._buckets.items() if p + (now - at) * rate >= self.per_minute]
        for c in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[c]
