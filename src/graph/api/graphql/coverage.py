"""Coverage and requirements (gaps): the contract's JSON shapes (section 3) in camelCase."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from ...rules import Coverage as CoverageModel
from ...rules import Requirement as RequirementModel
from .context import Info
from .enums import Family, Level, UnitKind
from .timing import RequirementStatus

if TYPE_CHECKING:
    from .region import Region
    from .unit import Unit

__all__ = [
    "Requirement",
    "Coverage",
    "LevelCoverage",
    "RuleCoverage",
    "RegionCoverage",
    "UnitCoverage",
    "requirement_from_model",
    "coverage_from_model",
    "unit_coverage",
]

LazyUnit = Annotated["Unit", strawberry.lazy(".unit")]


async def _unit(info: Info, unit_id: str | None) -> Any:
    if not unit_id:
        return None
    from .unit import unit_from_model

    found = await info.context.loaders.unit.load(unit_id)
    return unit_from_model(found) if found else None


@strawberry.type(
    description="One horizontal contact a bureau is expected to keep in a year, with what was observed. "
    "`gaps` returns the unmet ones (the contract's gap shape)."
)
class Requirement:
    unit_id: strawberry.ID = strawberry.field(description="The bureau the rule binds.")
    rule: str = strawberry.field(description="Rule id from schema/expectations.yaml (see `rules`).")
    family: Family  # type: ignore[valid-type]
    counterpart_kind: UnitKind  # type: ignore[valid-type]
    counterpart_id: strawberry.ID | None = strawberry.field(
        description="The expected counterpart; null when it does not exist in the data (still expected)."
    )
    required: int
    observed: int = strawberry.field(description="Sum of `count` over the matching links of the year.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="For per-subordinate rules (coordinate_lower_localities): the subordinate bureau."
    )
    per: str = strawberry.field(
        default="year",
        description="The rule's rhythm: year, half, quarter or month; `required` is the minimum in each.",
    )
    missed: list[str] = strawberry.field(
        default_factory=list,
        description="Periods with fewer contacts than required (with asOf: those ended), e.g. 2020-Q2.",
    )
    status: RequirementStatus | None = strawberry.field(default=None, description="With asOf: the status.")
    due: dt.date | None = strawberry.field(
        default=None, description="With asOf: the end of the current period, or of the first missed one."
    )
    expected_by_now: int | None = strawberry.field(
        default=None, description="With asOf: contacts the periods ended so far required."
    )
    met_flag: strawberry.Private[bool | None] = None

    @strawberry.field(
        description="observed >= required (periodic rules: every period met; with asOf: status MET)."
    )
    def met(self) -> bool:
        return self.met_flag if self.met_flag is not None else self.observed >= self.required

    @strawberry.field(description="The bureau.")
    async def unit(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.unit_id)

    @strawberry.field(description="The counterpart unit, if it exists.")
    async def counterpart(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.counterpart_id)

    @strawberry.field(description="The subordinate bureau a per-subordinate requirement is about.")
    async def subject(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.subject_id)


def requirement_from_model(r: RequirementModel) -> Requirement:
    timed: dict[str, Any] = {}
    if r.per != "year" or r.as_of is not None:
        timed = {"per": r.per, "missed": list(r.missed), "met_flag": r.met}
    if r.as_of is not None:
        t = r.timing()
        timed.update(status=RequirementStatus(t.status), due=t.due, expected_by_now=t.expected_by_now)
    return Requirement(
        **timed,
        unit_id=strawberry.ID(r.unit_id),
        rule=r.rule,
        family=Family(r.family),
        counterpart_kind=UnitKind(r.counterpart_kind),
        counterpart_id=strawberry.ID(r.counterpart_id) if r.counterpart_id else None,
        required=r.required,
        observed=r.observed,
        subject_id=strawberry.ID(r.subject_id) if r.subject_id else None,
    )


@strawberry.interface(description="Met over expected requirements; ratio is null when none are expected.")
class Ratio:
    expected: int
    met: int
    ratio: float | None
    on_track: int | None = strawberry.field(default=None, description="With asOf: requirements on track.")
    behind: int | None = strawberry.field(default=None, description="With asOf: requirements behind.")
    unmet: int | None = strawberry.field(default=None, description="With asOf: requirements unmet.")


@strawberry.type(description="Coverage of the bureaus of one level.")
class LevelCoverage(Ratio):
    level: Level  # type: ignore[valid-type]


@strawberry.type(description="Coverage of the units of one vertical system.")
class SystemCoverage(Ratio):
    system: str = strawberry.field(description="The system's id (see `systems`).")
    name: str | None = strawberry.field(description="The system's Chinese name.")


@strawberry.type(description="Coverage of one rule.")
class RuleCoverage(Ratio):
    rule: str


@strawberry.type(
    description="Coverage of one region group: a prefecture with the bureaus in it; the provincial "
    "bureau forms its own group under the province's code."
)
class RegionCoverage(Ratio):
    region_code: str
    name: str | None

    @strawberry.field(description="The region of the group.")
    async def region(self, info: Info) -> Annotated[Region, strawberry.lazy(".region")] | None:
        from .region import region_from_model

        found = await info.context.loaders.region.load(self.region_code)
        return region_from_model(found) if found else None


@strawberry.type(description="Coverage of one bureau.")
class UnitCoverage(Ratio):
    unit_id: strawberry.ID
    name: str | None
    year: strawberry.Private[int]

    @strawberry.field(description="The bureau.")
    async def unit(self, info: Info) -> LazyUnit | None:
        return await _unit(info, self.unit_id)

    @strawberry.field(description="The bureau's requirements of the year, met and unmet.")
    async def requirements(
        self,
        info: Info,
        unmet_only: Annotated[bool, strawberry.argument(description="Only the gaps.")] = False,
    ) -> list[Requirement]:
        index = await info.context.loaders.requirements.load(self.year)
        return [
            requirement_from_model(r) for r in index.get(str(self.unit_id), []) if not (unmet_only and r.met)
        ]


@strawberry.type(description="Coverage of a year: met/expected overall and broken down.")
class Coverage(Ratio):
    year: int
    as_of: dt.date | None = strawberry.field(default=None, description="Counted up to this day, if given.")
    by_level: list[LevelCoverage]
    by_rule: list[RuleCoverage]
    by_region: list[RegionCoverage]
    units: list[UnitCoverage] = strawberry.field(description="Every bureau in scope, by id.")
    by_system: list[SystemCoverage] = strawberry.field(
        default_factory=list, description="Per vertical system (schema/systems), by system id."
    )


def _statuses(r: dict[str, Any]) -> dict[str, Any]:
    return {k: r[k] for k in ("on_track", "behind", "unmet") if k in r}


def coverage_from_model(c: CoverageModel) -> Coverage:
    return Coverage(
        year=c.year,
        as_of=c.as_of,
        expected=c.expected,
        met=c.met,
        ratio=c.ratio,
        **(c.statuses or {}),
        by_level=[LevelCoverage(level=Level(r["level"]), expected=r["expected"], met=r["met"],
                                ratio=r["ratio"], **_statuses(r)) for r in c.by_level],
        by_rule=[RuleCoverage(rule=r["rule"], expected=r["expected"], met=r["met"], ratio=r["ratio"],
                              **_statuses(r)) for r in c.by_rule],
        by_region=[RegionCoverage(region_code=r["region_code"], name=r["name"], expected=r["expected"],
                                  met=r["met"], ratio=r["ratio"], **_statuses(r)) for r in c.by_region],
        units=[UnitCoverage(unit_id=strawberry.ID(r["unit_id"]), name=r.get("name"), expected=r["expected"],
                            met=r["met"], ratio=r["ratio"], year=c.year, **_statuses(r)) for r in c.units],
        by_system=[SystemCoverage(system=r["system"], name=r.get("name"), expected=r["expected"], met=r["met"],
                                  ratio=r["ratio"], **_statuses(r)) for r in c.by_system],
    )  # fmt: skip


def unit_coverage(unit_id: str, name: str | None, year: int, reqs: list[RequirementModel]) -> UnitCoverage:
    met = sum(r.met for r in reqs)
    return UnitCoverage(
        unit_id=strawberry.ID(unit_id),
        name=name,
        expected=len(reqs),
        met=met,
        ratio=met / len(reqs) if reqs else None,
        year=year,
    )
