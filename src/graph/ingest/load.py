"""The two ways into a store: ledgers already read (files, by ``loaders``) and API rows (GraphQL).

Both go through the same validator so that a mutation is judged exactly as a ledger row is, and a
load writes with a single ``store.write_stream`` call so that it is all or nothing: every row is
validated first, and the links are read from the files again as the store writes them.

Reading files is not done here: ``graph`` never imports ``loaders``. A command that needs files read
asks for a :class:`LedgerReader` (see :func:`graph.ingest.reader`), which ``loaders`` registers under
the ``tiaokuai.readers`` entry point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from ..errors import LoadError
from ..model import Dataset, Link
from ..store.base import Store, WriteSummary
from .passes import build_load, validate_tables
from .tables import SPECS, ParsedLedgers, Table, header_for

__all__ = ["LedgerReader", "LoadReport", "load_parsed", "rows_to_dataset"]

#: link ids per store call when a dry run counts the links already stored
DRY_RUN_CHUNK = 50_000


class LedgerReader(Protocol):
    """Reads ledger files and folders into tables; never raises for a bad file (problems instead)."""

    def __call__(self, paths: Sequence[Path]) -> ParsedLedgers: ...


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
    validate_s: float = 0.0  # reading and validating every row (pass one)


def load_parsed(
    store: Store,
    parsed: ParsedLedgers,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadReport:
    """Validate and write what a reader read, all or nothing.

    Raises :class:`~graph.errors.LoadError` (with every problem) before anything is written. A dry
    run validates against the store and counts which links would be new, but writes nothing.
    """
    started = time.monotonic()
    dataset, links, warnings = build_load(parsed, store, progress=progress)
    report = LoadReport(
        validate_s=time.monotonic() - started,
        files=parsed.files,
        tables=len(parsed.tables),
        regions=len(dataset.regions),
        units=len(dataset.units),
        links=links.count,
        warnings=warnings,
        dry_run=dry_run,
    )
    if not (dataset.regions or dataset.units or links.count):
        report.warnings.append("no rows to load")
        return report
    if dry_run:
        if links.count:
            report.links_created = links.count - _stored(store, links)
        return report
    report.summary = store.write_stream(dataset, links)
    report.links_created = report.summary.links_created
    return report


def _stored(store: Store, links: Iterable[Link]) -> int:
    """How many of ``links`` the store has (asked in chunks: a dry run of any size)."""
    found = 0
    chunk: list[str] = []
    for lk in links:
        chunk.append(lk.id)
        if len(chunk) == DRY_RUN_CHUNK:
            found += len(store.get_links(chunk))
            chunk = []
    if chunk:
        found += len(store.get_links(chunk))
    return found


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
    header = header_for(table, keys)
    cells = [tuple(row.get(k) for k in keys) for row in rows]
    parsed = Table(source, source, header, [(i + 2, r) for i, r in enumerate(cells)])
    dataset, problems, _ = validate_tables([parsed], store)
    if problems:
        raise LoadError(problems)
    return dataset
