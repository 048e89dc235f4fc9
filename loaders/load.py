"""Loading ledger files into a store: read them here, then validate and write with :mod:`graph.ingest`.

A load writes with a single ``store.write`` call so that it is all or nothing; API rows go through
the same validator (:func:`graph.ingest.rows_to_dataset`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from graph.ingest import LoadReport, load_parsed, rows_to_dataset
from graph.store.base import Store

from .readers import read_ledgers

__all__ = ["LoadReport", "load_paths", "rows_to_dataset"]


def load_paths(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Read, validate and write ledger files and folders, all or nothing.

    Raises :class:`~graph.errors.LoadError` (with every problem) before anything is written. A dry
    run validates against the store and counts which links would be new, but writes nothing.
    """
    parsed = read_ledgers([Path(p) for p in paths])
    return load_parsed(store, parsed, dry_run=dry_run, progress=progress)
