"""Ledger column names and their aliases, and telling a file's type from its header row.

A header is matched against each table type's own alias table, because the same Chinese word means
different columns in different ledgers (区划代码 is ``code`` in a regions file but ``region_code``
in a units file). The type whose required columns are all present wins; nothing is guessed from
the file name, so a user may name and split files however they like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.ingest.tables import SPECS, TABLE_TYPES, Header, TableSpec, TableType

__all__ = [
    "TableType",
    "TABLE_TYPES",
    "TableSpec",
    "SPECS",
    "Header",
    "HeaderMismatch",
    "column_key",
    "detect_header",
    "match_header",
]

_NOISE = re.compile(r"[\s_\-*＊\ufeff]+")


def column_key(text: str) -> str:
    """Normalise a column name: case, whitespace, ``_``/``-`` and required-markers (``*``) ignored.

    So ``Parent Code``, ``parent_code``, ``parentCode`` and ``名称*`` all match their column.
    """
    return _NOISE.sub("", text).lower()


_LOOKUP: dict[TableType, dict[str, str]] = {
    spec.name: {
        column_key(word): column for column in spec.columns for word in (column, *spec.aliases[column])
    }
    for spec in SPECS.values()
}


@dataclass
class HeaderMismatch:
    """Why a row is not a header: per table type, the required columns it lacks."""

    missing: dict[TableType, list[str]]

    def message(self) -> str:
        parts = []
        for table in sorted(TABLE_TYPES, key=lambda t: (len(self.missing[t]), TABLE_TYPES.index(t))):
            spec = SPECS[table]
            needs = ", ".join(f"{c} ({spec.zh(c)})" for c in spec.required)
            parts.append(f"{table} need {needs}; missing {', '.join(self.missing[table])}")
        return "fits no ledger type. " + ". ".join(parts)


def match_header(table: TableType, cells: Sequence[str]) -> Header:
    """Map header cells onto one table type's columns (no check that required ones are there)."""
    lookup = _LOOKUP[table]
    header = Header(table, {}, {})
    for index, text in enumerate(cells):
        if not text:
            header.blank_columns.append(index)
            continue
        column = lookup.get(column_key(text))
        if column is None:
            header.extras.append((column_label(text, index), index))
        elif column in header.columns:
            header.duplicates.append(column)
        else:
            header.columns[column] = index
            header.labels[column] = text
    return header


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_label(text: str, index: int) -> str:
    """How messages (and extra properties) name an unrecognised column.

    The header text as written, unless it would break the ``FILE:ROW: column: message`` line (a
    colon, a control character, surrounding space): then the column's spreadsheet letter.
    """
    if ":" in text or text != text.strip() or not text.isprintable():
        return f"column {column_letter(index)}"
    return text


def detect_header(cells: Sequence[str]) -> Header | HeaderMismatch:
    """The table type a header row describes, or what each type would still need.

    When several types fit (only possible with unusual extra columns), the one that recognises
    the most columns wins, ties going to the documented order regions, units, links.
    """
    matches: list[Header] = []
    missing: dict[TableType, list[str]] = {}
    for table in TABLE_TYPES:
        header = match_header(table, cells)
        lacking = [c for c in SPECS[table].required if c not in header.columns]
        missing[table] = lacking
        if not lacking:
            matches.append(header)
    if not matches:
        return HeaderMismatch(missing)
    return max(matches, key=lambda h: (len(h.columns), -TABLE_TYPES.index(h.table)))
