"""The query root: what a party-building office or a dashboard asks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import strawberry

from ... import rules
from ...errors import NotFound
from ...model import Link as LinkModel
from ...model import Unit as UnitModel
from ...model.vocabulary import vocabulary
from ...queries import paths
from ...queries.stats import stats as compute_stats
from ...store import filters as flt
from ...store.base import LinkQuery, Page
from ...store.system_filter import system_cond
from ..errors import InvalidArgument
from .aggregates import LinkGroup, UnitsAggregate, link_group_from_model, units_aggregate_from_model
from .connection import Connection, paged
from .context import Info
from .coverage import Coverage, Requirement, coverage_from_model, requirement_from_model
from .enums import Family, Level, LinkKind, RegionLevel, UnitKind
from .link import Link, link_from_model
from .lookahead import item_fields
from .meta import RuleInfo, VocabularyInfo, rule_from_model, vocabulary_from_model
from .region import Region, region_from_model
from .stats import Stats, stats_from_dict
from .systems import SystemArg, SystemsQuery, rules_of_system
from .timing import RequirementStatus, TimeQuery, check_as_of
from .unit import AfterArg, FirstArg, Unit, unit_from_model
from .where import (
    LinkGroupBy,
    LinkOrder,
    LinkWhere,
    UnitOrder,
    UnitWhere,
    legacy_link_cond,
    link_cond,
    link_orders,
    unit_cond,
    unit_orders,
)
from .where import group_by as group_by_

__all__ = ["Query"]

_REGION_CODE = re.compile(r"\d{6}")
MAX_NAME_FILTER = 200
MAX_YEARS = 50


def _year(year: int | None, name: str = "year") -> int | None:
    if year is not None and not 1 <= year <= 9999:
        raise InvalidArgument(f"{name} must be a calendar year between 1 and 9999, got {year}")
    return year


async def _region(info: Info, code: str | None, name: str = "regionCode") -> str | None:
    """Check a region filter: six digits and known to the store."""
    if code is None:
        return None
    if not _REGION_CODE.fullmatch(code):
        raise InvalidArgument(f"{name} must be a six-digit division code (GB/T 2260), got {code!r}")
    if await info.context.loaders.region.load(code) is None:
        raise InvalidArgument(f"{name}: unknown region {code}")
    return code


def _rule(info: Info, rule: str | None) -> str | None:
    known = [r.id for r in info.context.rules]
    if rule is not None and rule not in known:
        raise InvalidArgument(f"rule: unknown rule {rule!r}; rules are: {', '.join(known)}")
    return rule


def _value(member: object) -> str | None:
    return None if member is None else member.value  # type: ignore[attr-defined]


@strawberry.type
class Query(TimeQuery, SystemsQuery):
    @strawberry.field(description="A unit by id; null when there is none.")
    async def unit(self, info: Info, id: strawberry.ID) -> Unit | None:
        found = await info.context.loaders.unit.load(str(id))
        return unit_from_model(found) if found else None

    @strawberry.field(
        description="Units matching every filter given (`where`: any question in one request), by "
        "`orderBy`, then id."
    )
    async def units(
        self,
        info: Info,
        kind: UnitKind | None = None,  # type: ignore[valid-type]
        level: Level | None = None,  # type: ignore[valid-type]
        region_code: Annotated[
            str | None, strawberry.argument(description="The region itself or any region within it.")
        ] = None,
        name_contains: Annotated[
            str | None, strawberry.argument(description="Case-insensitive, in the Chinese or English name.")
        ] = None,
        where: UnitWhere | None = None,
        order_by: list[UnitOrder] | None = None,
        first: FirstArg = None,
        after: AfterArg = None,
        system: SystemArg = None,
    ) -> Connection[Unit]:
        async def fetch(offset: int, limit: int) -> Page[UnitModel]:
            if name_contains is not None and len(name_contains) > MAX_NAME_FILTER:
                raise InvalidArgument(f"nameContains: at most {MAX_NAME_FILTER} characters")
            return await _units_where(
                info, kind, level, region_code, name_contains, where, order_by, offset, limit, system
            )

        return await paged(info, first, after, fetch, unit_from_model)

    @strawberry.field(description="Links matching every filter given, by `orderBy`, then date, then id.")
    async def links(
        self,
        info: Info,
        unit_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Links with this unit at either end.")
        ] = None,
        family: Family | None = None,  # type: ignore[valid-type]
        kind: LinkKind | None = None,  # type: ignore[valid-type]
        year: int | None = None,
        where: LinkWhere | None = None,
        order_by: list[LinkOrder] | None = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Link]:
        async def fetch(offset: int, limit: int) -> Page[LinkModel]:
            if where is not None or order_by:
                cond = flt.and_(
                    flt.End("either", flt.Field("id", "eq", str(unit_id))) if unit_id is not None else None,
                    legacy_link_cond(family, kind, year),
                    link_cond(where, anchored=False),
                )
                wanted = item_fields(info)
                ends = "source" in wanted or "target" in wanted
                found = await info.context.call(
                    info.context.store.find_links_where, cond, link_orders(order_by), offset, limit, ends=ends
                )
                info.context.loaders.prime_units(found.units)
                return found.page
            q = LinkQuery(
                unit_id=str(unit_id) if unit_id is not None else None,
                family=_value(family),
                kind=_value(kind),
                year=_year(year),
            )
            return await info.context.call(info.context.store.find_links, q, offset, limit)

        return await paged(info, first, after, fetch, link_from_model)

    @strawberry.field(description="How many units match `where`, by kind, level and region.")
    async def units_aggregate(self, info: Info, where: UnitWhere | None = None) -> UnitsAggregate:
        found = await info.context.call(info.context.store.aggregate_units, unit_cond(where))
        return units_aggregate_from_model(found)

    @strawberry.field(
        description="Links matching `where`, grouped by `groupBy` (none: one group; no group when nothing "
        "matches): records, events, participants, first and last date, ordered by the group."
    )
    async def links_aggregate(
        self, info: Info, where: LinkWhere | None = None, group_by: list[LinkGroupBy] | None = None
    ) -> list[LinkGroup]:
        groups = group_by_(group_by)
        found = await info.context.call(
            info.context.store.aggregate_links, link_cond(where, anchored=False), groups
        )
        return [link_group_from_model(g, groups) for g in found]

    @strawberry.field(description="Links between two units, either direction, by date then id.")
    async def links_between(
        self,
        info: Info,
        a_id: strawberry.ID,
        b_id: strawberry.ID,
        family: Family | None = None,  # type: ignore[valid-type]
        kind: LinkKind | None = None,  # type: ignore[valid-type]
        year: int | None = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Link]:
        async def fetch(offset: int, limit: int) -> Page[LinkModel]:
            q = LinkQuery(
                unit_id=str(a_id),
                other_id=str(b_id),
                family=_value(family),
                kind=_value(kind),
                year=_year(year),
            )
            return await info.context.call(info.context.store.find_links, q, offset, limit)

        return await paged(info, first, after, fetch, link_from_model)

    @strawberry.field(
        description="Coverage of the year: met/expected requirements, by level, rule, region group and "
        "bureau, for the bureaus of one level and/or within one region if given."
    )
    async def coverage(
        self,
        info: Info,
        year: int,
        level: Level | None = None,  # type: ignore[valid-type]
        region_code: str | None = None,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(description="Coverage so far: links up to this day, with status counts."),
        ] = None,
        system: SystemArg = None,
    ) -> Coverage:
        ctx = info.context
        code = await _region(info, region_code)
        cov = await ctx.call(
            rules.coverage, ctx.store, _year(year), level=_value(level), region_code=code,
            rules=rules_of_system(info, system), as_of=check_as_of(as_of),
        )  # fmt: skip
        return coverage_from_model(cov)

    @strawberry.field(description="Coverage per year, oldest first (default: every year with links).")
    async def coverage_trend(
        self,
        info: Info,
        years: list[int] | None = None,
        level: Level | None = None,  # type: ignore[valid-type]
        region_code: str | None = None,
    ) -> list[Coverage]:
        ctx = info.context
        if years is not None and len(years) > MAX_YEARS:
            raise InvalidArgument(f"years: at most {MAX_YEARS} years, got {len(years)}")
        for y in years or []:
            _year(y, "years")
        wanted = sorted(set(years)) if years is not None else await ctx.loaders.years()
        code = await _region(info, region_code)
        return [
            coverage_from_model(
                await ctx.call(
                    rules.coverage, ctx.store, y, level=_value(level), region_code=code, rules=ctx.rules
                )
            )
            for y in wanted
        ]

    @strawberry.field(description="Unmet requirements of the year, by unit id, rule, counterpart id.")
    async def gaps(
        self,
        info: Info,
        year: int,
        level: Level | None = None,  # type: ignore[valid-type]
        region_code: str | None = None,
        rule: Annotated[str | None, strawberry.argument(description="A rule id (see `rules`).")] = None,
        as_of: Annotated[
            dt.date | None,
            strawberry.argument(
                description="The requirements not met by this day, each with status, due and expectedByNow."
            ),
        ] = None,
        status: Annotated[
            RequirementStatus | None, strawberry.argument(description="With asOf: only this status.")
        ] = None,
        system: SystemArg = None,
    ) -> list[Requirement]:
        ctx = info.context
        code = await _region(info, region_code)
        if status is not None and as_of is None:
            raise InvalidArgument("status needs asOf")
        found = await ctx.call(
            rules.gaps, ctx.store, _year(year), level=_value(level), region_code=code, rule=_rule(info, rule),
            rules=rules_of_system(info, system), as_of=check_as_of(as_of),
            status=status.value if status is not None else None,
        )  # fmt: skip
        return [requirement_from_model(r) for r in found]

    @strawberry.field(description="Totals of the year: units, link records, counts and participants.")
    async def stats(self, info: Info, year: int) -> Stats:
        data = await info.context.call(compute_stats, info.context.store, _year(year))
        family_of = {k: v.family for k, v in vocabulary().link_kinds.items()}
        return stats_from_dict(data, family_of)

    @strawberry.field(
        description="Units along a shortest path (structure and links, either direction) from one unit to "
        "another, both included; among equally short paths the one with the smallest ids hop by hop. "
        "Empty when there is none within maxHops."
    )
    async def shortest_path(
        self, info: Info, from_id: strawberry.ID, to_id: strawberry.ID, max_hops: int = 6
    ) -> list[Unit]:
        cap = info.context.settings.max_hops
        if not 0 <= max_hops <= cap:
            raise InvalidArgument(f"maxHops must be between 0 and {cap}, got {max_hops}")
        try:
            ids = await info.context.call(
                paths.shortest_path, info.context.store, str(from_id), str(to_id), max_hops
            )
        except NotFound as exc:
            raise InvalidArgument(str(exc)) from exc
        found = await info.context.loaders.unit.load_many(ids)
        return [unit_from_model(u) for u in found if u is not None]

    @strawberry.field(description="Years in which any link is dated, ascending.")
    async def years(self, info: Info) -> list[int]:
        return await info.context.loaders.years()

    @strawberry.field(description="The expectation rules in force (schema/expectations.yaml).")
    def rules(self, info: Info) -> list[RuleInfo]:
        return [rule_from_model(r) for r in info.context.rules]

    @strawberry.field(description="Kinds, families and their Chinese names.")
    def vocabulary(self) -> VocabularyInfo:
        return vocabulary_from_model(vocabulary())

    @strawberry.field(description="A region by code; null when there is none.")
    async def region(self, info: Info, code: str) -> Region | None:
        found = await info.context.loaders.region.load(code)
        return region_from_model(found) if found else None

    @strawberry.field(
        description="Regions by code, optionally of one level and/or directly under one parent."
    )
    async def regions(
        self,
        info: Info,
        level: RegionLevel | None = None,  # type: ignore[valid-type]
        parent_code: str | None = None,
    ) -> list[Region]:
        every = await info.context.call(info.context.store.regions)
        return [
            region_from_model(r)
            for r in every
            if (level is None or r.level == level.value)
            and (parent_code is None or r.parent_code == parent_code)
        ]


async def _units_where(
    info: Info, kind: object, level: object, region_code: str | None, name_contains: str | None,
    where: UnitWhere | None, order_by: list[UnitOrder] | None, offset: int, limit: int,
    system: str | None = None,
) -> Page[UnitModel]:  # fmt: skip
    """``units``: the old arguments join ``where``; one store call (one Cypher statement on Neo4j),
    and a second only to say that an unknown ``regionCode`` is unknown when nothing matched."""
    if region_code is not None and not _REGION_CODE.fullmatch(region_code):
        raise InvalidArgument(
            f"regionCode must be a six-digit division code (GB/T 2260), got {region_code!r}"
        )
    needle = name_contains or None
    cond = flt.and_(
        flt.Field("kind", "eq", _value(kind)) if kind is not None else None,
        flt.Field("level", "eq", _value(level)) if level is not None else None,
        flt.RegionWithin(region_code) if region_code is not None else None,
        flt.AnyOf((flt.Field("name", "icontains", needle), flt.Field("name_en", "icontains", needle)))
        if needle
        else None,
        unit_cond(where),
        system_cond(system) if system is not None and rules_of_system(info, system) is not None else None,
    )
    wanted = item_fields(info)
    along = {"parents": "parent" in wanted, "regions": "region" in wanted, "children": "children" in wanted}
    found = await info.context.call(
        info.context.store.find_units_where, cond, unit_orders(order_by), offset, limit, **along
    )
    info.context.loaders.prime_units_with(found, **along)
    if region_code is not None and found.page.total == 0:
        await _region(info, region_code)  # an unknown region is an error, not an empty list
    return found.page
