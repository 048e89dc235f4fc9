"""Contact over time (issue 21): dormant ties, a unit's contact series, unexpected contact and
congruence. The query root inherits :class:`TimeQuery`; the computations are graph.analysis.timing's.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from ...analysis import timing
from ..errors import InvalidArgument
from .context import Info
from .enums import Level, UnitKind

if TYPE_CHECKING:
    from .unit import Unit

__all__ = [
    "TimeQuery",
    "RequirementStatus",
    "Resolution",
    "DormantTie",
    "ContactSeries",
    "SeriesPoint",
    "UnexpectedContact",
    "Congruence",
    "check_as_of",
]

MAX_FACTOR = 1000.0


@strawberry.enum(description="A requirement's status as of a date (docs/analysis.md).")
class RequirementStatus(Enum):
    MET = strawberry.enum_value("met", description="Every period begun so far is met.")
    ON_TRACK = strawberry.enum_value(
        "on_track", description="Every period that has ended is met; the current one not yet."
    )
    BEHIND = strawberry.enum_value(
        "behind", description="A period that has ended was missed and the year is not over."
    )
    UNMET = strawberry.enum_value("unmet", description="The year is over and it was not met.")


@strawberry.enum(description="Resolution of a time series.")
class Resolution(Enum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


def check_as_of(as_of: dt.date | None) -> dt.date | None:
    if as_of is not None and not 1 <= as_of.year <= 9998:
        raise InvalidArgument(f"asOf must be a date in the years 1 to 9998, got {as_of}")
    return as_of


async def _unit(info: Info, unit_id: str | None) -> Any:
    if not unit_id:
        return None
    from .unit import unit_from_model

    found = await info.context.loaders.unit.load(unit_id)
    return unit_from_model(found) if found else None


LazyUnit = Annotated["Unit", strawberry.lazy(".unit")]


@strawberry.type(
    description="A tie (bureau side, local unit) silent for longer than k times the median interval "
    "between its own contacts, after at least three contacts."
)
class DormantTie:
    bureau_id: strawberry.ID
    counterpart_id: strawberry.ID
    counterpart_kind: UnitKind  # type: ignore[valid-type]
    prefecture: str | None = strawberry.field(description="The bureau's prefecture group (region code).")
    contacts: int = strawberry.field(description="Distinct days with a link, either way, up to asOf.")
    first_contact: dt.date
    last_contact: dt.date
    median_interval_days: float
    days_silent: int = strawberry.field(description="asOf minus the last contact, in days.")
    silence_ratio: float = strawberry.field(description="daysSilent / medianIntervalDays.")

    @strawberry.field(description="The bureau.")
    async def bureau(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.bureau_id)

    @strawberry.field(description="The local unit.")
    async def counterpart(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.counterpart_id)


@strawberry.type(description="Contacts in one period.")
class SeriesPoint:
    period: str = strawberry.field(description="2020, 2020-Q3 or 2020-07.")
    start: dt.date
    end: dt.date
    count: int = strawberry.field(description="Sum of the links' count.")
    records: int = strawberry.field(description="Link records.")


@strawberry.type(description="A unit's contacts with one counterpart, period by period (zeros included).")
class ContactSeries:
    counterpart_id: strawberry.ID
    points: list[SeriesPoint]

    @strawberry.field(description="The counterpart.")
    async def counterpart(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.counterpart_id)


@strawberry.type(
    description="A pair (bureau side, local unit) with contact in the year that no rule expects."
)
class UnexpectedContact:
    bureau_id: strawberry.ID
    counterpart_id: strawberry.ID
    counterpart_kind: UnitKind  # type: ignore[valid-type]
    counterpart_region: str | None
    reason: str = strawberry.field(
        description="kind_not_in_rules, other_locality (another region's body) or not_expected."
    )
    count: int
    kinds: list[str]


@strawberry.type(description="Congruence (expected pairs with contact / expected pairs) beside coverage.")
class Congruence:
    key: str | None = strawberry.field(description="Unit id, region code, or null for the whole system.")
    name: str | None
    level: Level | None  # type: ignore[valid-type]
    expected_pairs: int
    contacted_pairs: int
    congruence: float | None
    coverage: float | None


@strawberry.type(description="Congruence of the system, per prefecture group and per bureau.")
class CongruenceReport:
    system: Congruence
    regions: list[Congruence]
    units: list[Congruence]


def _congruence(row: dict[str, Any], key: str | None) -> Congruence:
    return Congruence(
        key=key, name=row.get("name"), level=Level(row["level"]) if row.get("level") else None,
        expected_pairs=row["expected_pairs"], contacted_pairs=row["contacted_pairs"],
        congruence=row["congruence"], coverage=row["coverage"],
    )  # fmt: skip


def _year(year: int) -> int:
    if not 1 <= year <= 9998:
        raise InvalidArgument(f"year must be a calendar year between 1 and 9998, got {year}")
    return year


@strawberry.type
class TimeQuery:
    @strawberry.field(
        description="Ties gone quiet by their own rhythm as of a date: at least three contacts and silent "
        "for more than `factor` times the median interval between them. By bureau, then counterpart."
    )
    async def dormant_ties(
        self,
        info: Info,
        as_of: dt.date,
        level: Level | None = None,  # type: ignore[valid-type]
        region_code: Annotated[
            str | None, strawberry.argument(description="Bureaus in this region or below.")
        ] = None,
        factor: Annotated[
            float | None, strawberry.argument(description="k: silent for more than k × the median interval.")
        ] = timing.DORMANT_FACTOR,
    ) -> list[DormantTie]:
        from .query import _region

        factor = timing.DORMANT_FACTOR if factor is None else factor
        if not 0 < factor <= MAX_FACTOR:
            raise InvalidArgument(f"factor must be above 0 and at most {MAX_FACTOR:g}, got {factor}")
        ctx = info.context
        code = await _region(info, region_code)
        rows = await ctx.call(
            timing.dormant, ctx.store, check_as_of(as_of), factor=factor,
            level=level.value if level is not None else None, region_code=code, rules=ctx.rules,
        )  # fmt: skip
        return [
            DormantTie(
                bureau_id=strawberry.ID(r["bureau_id"]),
                counterpart_id=strawberry.ID(r["counterpart_id"]),
                counterpart_kind=UnitKind(r["counterpart_kind"]),
                prefecture=r["prefecture"],
                contacts=r["contacts"],
                first_contact=dt.date.fromisoformat(r["first_contact"]),
                last_contact=dt.date.fromisoformat(r["last_contact"]),
                median_interval_days=r["median_interval_days"],
                days_silent=r["days_silent"],
                silence_ratio=r["silence_ratio"],
            )  # fmt: skip
            for r in rows
        ]

    @strawberry.field(
        description="A unit's timeline of contacts with each counterpart (or one), per month, quarter or "
        "year; a bureau counts with its party committee and branches."
    )
    async def contact_series(
        self,
        info: Info,
        unit_id: strawberry.ID,
        counterpart_id: strawberry.ID | None = None,
        by: Resolution | None = Resolution.MONTH,
    ) -> list[ContactSeries]:
        ctx = info.context
        by = by or Resolution.MONTH
        series = await ctx.call(
            timing.contact_series, ctx.store, str(unit_id),
            str(counterpart_id) if counterpart_id is not None else None, by.value,
        )  # fmt: skip
        return [
            ContactSeries(
                counterpart_id=strawberry.ID(s["counterpart_id"]),
                points=[
                    SeriesPoint(
                        period=p["period"],
                        start=dt.date.fromisoformat(p["start"]),
                        end=dt.date.fromisoformat(p["end"]),
                        count=p["count"],
                        records=p["records"],
                    )
                    for p in s["points"]
                ],  # fmt: skip
            )
            for s in series
        ]

    @strawberry.field(
        description="Pairs (bureau side, local unit) with contact in the year (up to asOf) that no rule "
        "expects: another locality's body, or a kind no rule names."
    )
    async def unexpected_contacts(
        self, info: Info, year: int, as_of: dt.date | None = None
    ) -> list[UnexpectedContact]:
        ctx = info.context
        rows = await ctx.call(timing.unexpected, ctx.store, _year(year), check_as_of(as_of), ctx.rules)
        return [
            UnexpectedContact(
                bureau_id=strawberry.ID(r["bureau_id"]),
                counterpart_id=strawberry.ID(r["counterpart_id"]),
                counterpart_kind=UnitKind(r["counterpart_kind"]),
                counterpart_region=r["counterpart_region"],
                reason=r["reason"],
                count=r["count"],
                kinds=r["kinds"],
            )  # fmt: skip
            for r in rows
        ]

    @strawberry.field(
        description="Socio-technical congruence of the year (up to asOf): expected pairs with contact / "
        "expected pairs, beside coverage, for the system, each prefecture group and each bureau."
    )
    async def congruence(self, info: Info, year: int, as_of: dt.date | None = None) -> CongruenceReport:
        ctx = info.context
        data = await ctx.call(timing.congruence, ctx.store, _year(year), check_as_of(as_of), ctx.rules)
        return CongruenceReport(
            system=_congruence(data["system"], None),
            regions=[_congruence(r, r["region_code"]) for r in data["regions"]],
            units=[_congruence(r, r["unit_id"]) for r in data["units"]],
        )
