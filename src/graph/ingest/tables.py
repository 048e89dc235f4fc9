"""The shape of a ledger once read: table types and their columns, a header, a table of rows.

Both ways into the graph produce these: ``loaders`` reads files (CSV, XLSX, any header aliases)
into :class:`Table` objects, and :func:`graph.ingest.rows_to_dataset` wraps GraphQL mutation rows in
one, so :mod:`graph.ingest.validate` judges every row the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import RowProblem

__all__ = [
    "TableType",
    "TABLE_TYPES",
    "TableSpec",
    "SPECS",
    "Header",
    "Row",
    "Table",
    "ParsedLedgers",
    "header_for",
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
        optional=("name_en", "system"),
        aliases={
            "id": ("编号", "单位编号"),
            "name": ("名称", "单位名称"),
            "kind": ("类型", "单位类型"),
            "level": ("级别", "层级"),
            "region_code": ("区划代码", "行政区划代码", "所在区划代码"),
            "parent_id": ("上级编号", "上级单位编号"),
            "name_en": ("英文名称", "英文名"),
            "system": ("系统", "所属系统"),
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


@dataclass
class Header:
    """A recognised header row: the table type and where each column sits."""

    table: TableType
    columns: dict[str, int]  # canonical column -> cell index
    labels: dict[str, str]  # canonical column -> the header text as written (for messages)
    extras: list[tuple[str, int]] = field(default_factory=list)  # unrecognised (text, index)
    duplicates: list[str] = field(default_factory=list)  # columns named twice
    blank_columns: list[int] = field(default_factory=list)  # cells with no header text


Row = Sequence[Any]


@dataclass
class Table:
    """One file (CSV) or sheet (XLSX) whose header was recognised."""

    name: str  # for messages and provenance: "links.csv", "links.xlsx[2020]"
    file: str  # the file it belongs to: rows are numbered per file for deterministic ids
    header: Header
    # (spreadsheet row number, cells), blank rows left out. A list, or (a big CSV file) an
    # iterable that reads the file again each time it is iterated: a load validates every row
    # first and writes them in a second pass, so the rows of a national load never sit in memory
    rows: Iterable[tuple[int, Row]]
    text_only: bool = False  # every row a list of str (CSV): lets the validator take a faster path
    #: how many rows ``rows`` gives (for progress), when it is not a list
    count: int | None = None

    @property
    def table(self) -> str:
        return self.header.table

    @property
    def size(self) -> int:
        """The number of rows (counted when the file was first read, for a streamed table)."""
        if self.count is not None:
            return self.count
        return len(self.rows) if isinstance(self.rows, Sequence) else 0


@dataclass
class ParsedLedgers:
    """What :func:`read_ledgers` found: tables to validate, and problems/warnings so far."""

    tables: list[Table] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def rows(self) -> int:
        return sum(t.size for t in self.tables)


def header_for(table: TableType, keys: Sequence[str]) -> Header:
    """The header of rows keyed by canonical column names (API rows); other keys become extras."""
    spec = SPECS[table]
    header = Header(table, {}, {})
    for index, key in enumerate(keys):
        if key in spec.columns and key not in header.columns:
            header.columns[key] = index
            header.labels[key] = key
        else:
            header.extras.append((key, index))
    return header
