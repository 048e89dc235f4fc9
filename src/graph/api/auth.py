"""API keys: ``Authorization: Bearer KEY`` checked in constant time against the configured keys.

:class:`Caller` is who a valid key says is calling: a name, a role and a scope. Keys come from the
keys file (graph.api.keys) or, deprecated, ``TIAOKUAI_API_KEYS`` (unscoped write keys).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["bearer_token", "key_is_valid", "Caller", "legacy_caller"]


@dataclass(frozen=True)
class Caller:
    """Who is calling: a key's name (never the key), its role and its scope."""

    name: str
    role: str  # read | write | admin
    regions: tuple[str, ...] | None  # None: the whole graph

    @property
    def may_write(self) -> bool:
        return self.role in ("write", "admin")


def legacy_caller(token: str) -> Caller:
    """A key of ``TIAOKUAI_API_KEYS``: unscoped, may write; named by its fingerprint."""
    return Caller("env:sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12], "write", None)


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
