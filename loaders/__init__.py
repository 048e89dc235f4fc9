"""Ledger loading: CSV/XLSX files (or API rows) → validated :class:`~graph.model.Dataset` → store.

    from loaders import load_paths
    report = load_paths(store, [Path("ledgers/")])   # raises graph.errors.LoadError, all problems

The steps are public too: :func:`read_ledgers` (files → tables), :func:`build_dataset` (tables →
dataset + warnings, or LoadError), :func:`rows_to_dataset` (GraphQL mutation rows → dataset).
This package only reads files; the validation it shares with GraphQL mutations lives in
:mod:`graph.ingest` (re-exported here). The ledger format is documented in ``docs/ledgers.md``.
"""

from __future__ import annotations

from graph.ingest import LoadReport, ParsedLedgers, Table, build_dataset, link_id, link_key, rows_to_dataset

from .load import load_paths
from .readers import read_ledgers

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
