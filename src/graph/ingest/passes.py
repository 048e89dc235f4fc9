"""The two passes of a load over its ledgers, as the loaders call them: pass one validates every
row (:class:`~graph.ingest.validate.LoadBuilder`) and keeps what must be global; pass two reads
the links again as the store writes them (:class:`LinkStream`).

Why apart from the row checks: these are the entry points, and what each returns decides how much
of a load the client holds (a million links as rows, or an 8-byte hash each).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import LoadError, RowProblem
from ..gcpause import collector_paused
from ..model import Dataset, Link
from ..store.base import Store
from .tables import ParsedLedgers, Table
from .validate import LoadBuilder, Progress

__all__ = ["build_dataset", "build_load", "validate_tables", "validate_stream", "LinkStream"]


class LinkStream:
    """The links of a validated load, read from the ledgers again each time it is iterated.

    Why: a national load has a million links; validation (pass one) keeps only an 8-byte hash per
    link, and the writer iterates this (pass two) in bounded batches, so the client's memory does
    not grow with the input. Each id comes once, in the order of the rows; ``count`` is how many,
    ``ends`` the ids of the units at their ends. Iterations are independent of each other."""

    def __init__(self, builder: LoadBuilder):
        self._builder = builder
        self.count = builder.link_count - len(builder.skip)
        self.ends = frozenset(builder.ends)

    def __iter__(self) -> Iterator[Link]:
        return self._builder.links()


def validate_stream(
    tables: list[Table], store: Store | None, progress: Progress | None = None
) -> tuple[Dataset, LinkStream, list[RowProblem], list[str]]:
    """Validate tables against each other and the store (pass one over every row): (regions and
    units, the links to read again, problems, warnings)."""
    builder = LoadBuilder(store, progress, sum(t.size for t in tables))
    with collector_paused():
        for table in tables:
            builder.add_table(table)
        dataset = builder.finish()
    return dataset, LinkStream(builder), builder.problems, builder.warnings


def validate_tables(
    tables: list[Table], store: Store | None, progress: Progress | None = None
) -> tuple[Dataset, list[RowProblem], list[str]]:
    """Validate tables against each other and the store: (dataset, problems, warnings); the
    dataset holds every link (a load of any size uses :func:`validate_stream`)."""
    dataset, links, problems, warnings = validate_stream(tables, store, progress)
    if not problems:
        with collector_paused():
            dataset = Dataset(dataset.regions, dataset.units, list(links))
    return dataset, problems, warnings


def build_load(
    parsed: ParsedLedgers, store: Store | None, *, progress: Progress | None = None
) -> tuple[Dataset, LinkStream, list[str]]:
    """Validate everything read; raise :class:`~graph.errors.LoadError` with every problem at once.
    Returns the regions and units, the links (read from the files again when iterated) and the
    warnings."""
    dataset, links, problems, warnings = validate_stream(parsed.tables, store, progress)
    problems = parsed.problems + problems
    if problems:
        raise LoadError(problems)
    return dataset, links, parsed.warnings + warnings


def build_dataset(
    parsed: ParsedLedgers, store: Store | None, *, progress: Progress | None = None
) -> tuple[Dataset, list[str]]:
    """Validate everything read; raise :class:`~graph.errors.LoadError` with every problem at once.

    With ``store`` None, every reference must resolve inside the load itself. The dataset holds
    every link in memory; :func:`build_load` leaves them in the files.
    """
    dataset, links, warnings = build_load(parsed, store, progress=progress)
    with collector_paused():
        return Dataset(dataset.regions, dataset.units, list(links)), warnings
