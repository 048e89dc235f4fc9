"""API keys: ``Authorization: Bearer KEY`` checked in constant time against the configured keys."""

from __future__ import annotations

import hmac
from collections.abc import Sequence

__all__ = ["bearer_token", "key_is_valid"]


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header, or None (any other scheme too)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def key_is_valid(token: str | None, keys: Sequence[str]) -> bool:
    """Compare with every key (no early exit) using :func:`hmac.compare_digest`."""
    if not token:
        return False
    presented = token.encode()
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(presented, key.encode())
    return ok
