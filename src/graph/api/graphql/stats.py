"""``Stats`` (totals of a year) and ``TimelineYear`` (a unit's links per year)."""

from __future__ import annotations

from typing import Any

import strawberry

from .enums import Family, LinkKind
from .loaders import YearTotals

__all__ = ["Stats", "FamilyTotal", "KindTotal", "TimelineYear", "stats_from_dict", "timeline_from_totals"]


@strawberry.type(
    description="Links of one family summed: `records` rows, `count` events, `participants` people."
)
class FamilyTotal:
    family: Family  # type: ignore[valid-type]
    records: int | None = strawberry.field(description="Ledger rows (null where not computed).")
    count: int
    participants: int


@strawberry.type(description="Links of one kind summed over a year.")
class KindTotal:
    kind: LinkKind  # type: ignore[valid-type]
    family: Family  # type: ignore[valid-type]
    count: int
    participants: int


@strawberry.type(
    description="Totals for a year (the contract's stats JSON): only kinds and families that occur."
)
class Stats:
    year: int
    units: int = strawberry.field(description="All units in the store (not only those active in the year).")
    links: int = strawberry.field(description="Link records dated in the year.")
    by_family: list[FamilyTotal]
    by_kind: list[KindTotal]


def stats_from_dict(data: dict[str, Any], family_of: dict[str, str]) -> Stats:
    return Stats(
        year=data["year"],
        units=data["units"],
        links=data["links"],
        by_family=[
            FamilyTotal(family=Family(f), records=None, count=v["count"], participants=v["participants"])
            for f, v in data["by_family"].items()
        ],
        by_kind=[
            KindTotal(kind=LinkKind(k), family=Family(family_of[k]), count=v["count"],
                      participants=v["participants"])
            for k, v in data["by_kind"].items()
        ],
    )  # fmt: skip


@strawberry.type(description="A unit's links in one year (as source or target), summed, and per family.")
class TimelineYear:
    year: int
    records: int
    count: int
    participants: int
    by_family: list[FamilyTotal] = strawberry.field(description="Every family, zeros included.")


def timeline_from_totals(t: YearTotals) -> TimelineYear:
    return TimelineYear(
        year=t.year,
        records=t.records,
        count=t.count,
        participants=t.participants,
        by_family=[
            FamilyTotal(family=Family(f), records=v[0], count=v[1], participants=v[2])
            for f, v in (t.by_family or {}).items()
        ],
    )
