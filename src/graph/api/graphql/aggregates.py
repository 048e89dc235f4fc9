"""``unitsAggregate`` and ``linksAggregate``: counts and sums over what a ``where`` matches."""

from __future__ import annotations

import datetime as dt

import strawberry

from ...store.filters import LinkGroup as LinkGroupModel
from ...store.filters import UnitsAggregate as UnitsAggregateModel
from .enums import Family, Level, LinkKind, UnitKind

__all__ = ["UnitsAggregate", "LinkGroup", "units_aggregate_from_model", "link_group_from_model"]


@strawberry.type(description="Units of one kind.")
class KindCount:
    kind: UnitKind  # type: ignore[valid-type]
    count: int


@strawberry.type(description="Units of one level.")
class LevelCount:
    level: Level  # type: ignore[valid-type]
    count: int


@strawberry.type(description="Units whose region is this one (not counting regions within it).")
class RegionCount:
    region_code: str
    count: int


@strawberry.type(description="How many units match, and how many of each kind, level and region.")
class UnitsAggregate:
    count: int
    by_kind: list[KindCount] = strawberry.field(description="By kind, kinds without units left out.")
    by_level: list[LevelCount]
    by_region: list[RegionCount] = strawberry.field(
        description="By region code (units without one left out)."
    )


@strawberry.type(
    description="Links of one group: the fields grouped by are set (the others null), with the sums."
)
class LinkGroup:
    kind: LinkKind | None  # type: ignore[valid-type]
    family: Family | None  # type: ignore[valid-type]
    year: int | None
    month: str | None = strawberry.field(description="YYYY-MM.")
    source_level: Level | None  # type: ignore[valid-type]
    records: int = strawberry.field(description="Links (ledger rows).")
    count: int = strawberry.field(description="Events: the sum of the links' `count`.")
    participants: int = strawberry.field(description="The sum of `participants` (missing counts as 0).")
    first_date: dt.date | None
    last_date: dt.date | None


def units_aggregate_from_model(a: UnitsAggregateModel) -> UnitsAggregate:
    return UnitsAggregate(
        count=a.count,
        by_kind=[KindCount(kind=UnitKind(k), count=n) for k, n in a.by_kind],
        by_level=[LevelCount(level=Level(k), count=n) for k, n in a.by_level],
        by_region=[RegionCount(region_code=k, count=n) for k, n in a.by_region],
    )


def link_group_from_model(g: LinkGroupModel, group_by: tuple[str, ...]) -> LinkGroup:
    key = dict(zip(group_by, g.key, strict=True))
    kind, family, level = key.get("kind"), key.get("family"), key.get("source_level")
    return LinkGroup(
        kind=LinkKind(kind) if kind is not None else None,
        family=Family(family) if family is not None else None,
        year=key.get("year"),
        month=key.get("month"),
        source_level=Level(level) if level is not None else None,
        records=g.records,
        count=g.count,
        participants=g.participants,
        first_date=g.first,
        last_date=g.last,
    )
