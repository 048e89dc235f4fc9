"""Render rows as an aligned table (for people), JSON or CSV (for scripts).

Tables use rich so that Chinese names line up (East Asian wide characters take two columns).
CSV cells that a spreadsheet would run as a formula are prefixed with a quote (OWASP's advice on
CSV injection), so an exported ledger value like ``=cmd|…`` never becomes a formula.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["emit_json", "emit_csv", "emit_table", "percent", "safe_cell"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def emit_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell("" if row.get(k) is None else row.get(k)) for k in columns})
    sys.stdout.write(buf.getvalue())


def percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.1%}"


def emit_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    title: str | None = None,
    right: Sequence[int] = (),
) -> None:
    console = Console(width=200 if not sys.stdout.isatty() else None, highlight=False)
    if title:
        console.print(title, style="bold")
    table = Table(show_edge=False, pad_edge=False, box=None)
    for i, h in enumerate(headers):
        table.add_column(h, justify="right" if i in right else "left", header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
