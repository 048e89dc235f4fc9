"""Stores: open one from a path (embedded) or a Neo4j URI; both behind :class:`Store`."""

from __future__ import annotations

import os
from pathlib import Path

from .base import (
    GapsWritten,
    LinkQuery,
    LinkTotal,
    Page,
    PairCount,
    Store,
    UnitQuery,
    UnitsWith,
    WriteSummary,
)

__all__ = [
    "Store",
    "Page",
    "UnitQuery",
    "LinkQuery",
    "LinkTotal",
    "PairCount",
    "WriteSummary",
    "UnitsWith",
    "GapsWritten",
    "open_store",
    "is_neo4j_uri",
    "default_store_path",
]

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_neo4j_uri(location: str) -> bool:
    return location.lower().startswith(NEO4J_SCHEMES)


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/tiaokuai/graph.tkg`` (``~/.local/share/tiaokuai/graph.tkg``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "tiaokuai" / "graph.tkg"


def open_store(location: str | os.PathLike[str] | None = None, *, timeout: float | None = None) -> Store:
    """Open the store named by ``location``, ``$TIAOKUAI_STORE``, or the default embedded path.

    A ``bolt://``/``neo4j://`` URI opens Neo4j with ``NEO4J_USERNAME``, ``NEO4J_PASSWORD`` and
    ``NEO4J_DATABASE`` from the environment; anything else is a file path for the embedded store.
    ``timeout`` (or ``$TIAOKUAI_NEO4J_TIMEOUT``) bounds, in seconds, how long Neo4j calls wait to
    connect and keep retrying before they fail with :class:`~graph.errors.StoreUnavailable`.
    """
    loc = str(location) if location else os.environ.get("TIAOKUAI_STORE") or str(default_store_path())
    if is_neo4j_uri(loc):
        from .neo4j import Neo4jStore

        return Neo4jStore.from_env(loc, timeout=timeout)
    from .embedded import EmbeddedStore

    return EmbeddedStore(Path(loc).expanduser())
