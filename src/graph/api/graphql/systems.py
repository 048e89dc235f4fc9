"""Vertical systems in GraphQL (issue 20): ``systems { id name unitCount coverage(year) }``, a
region's vertical units across systems, and coverage per system (``Coverage.bySystem``).

Systems come from files (schema/systems/*.yaml), so a system is named by its id (a String), not
an enum: a system added from a file needs no schema change.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from ... import rules
from ...model.vocabulary import vocabulary
from ...queries.systems import system_units
from ...rules import Rule
from ..errors import InvalidArgument
from .context import Info
from .coverage import Coverage, coverage_from_model
from .unit import Unit, unit_from_model

__all__ = ["SystemArg", "System", "SystemsQuery", "rules_of_system", "vertical_units", "region_coverage"]


SystemArg = Annotated[
    str | None,
    strawberry.argument(description="Only this vertical system: its id (`tax`, `meteorology`, `customs` …)."),
]


def rules_of_system(info: Info, system: str | None) -> list[Rule]:
    """The server's rules, or those of one system (an unknown id is an invalid argument)."""
    if system is None:
        return list(info.context.rules)
    known = vocabulary().systems
    if system not in known:
        raise InvalidArgument(f"system: unknown system {system!r}; systems are: {', '.join(known)}")
    return [r for r in info.context.rules if r.system == system]


@strawberry.type(description="A vertical system (垂直管理系统) declared in schema/systems/<id>.yaml.")
class System:
    id: str = strawberry.field(description="Its id: the `system` of its units (`tax`, `meteorology` …).")
    name: str = strawberry.field(description="Its Chinese name (税务系统).")
    name_en: str

    @strawberry.field(description="How many of its units (bureaus and their party bodies) the store holds.")
    async def unit_count(self, info: Info) -> int:
        found = await info.context.call(system_units, info.context.store, self.id)
        return len(found)

    @strawberry.field(description="Coverage of its units' requirements in the year (its rules only).")
    async def coverage(self, info: Info, year: int) -> Coverage:
        ctx = info.context
        cov = await ctx.call(rules.coverage, ctx.store, year, rules=rules_of_system(info, self.id))
        return coverage_from_model(cov)


@strawberry.type
class SystemsQuery:
    @strawberry.field(
        description="Every vertical system the server knows (its files), the default (tax) first."
    )
    def systems(self) -> list[System]:
        return [System(id=s.id, name=s.name, name_en=s.name_en) for s in vocabulary().systems.values()]


async def vertical_units(info: Info, code: str, system: str | None) -> list[Unit]:
    """``Region.verticalUnits``: every unit the rules bind (a bureau, a customs …, not their party
    bodies) in the region or within it, by id."""
    ctx = info.context
    if system is not None:
        rules_of_system(info, system)
    kinds = sorted({r.unit_kind for r in ctx.rules})  # the units the rules bind: bureaus, customs …
    found = await ctx.call(_units_in, ctx.store, code, kinds, system)
    return [unit_from_model(u) for u in found]


async def region_coverage(info: Info, code: str, year: int, system: str | None) -> Coverage:
    """``Region.coverage``: the coverage of the vertical units in the region, with ``bySystem``."""
    ctx = info.context
    cov = await ctx.call(
        rules.coverage, ctx.store, year, region_code=code, rules=rules_of_system(info, system)
    )
    return coverage_from_model(cov)


def _units_in(store: Any, code: str, kinds: list[str], system: str | None) -> list[Any]:
    from ...model import regions_within
    from ...queries.systems import unit_system

    within = regions_within(store.regions(), code)
    return [
        u
        for u in store.units_of_kinds(kinds)
        if u.region_code in within and (system is None or unit_system(u) == system)
    ]
