"""What a file load and a GraphQL mutation share: validation into a :class:`~graph.model.Dataset`.

Rows arrive as :class:`Table` objects (from ``loaders``, which reads files, or from API rows via
:func:`rows_to_dataset`); :func:`build_dataset` checks every row, references to the load and the
store, duplicate ids and parent cycles, and gives links without an id a deterministic one
(:func:`link_id`). Every problem is collected; nothing is written unless there are none.

``graph`` never imports ``loaders``: a command that must read files gets the reader through
:func:`reader`, which finds what ``loaders`` registers under the ``tiaokuai.readers`` entry point.
"""

from __future__ import annotations

from .ids import link_id, link_key
from .load import LedgerReader, LoadReport, load_parsed, rows_to_dataset
from .passes import LinkStream, build_dataset, build_load, validate_stream, validate_tables
from .readers import reader
from .tables import SPECS, TABLE_TYPES, Header, ParsedLedgers, Table, TableSpec, TableType

__all__ = [
    "LedgerReader",
    "LoadReport",
    "ParsedLedgers",
    "Table",
    "Header",
    "TableSpec",
    "TableType",
    "SPECS",
    "TABLE_TYPES",
    "build_dataset",
    "build_load",
    "validate_stream",
    "LinkStream",
    "validate_tables",
    "load_parsed",
    "rows_to_dataset",
    "reader",
    "link_id",
    "link_key",
]
