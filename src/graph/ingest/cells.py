"""Turning spreadsheet cells into text, dates and counts.

Cells come as strings from CSV and as str/int/float/datetime from XLSX, so every value goes through
:func:`cell_text` first: an Excel number ``230100.0`` must mean the code ``"230100"``, and a value
that merely looks like a formula (``=…``, ``+…``) stays the text it is; nothing is ever evaluated.
The patterns are compiled once here because these functions run for every cell of large ledgers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["cell_text", "parse_date", "parse_int", "DATE_FORMATS", "MIN_INT", "MAX_INT"]

DATE_FORMATS = "YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日 or YYYYMMDD"

_DATE = re.compile(
    r"(\d{4})(?:([-/.])(\d{1,2})\2(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|(\d{2})(\d{2}))"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
#: the range of counts and participants: Neo4j stores 64-bit integers
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
_INT = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.0*)?")


def cell_text(value: Any) -> str:
    """The trimmed text of a cell; integral floats lose their ``.0``, datetimes become ISO dates."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any) -> dt.date | None:
    """A date from a datetime cell or from text in one of :data:`DATE_FORMATS`; None if invalid.

    A trailing time of day (``2020-05-01 00:00:00``, as some exports write) is accepted and dropped.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = value.strip() if value.__class__ is str else cell_text(value)
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    m = _DATE.fullmatch(text)
    if m is None:
        return None
    year, _, m1, d1, m2, d2, m3, d3 = m.groups()
    try:
        return dt.date(int(year), int(m1 or m2 or m3), int(d1 or d2 or d3))
    except ValueError:
        return None


def parse_int(value: Any) -> int | None:
    """An integer from a number cell or text like ``12``, ``1,200`` or ``3.0``; None otherwise.

    None too for a value outside 64 bits (Neo4j's integers, so both stores accept the same
    ledgers) and for text with more digits than ``int()`` converts.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _int64(value)
    if isinstance(value, float):
        return _int64(int(value)) if value.is_integer() else None
    text = value.strip() if value.__class__ is str else cell_text(value)
    try:
        if text.isdecimal():
            return _int64(int(text))
        if not _INT.fullmatch(text):
            return None
        return _int64(int(text.split(".", 1)[0].replace(",", "")))
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        return None


def _int64(n: int) -> int | None:
    return n if MIN_INT <= n <= MAX_INT else None
