"""The loading entry points: files into a store (CLI), and API rows into a dataset (GraphQL).

Both go through the same validator so that a mutation is judged exactly as a ledger row is, and a
load writes with a single ``store.write`` call so that it is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from graph.errors import LoadError
from graph.model import Dataset
from graph.store.base import Store, WriteSummary

from .headers import SPECS, match_header
from .readers import Table, read_ledgers
from .validate import build_dataset, validate_tables

__all__ = ["LoadReport", "load_paths", "rows_to_dataset"]


@dataclass
class LoadReport:
    """What a load read and (unless ``dry_run``) wrote."""

    files: int = 0
    tables: int = 0  # CSV files plus XLSX sheets with a recognised header
    regions: int = 0
    units: int = 0
    links: int = 0
    links_created: int = 0  # links whose id was not in the store before (for a dry run: would be)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    summary: WriteSummary | None = None  # the store's own account of the write; None for a dry run


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
    dataset, warnings = build_dataset(parsed, store, progress=progress)
    report = LoadReport(
        files=parsed.files,
        tables=len(parsed.tables),
        regions=len(dataset.regions),
        units=len(dataset.units),
        links=len(dataset.links),
        warnings=warnings,
        dry_run=dry_run,
    )
    if not len(dataset):
        report.warnings.append("no rows to load")
        return report
    if dry_run:
        if dataset.links:
            existing = store.get_links([lk.id for lk in dataset.links])
            report.links_created = len(dataset.links) - len(existing)
        return report
    report.summary = store.write(dataset)
    report.links_created = report.summary.links_created
    return report


def rows_to_dataset(
    table: Literal["regions", "units", "links"],
    rows: list[dict[str, Any]],
    store: Store,
    source: str = "api",
) -> Dataset:
    """Validate API rows exactly as ledger rows; raise :class:`~graph.errors.LoadError` if any fail.

    Rows are keyed by the English ledger column names (absent keys and None mean empty cells).
    Problems name ``source`` as the file and item ``i`` (0-based) as row ``i + 2``, as if the list
    were a sheet under a header row. Links get ``source_file = source``.
    """
    if table not in SPECS:
        raise ValueError(f"unknown table {table!r}; use one of {', '.join(SPECS)}")
    keys: list[str] = list(dict.fromkeys(k for row in rows for k in row))
    header = match_header(table, keys)
    cells = [tuple(row.get(k) for k in keys) for row in rows]
    parsed = Table(source, source, header, [(i + 2, r) for i, r in enumerate(cells)])
    dataset, problems, _ = validate_tables([parsed], store)
    if problems:
        raise LoadError(problems)
    return dataset
