"""Options for the time dimension (issue 21): a date to judge coverage as of, and months."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click

__all__ = ["DATE", "MONTH", "as_of_option", "optional_year_option", "year_of"]


class _Date(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date (YYYY-MM-DD)", param, ctx)


class _Month(click.ParamType):
    """YYYY-MM, as the first day of that month."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            self.fail(f"{value!r} is not a month (YYYY-MM)", param, ctx)
        return dt.date(int(m.group(1)), int(m.group(2)), 1)


DATE = _Date()
MONTH = _Month()

as_of_option = click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Judge coverage as of this day: count links up to it and give every requirement a status "
    "(met, on_track, behind, unmet; docs/analysis.md). The year defaults to the date's.",
)
optional_year_option = click.option(
    "--year", type=int, help="Calendar year, e.g. 2020 (required unless --as-of gives it)."
)


def year_of(year: int | None, as_of: dt.date | None) -> int:
    """The year asked for: --year, or the year of --as-of."""
    if year is not None:
        return year
    if as_of is not None:
        return as_of.year
    raise click.UsageError("Missing option '--year' (or give --as-of).")
