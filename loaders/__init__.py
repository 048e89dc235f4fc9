"""Ledger loading: CSV/XLSX files (or API rows) → validated :class:`~graph.model.Dataset` → store.

    from loaders import load_paths
    report = load_paths(store, [Path("ledgers/")])   # raises graph.errors.LoadError, all problems

The steps are public too: :func:`read_ledgers` (files → tables), :func:`build_dataset` (tables →
dataset + warnings, or LoadError), :func:`rows_to_dataset` (GraphQL mutation rows → dataset).
The ledger format is documented for users in ``docs/ledgers.md``.
"""

from __future__ import annotations

from .ids import link_id, link_key
from .load import LoadReport, load_paths, rows_to_dataset
from .readers import ParsedLedgers, Table, read_ledgers
from .validate import build_dataset

__all__ = [
    "read_ledgers",
    "build_dataset",
    "load_paths",
    "rows_to_dataset",
    "LoadReport",
    "ParsedLedgers",
    "Table",
    "link_id",
    "link_key",
]
