"""Pausing the cyclic garbage collector while a load builds its objects.

A 100,000-row load creates millions of small, acyclic objects (cells, tuples, links); every few
thousand allocations CPython would walk all of them looking for cycles, which more than doubles
the time to read a ledger. Nothing built here forms a cycle, so pausing collection is safe, and it
is switched back on (if it was on) however the block exits.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
