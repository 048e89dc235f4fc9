"""Ledger column names and their aliases, and telling a file's type from its header row.

A header is matched against each table type's own alias table, because the same Chinese word means
different columns in different ledgers (区划代码 is ``code`` in a regions file but ``region_code``
in a units file). The type whose required columns are all present wins; nothing is guessed from
the file name, so a user may name and split files however they like.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

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

TableType = Literal["regions", "units", "links"]
TABLE_TYPES: tuple[TableType, ...] = ("regions", "units", "links")


@dataclass(frozen=True)
class TableSpec:
    """One ledger type: its columns in documented order, which are required, and their aliases."""

    name: TableType
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, tuple[str, ...]]  # canonical column -> accepted words (besides itself)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def zh(self, column: str) -> str:
        """The documented Chinese name of a column (its first alias)."""
        return self.aliases[column][0]


SPECS: dict[TableType, TableSpec] = {
    "regions": TableSpec(
        "regions",
        required=("code", "name", "level", "parent_code"),
        optional=(),
        aliases={
            "code": ("区划代码", "行政区划代码", "代码"),
            "name": ("名称", "区划名称"),
            "level": ("级别", "层级"),
            "parent_code": ("上级代码", "上级区划代码"),
        },
    ),
    "units": TableSpec(
        "units",
        required=("id", "name", "kind", "level", "region_code", "parent_id"),
        optional=("name_en",),
        aliases={
            "id": ("编号", "单位编号"),
            "name": ("名称", "单位名称"),
            "kind": ("类型", "单位类型"),
            "level": ("级别", "层级"),
            "region_code": ("区划代码", "行政区划代码", "所在区划代码"),
            "parent_id": ("上级编号", "上级单位编号"),
            "name_en": ("英文名称", "英文名"),
        },
    ),
    "links": TableSpec(
        "links",
        required=("date", "kind", "source_id", "target_id"),
        optional=("id", "count", "participants", "title"),
        aliases={
            "date": ("日期",),
            "kind": ("类型", "联系类型"),
            "source_id": ("发起单位", "发起单位编号"),
            "target_id": ("对象单位", "对象单位编号"),
            "id": ("编号", "记录编号"),
            "count": ("次数",),
            "participants": ("人数", "参加人数"),
            "title": ("事项", "标题"),
        },
    ),
}

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
class Header:
    """A recognised header row: the table type and where each column sits."""

    table: TableType
    columns: dict[str, int]  # canonical column -> cell index
    labels: dict[str, str]  # canonical column -> the header text as written (for messages)
    extras: list[tuple[str, int]] = field(default_factory=list)  # unrecognised (text, index)
    duplicates: list[str] = field(default_factory=list)  # columns named twice
    blank_columns: list[int] = field(default_factory=list)  # cells with no header text


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
