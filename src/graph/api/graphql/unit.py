"""``Unit``: an organisation, with its vertical line (parent, children) and horizontal ties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from ...model import Link as LinkModel
from ...model import Unit as UnitModel
from ...model.vocabulary import vocabulary
from ...queries.systems import unit_system
from ...store.base import Page
from ...store.filters import and_
from ..errors import InvalidArgument
from .connection import Connection, paged
from .context import Info
from .coverage import Requirement, UnitCoverage, requirement_from_model, unit_coverage
from .enums import Family, Level, LinkKind, Side, UnitKind
from .link import Link, link_from_model
from .loaders import LinkKey, TimelineKey
from .lookahead import item_fields
from .region import Region, region_from_model
from .stats import TimelineYear, timeline_from_totals
from .where import LinkOrder, LinkWhere, legacy_link_cond, link_cond, link_orders

__all__ = ["Unit", "Property", "unit_from_model", "FirstArg", "AfterArg", "MAX_TIMELINE_YEARS"]

MAX_TIMELINE_YEARS = 50

M = TypeVar("M")
T = TypeVar("T")


FirstArg = Annotated[
    int | None,
    strawberry.argument(description="Page size (default TIAOKUAI_DEFAULT_PAGE_SIZE, at most the cap)."),
]
AfterArg = Annotated[
    str | None, strawberry.argument(description="Cursor: pageInfo.endCursor of the previous page.")
]


@strawberry.type(description="An extra ledger column kept on the unit.")
class Property:
    key: str
    value: str


@strawberry.type(
    description="An organisation: a tax bureau, its party committee or branch (条, the vertical line), or a "
    "local party committee and its departments (块, the locality)."
)
class Unit:
    id: strawberry.ID
    name: str
    name_en: str | None
    kind: UnitKind  # type: ignore[valid-type]
    level: Level  # type: ignore[valid-type]
    region_code: str | None = strawberry.field(description="Six-digit division code of its locality.")
    parent_id: strawberry.ID | None = strawberry.field(description="See `parent`.")
    properties: list[Property] = strawberry.field(description="Extra ledger columns.")
    system: str | None = strawberry.field(
        description="Its vertical system's id (`tax`, `meteorology`, `customs` … from schema/systems); "
        "null for the local side (块), which every system shares. See `systems`."
    )

    @strawberry.field(description="Bureau side (条) or local side (块).")
    def side(self) -> Side:  # type: ignore[valid-type]
        return Side(vocabulary().unit_kinds[self.kind.value].side)

    @strawberry.field(description="Its administrative division.")
    def region(self, info: Info) -> Region | None:
        # a plain function, not a coroutine: when the page primed the loader (the usual case) the
        # answer is there and graphql-core completes it in place, without a task per item
        if not self.region_code:
            return None
        return _now_or_later(info.context.loaders.region, self.region_code, region_from_model)

    @strawberry.field(
        description="One step up: a bureau's superior bureau, a party committee's bureau, a branch's "
        "committee, a local committee's committee one level up, a department's committee."
    )
    def parent(self, info: Info) -> Unit | None:
        if not self.parent_id:  # a plain function, as `region`
            return None
        return _now_or_later(info.context.loaders.unit, str(self.parent_id), unit_from_model)

    @strawberry.field(description="Units whose parent this is, by id.")
    async def children(
        self,
        info: Info,
        kind: UnitKind | None = None,  # type: ignore[valid-type]
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Unit]:
        async def fetch(offset: int, limit: int) -> Page[UnitModel]:
            found = await info.context.loaders.children.load(str(self.id))
            if kind is not None:
                found = [u for u in found if u.kind == kind.value]
            return Page(found[offset : offset + limit], len(found))

        return await paged(info, first, after, fetch, unit_from_model)

    @strawberry.field(
        description="Its horizontal counterparts. For a bureau: the local party committee of its region and "
        "that committee's departments and party school (committee first, then by id). For a bureau "
        "party committee or branch: those of its bureau. For a local committee or department: the "
        "tax bureaus of its region."
    )
    async def counterparts(self, info: Info) -> list[Unit]:
        return [unit_from_model(u) for u in await info.context.loaders.counterparts.load(str(self.id))]

    @strawberry.field(
        description="The bureau whose side this unit is on (itself for a bureau); null for local bodies."
    )
    async def bureau(self, info: Info) -> Unit | None:
        found = await info.context.loaders.bureau.load(str(self.id))
        return unit_from_model(found) if found else None

    @strawberry.field(
        description="Links with this unit at either end matching every filter given (`where` sees them "
        "from this unit: `counterpart`, `direction`), by `orderBy`, then date, then id."
    )
    async def links(
        self,
        info: Info,
        family: Family | None = None,  # type: ignore[valid-type]
        kind: LinkKind | None = None,  # type: ignore[valid-type]
        year: int | None = None,
        where: LinkWhere | None = None,
        order_by: list[LinkOrder] | None = None,
        first: FirstArg = None,
        after: AfterArg = None,
    ) -> Connection[Link]:
        async def fetch(offset: int, limit: int) -> Page[LinkModel]:
            # the same for every unit this field is resolved on in this request: worked out once
            memo: dict[tuple[int, ...], Any] = info.context.__dict__.setdefault("_unit_links", {})
            node = tuple(map(id, info._raw_info.field_nodes))
            args = memo.get(node)
            if args is None:
                cond = and_(legacy_link_cond(family, kind, year), link_cond(where, anchored=True))
                wanted = item_fields(info)
                args = memo[node] = (cond, link_orders(order_by), "source" in wanted or "target" in wanted)
            cond, order, ends = args
            return await info.context.loaders.links.load(
                LinkKey(str(self.id), cond, order, offset, limit, ends)
            )

        return await paged(info, first, after, fetch, link_from_model)

    @strawberry.field(
        description="Its coverage in a year (met/expected of the rules that bind it, with the "
        "requirements); null when no rule binds this unit."
    )
    async def coverage(self, info: Info, year: int) -> UnitCoverage | None:
        index = await info.context.loaders.requirements.load(year)
        reqs = index.get(str(self.id))
        if not reqs:
            return None
        return unit_coverage(str(self.id), self.name, year, reqs)

    @strawberry.field(description="Its unmet requirements in a year (empty for units no rule binds).")
    async def gaps(self, info: Info, year: int) -> list[Requirement]:
        index = await info.context.loaders.requirements.load(year)
        return [requirement_from_model(r) for r in index.get(str(self.id), []) if not r.met]

    @strawberry.field(
        description="Its links per year (either end, this unit only), summed overall and per family; "
        "default: every year with links in the store."
    )
    async def timeline(self, info: Info, years: list[int] | None = None) -> list[TimelineYear]:
        if years is not None and len(years) > MAX_TIMELINE_YEARS:
            raise InvalidArgument(f"years: at most {MAX_TIMELINE_YEARS} years, got {len(years)}")
        key = TimelineKey(str(self.id), tuple(sorted(set(years))) if years is not None else None)
        return [timeline_from_totals(t) for t in await info.context.loaders.timeline.load(key)]


def _now_or_later(loader: DataLoader[str, M | None], key: str, convert: Callable[[M], T]) -> Any:
    """``convert(loader.load(key))``, in place when the loader already holds the answer (primed
    with the page: no coroutine, no task), else an awaitable of it (graphql-core awaits it).

    Why: a page of 50 units asking for ``parent`` and ``region`` made 100 coroutines and as many
    asyncio tasks per request; they were a third of the units page's CPU time."""
    cache = getattr(loader, "cache_map", None)
    future = cache.get(key) if cache is not None else None
    if future is not None and future.done() and not future.cancelled() and future.exception() is None:
        found = future.result()
        return convert(found) if found else None

    async def later() -> T | None:
        found = await loader.load(key)
        return convert(found) if found else None

    return later()


def unit_from_model(u: UnitModel) -> Unit:
    extra: dict[str, Any] = u.extra or {}
    return Unit(
        id=strawberry.ID(u.id),
        name=u.name,
        name_en=u.name_en,
        kind=UnitKind(u.kind),
        level=Level(u.level),
        region_code=u.region_code,
        parent_id=strawberry.ID(u.parent_id) if u.parent_id else None,
        properties=[Property(key=k, value=str(v)) for k, v in sorted(extra.items())],
        system=unit_system(u),
    )
