"""Deterministic link ids for ledger rows that have no ``id``.

Ledgers rarely number their rows, yet loading the same file twice must change nothing. So a link's
id is a hash of what the row says (date, kind, the two units, the title) plus its occurrence number
among identical rows of the same file: two identical rows stay two events, and a reload produces
the same ids, which the store treats as "already present".
"""

from __future__ import annotations

import datetime as dt
import hashlib

__all__ = ["link_id", "link_key"]

_SEP = "\x1f"  # ASCII unit separator: cannot occur in a trimmed ledger cell by accident


def link_key(date: dt.date, kind: str, source_id: str, target_id: str, title: str | None) -> str:
    """The identity of a row's content; rows with equal keys in one file are counted 1, 2, 3 …"""
    return _SEP.join((date.isoformat(), kind, source_id, target_id, title or ""))


def link_id(key: str, occurrence: int) -> str:
    """``"L"`` + the first 16 hex digits of sha1(key, occurrence), occurrence counted from 1.

    ``key`` comes from :func:`link_key`; ``kind`` in it is the canonical English kind, so a row
    that says ``走访`` and one that says ``visit`` are the same row.
    """
    digest = hashlib.sha1(f"{key}{_SEP}{occurrence}".encode()).hexdigest()
    return "L" + digest[:16]
