"""Periods of a year and the status of a periodic requirement as of a date (issue 21).

A rule may ask for contact ``per`` year, half, quarter or month: at least ``min`` qualifying
contacts in each period of the year. Counts come per calendar month (``Store.pair_month_counts``),
so every period is a run of whole months. As of a date D within the year:

* a period has *begun* when its first day is on or before D, and has *ended* when its last day is
  on or before D (its contacts are all in: links are counted up to and including D);
* ``met``: every period begun so far is met; ``on_track``: every ended period is met, the current
  one not yet; ``behind``: an ended period was missed and the year is not over; ``unmet``: the year
  is over (D on or after 31 December) and some period was missed. Before the year begins nothing is
  due: ``on_track``.

A yearly rule has one period, so it is ``met`` or ``on_track`` during the year and ``met`` or
``unmet`` from its last day on; its status never goes back from ``met`` as D advances, since the
counts only grow.

>>> status_as_of(2020, "quarter", 1, (1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), dt.date(2020, 7, 15))
Status(status='on_track', due=datetime.date(2020, 9, 30), expected_by_now=2, missed=())
>>> status_as_of(2020, "quarter", 1, (1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), dt.date(2020, 7, 15))
Status(status='behind', due=datetime.date(2020, 6, 30), expected_by_now=2, missed=('2020-Q2',))
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

__all__ = [
    "PERIODS",
    "STATUSES",
    "Status",
    "months_per_period",
    "period_count",
    "period_of_month",
    "period_label",
    "period_bounds",
    "period_counts",
    "status_as_of",
    "missed_periods",
    "met_by_month",
    "Periodic",
]

#: the values of a rule's ``per``, longest first
PERIODS: tuple[str, ...] = ("year", "half", "quarter", "month")
#: a requirement's status as of a date, from best to worst
STATUSES: tuple[str, ...] = ("met", "on_track", "behind", "unmet")

_MONTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}


class Status(NamedTuple):
    status: str
    due: dt.date | None
    expected_by_now: int
    missed: tuple[str, ...]


def months_per_period(per: str) -> int:
    return _MONTHS[per]


def period_count(per: str) -> int:
    """Periods in a year: 1, 2, 4 or 12."""
    return 12 // _MONTHS[per]


def period_of_month(per: str, month: int) -> int:
    """The 0-based period a month (1..12) falls in."""
    return (month - 1) // _MONTHS[per]


def period_label(year: int, per: str, index: int) -> str:
    """``2020``, ``2020-H1``, ``2020-Q3`` or ``2020-07``.

    >>> [period_label(2020, p, 1) for p in PERIODS[1:]]
    ['2020-H2', '2020-Q2', '2020-02']
    """
    if per == "year":
        return str(year)
    if per == "half":
        return f"{year}-H{index + 1}"
    if per == "quarter":
        return f"{year}-Q{index + 1}"
    return f"{year}-{index + 1:02d}"


def period_bounds(year: int, per: str, index: int) -> tuple[dt.date, dt.date]:
    """First and last day of a period."""
    span = _MONTHS[per]
    first_month = index * span + 1
    last_month = first_month + span - 1
    return (
        dt.date(year, first_month, 1),
        dt.date(year, last_month, calendar.monthrange(year, last_month)[1]),
    )


def period_counts(per: str, months: Sequence[int]) -> tuple[int, ...]:
    """Sum twelve monthly counts into the periods of ``per``."""
    span = _MONTHS[per]
    return tuple(sum(months[i : i + span]) for i in range(0, 12, span))


def missed_periods(year: int, per: str, minimum: int, months: Sequence[int]) -> tuple[str, ...]:
    """Labels of the periods of the whole year with fewer than ``minimum`` contacts."""
    return tuple(period_label(year, per, i) for i, c in enumerate(period_counts(per, months)) if c < minimum)


def status_as_of(year: int, per: str, minimum: int, months: Sequence[int], as_of: dt.date) -> Status:
    """The status of one requirement of ``year`` as of ``as_of`` (see the module's definitions).

    ``months``: the twelve monthly counts of the year; months after ``as_of``'s are ignored, and
    the month of ``as_of`` must hold only links up to that day (``Store.pair_month_counts(until=)``),
    or be evaluated at a month's end.
    """
    n = period_count(per)
    if as_of < dt.date(year, 1, 1):
        return Status("on_track", period_bounds(year, per, 0)[1], 0, ())
    upto = 12 if as_of.year > year else as_of.month
    seen = [c if i < upto else 0 for i, c in enumerate(months)]
    counts = period_counts(per, seen)
    bounds = [period_bounds(year, per, i) for i in range(n)]
    ended = [i for i in range(n) if bounds[i][1] <= as_of]
    current = next((i for i in range(n) if bounds[i][0] <= as_of < bounds[i][1]), None)
    missed = tuple(i for i in ended if counts[i] < minimum)
    labels = tuple(period_label(year, per, i) for i in missed)
    expected = minimum * len(ended)
    if missed:
        status = "unmet" if as_of >= dt.date(year, 12, 31) else "behind"
        return Status(status, bounds[missed[0]][1], expected, labels)
    if current is None:  # every period has ended (the year is over) or the last one ends today
        return Status("met", bounds[ended[-1]][1], expected, ())
    status = "met" if counts[current] >= minimum else "on_track"
    return Status(status, bounds[current][1], expected, ())


def met_by_month(per: str, minimum: int, months: Sequence[int]) -> list[bool]:
    """Whether the requirement is ``met`` as of the last day of each month (twelve booleans): every
    period begun by then has at least ``minimum`` contacts up to then. The same as
    ``status_as_of(...).status == "met"`` on each month's last day, in one pass (the trend asks for
    every month of every requirement).

    >>> met_by_month("quarter", 1, (1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0))
    [True, True, True, False, False, True, True, True, True, False, False, False]
    """
    span = _MONTHS[per]
    out: list[bool] = []
    earlier_ok = True
    running = 0
    for i, c in enumerate(months[:12]):
        if i % span == 0:
            running = 0
        running += c
        out.append(earlier_ok and running >= minimum)
        if i % span == span - 1:
            earlier_ok = earlier_ok and running >= minimum
    return out


class Periodic:
    """What a requirement (graph.rules.Requirement, a frozen dataclass with these fields) answers
    about its periods: whether it is met, the periods missed, its status as of ``as_of``."""

    required: int
    observed: int
    #: the rule's rhythm; ``required`` is then the minimum in each period
    per: str
    #: the year's twelve monthly counts, when evaluated by month (periodic rules, ``as_of``)
    months: tuple[int, ...]
    year: int | None
    #: counted up to and including this date, with a status as of it
    as_of: dt.date | None

    @property
    def met(self) -> bool:
        """Met for the year; with ``as_of``, met so far (status ``met``)."""
        if self.as_of is not None:
            return self.timing().status == "met"
        if self.per != "year" and self.months:
            return not self.missed
        return self.observed >= self.required

    @property
    def missed(self) -> tuple[str, ...]:
        """Periods with fewer contacts than required: of the year, or with ``as_of`` those ended."""
        if not self.months or self.year is None:
            return ()  # evaluated from the year's sums: no periods to name
        if self.as_of is not None:
            return self.timing().missed
        return missed_periods(self.year, self.per, self.required, self.months)

    def timing(self) -> Status:
        """Status, due date and contacts expected by ``as_of`` (:func:`status_as_of`)."""
        if self.as_of is None or self.year is None or not self.months:
            raise ValueError("timing() needs a requirement evaluated with as_of")
        return status_as_of(self.year, self.per, self.required, self.months, self.as_of)

    @property
    def status(self) -> str | None:
        """met, on_track, behind or unmet as of ``as_of``; None without a date."""
        return self.timing().status if self.as_of is not None else None

    def timed_fields(self) -> dict[str, Any]:
        """What a gap row adds: ``per`` and ``missed`` for periodic rules; ``status``, ``due`` and
        ``expected_by_now`` with a date."""
        row: dict[str, Any] = {}
        if self.per != "year":
            row["per"] = self.per
            row["missed"] = list(self.missed)
        if self.as_of is not None:
            t = self.timing()
            row["status"] = t.status
            row["due"] = t.due.isoformat() if t.due else None
            row["expected_by_now"] = t.expected_by_now
        return row
