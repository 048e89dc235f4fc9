"""DataLoaders, created per request, so that store calls do not grow with the number of items.

Each loader turns the keys gathered in one event-loop tick into one store call (or a fixed few):

========================  =====================================================================
loader                    store calls per batch
========================  =====================================================================
``unit``                  ``get_units``
``region``                ``get_regions``
``children``              ``children``
``bureau``                ``get_units`` per level climbed (party branch → committee → bureau)
``counterparts``          ``bureau`` + ``units_of_kinds`` + ``children``
``links``                 ``links_of_units`` per distinct filter, order and window
``timeline``              ``unit_timelines`` per distinct list of years
``requirements``          ``rules.evaluate`` per year (``units_of_kinds`` + ``pair_counts``)
========================  =====================================================================

Links and timelines of many units expand from those units (``Store.links_of_units``,
``Store.unit_timelines``: on Neo4j one statement that starts at the units' nodes), never from
every link of a year.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from ... import rules as rules_mod
from ...model import Link, Region, Unit
from ...model.vocabulary import vocabulary
from ...rules import LOCAL_COMMITTEE, Requirement
from ...store.base import LinksOfUnits, Page, UnitsWith
from ...store.filters import Cond, Order

if TYPE_CHECKING:
    from .context import Context

__all__ = ["Loaders", "LinkKey", "TimelineKey", "YearTotals", "BUREAU_KIND"]

#: the kind whose side bureau party bodies belong to, and whose coverage the rules measure
BUREAU_KIND = "tax_bureau"


@dataclass(frozen=True)
class LinkKey:
    unit_id: str
    where: Cond | None
    order: tuple[Order, ...]
    offset: int
    limit: int
    ends: bool = False  # the units at the links' ends are wanted too (primed into ``unit``)

    @property
    def filter(self) -> tuple[Any, ...]:
        return (self.where, self.order, self.offset, self.limit, self.ends)


@dataclass(frozen=True)
class TimelineKey:
    unit_id: str
    years: tuple[int, ...] | None


@dataclass
class YearTotals:
    """Links at one unit in one year, summed, overall and per family."""

    year: int
    records: int = 0
    count: int = 0
    participants: int = 0
    by_family: dict[str, list[int]] | None = None  # family -> [records, count, participants]


class Loaders:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self.unit: DataLoader[str, Unit | None] = DataLoader(self._load_units)
        self.region: DataLoader[str, Region | None] = DataLoader(self._load_regions)
        self.children: DataLoader[str, list[Unit]] = DataLoader(self._load_children)
        self.units_of_kind: DataLoader[str, list[Unit]] = DataLoader(self._load_units_of_kind)
        self.bureau: DataLoader[str, Unit | None] = DataLoader(self._load_bureaus)
        self.counterparts: DataLoader[str, list[Unit]] = DataLoader(self._load_counterparts)
        self.links: DataLoader[LinkKey, Page[Link]] = DataLoader(self._load_links)
        self.timeline: DataLoader[TimelineKey, list[YearTotals]] = DataLoader(self._load_timeline)
        self.requirements: DataLoader[int, dict[str, list[Requirement]]] = DataLoader(self._load_requirements)
        self._years: list[int] | None = None

    def prime_units(self, units: dict[str, Unit]) -> None:
        """Seed ``unit`` with units that came along with an answer (the ends of links)."""
        if units:
            self.unit.prime_many(units)

    def prime_units_with(self, found: UnitsWith, *, parents: bool, regions: bool, children: bool) -> None:
        """Seed the loaders with what came along with a page of units (``Store.find_units_with``),
        so that resolving those units' parents, regions and children asks the store nothing.
        A parent or region asked for but missing is primed as None: known to be absent."""
        items = found.page.items
        if parents:
            self.unit.prime_many({u.parent_id: found.parents.get(u.parent_id) for u in items if u.parent_id})
        if regions:
            self.region.prime_many(
                {u.region_code: found.regions.get(u.region_code) for u in items if u.region_code}
            )
        if children:
            self.children.prime_many(found.children)

    # -- simple batches ------------------------------------------------------------------------
    async def _load_units(self, ids: list[str]) -> list[Unit | None]:
        found = await self._ctx.call(self._ctx.store.get_units, list(dict.fromkeys(ids)))
        return [found.get(i) for i in ids]

    async def _load_regions(self, codes: list[str]) -> list[Region | None]:
        found = await self._ctx.call(self._ctx.store.get_regions, list(dict.fromkeys(codes)))
        return [found.get(c) for c in codes]

    async def _load_children(self, ids: list[str]) -> list[list[Unit]]:
        found = await self._ctx.call(self._ctx.store.children, list(dict.fromkeys(ids)))
        return [found.get(i, []) for i in ids]

    async def _load_units_of_kind(self, kinds: list[str]) -> list[list[Unit]]:
        found = await self._ctx.call(self._ctx.store.units_of_kinds, sorted(set(kinds)))
        by_kind: dict[str, list[Unit]] = defaultdict(list)
        for unit in found:
            by_kind[unit.kind].append(unit)
        return [by_kind.get(k, []) for k in kinds]

    async def years(self) -> list[int]:
        if self._years is None:
            self._years = await self._ctx.call(self._ctx.store.years)
        return self._years

    # -- structure -----------------------------------------------------------------------------
    async def _load_bureaus(self, ids: list[str]) -> list[Unit | None]:
        """The bureau whose side each unit is on: itself, or up the UNDER chain (a few levels)."""
        bureau_side = set(vocabulary().bureau_side_kinds)
        found: dict[str, Unit | None] = {}
        current: dict[str, Unit | None] = dict(zip(ids, await self.unit.load_many(ids), strict=True))
        for _ in range(8):
            climbing: dict[str, str] = {}
            for key, unit in current.items():
                if unit is None or unit.kind not in bureau_side:
                    found[key] = None
                elif unit.kind == BUREAU_KIND:
                    found[key] = unit
                elif unit.parent_id:
                    climbing[key] = unit.parent_id
                else:
                    found[key] = None
            if not climbing:
                break
            parents = await self.unit.load_many(list(climbing.values()))
            current = dict(zip(climbing, parents, strict=True))
        return [found.get(i) for i in ids]

    async def _load_counterparts(self, ids: list[str]) -> list[list[Unit]]:
        """Bureau side: its bureau's local committee and that committee's bodies; local side: the
        bureaus of its region."""
        vocab = vocabulary()
        units = dict(zip(ids, await self.unit.load_many(ids), strict=True))
        local_kinds = {k.name for k in vocab.unit_kinds.values() if k.side == "local"}
        bureau_side = set(vocab.bureau_side_kinds)
        side_ids = [i for i, u in units.items() if u is not None and u.kind in bureau_side]
        local_ids = [i for i, u in units.items() if u is not None and u.kind in local_kinds]
        result: dict[str, list[Unit]] = {i: [] for i in ids}

        if side_ids:
            bureaus = dict(zip(side_ids, await self.bureau.load_many(side_ids), strict=True))
            committee_of_region: dict[str, Unit] = {}
            for lpc in await self.units_of_kind.load(LOCAL_COMMITTEE):  # ordered by id: first wins
                if lpc.region_code:
                    committee_of_region.setdefault(lpc.region_code, lpc)
            committees = {
                i: committee_of_region.get(b.region_code or "") if b is not None else None
                for i, b in bureaus.items()
            }
            wanted = sorted({c.id for c in committees.values() if c is not None})
            bodies = dict(zip(wanted, await self.children.load_many(wanted), strict=True))
            for i, c in committees.items():
                if c is not None:
                    result[i] = [c] + [u for u in bodies[c.id] if u.kind in local_kinds - {LOCAL_COMMITTEE}]

        if local_ids:
            by_region: dict[str, list[Unit]] = defaultdict(list)
            for b in await self.units_of_kind.load(BUREAU_KIND):
                if b.region_code:
                    by_region[b.region_code].append(b)
            for i in local_ids:
                result[i] = list(by_region.get(units[i].region_code or "", []))  # type: ignore[union-attr]
        return [result[i] for i in ids]

    # -- links ---------------------------------------------------------------------------------
    async def _load_links(self, keys: list[LinkKey]) -> list[Page[Link]]:
        groups: dict[tuple[Any, ...], list[LinkKey]] = defaultdict(list)
        for key in keys:
            groups[key.filter].append(key)
        pages: dict[LinkKey, Page[Link]] = {}
        store = self._ctx.store
        for (where, order, offset, limit, ends), group in groups.items():
            ids = list(dict.fromkeys(k.unit_id for k in group))
            found: LinksOfUnits = await self._ctx.call(
                store.links_of_units, ids, where, order, offset, limit, ends=ends
            )
            self.prime_units(found.units)
            for k in group:
                pages[k] = found.pages.get(k.unit_id, Page([], 0))
        return [pages[k] for k in keys]

    async def _load_timeline(self, keys: list[TimelineKey]) -> list[list[YearTotals]]:
        families = list(vocabulary().families)
        out: dict[TimelineKey, list[YearTotals]] = {}
        groups: dict[tuple[int, ...] | None, list[TimelineKey]] = defaultdict(list)
        for key in keys:
            groups[key.years].append(key)
        for years_key, group in groups.items():
            years = list(years_key) if years_key is not None else await self.years()
            wanted = list(dict.fromkeys(k.unit_id for k in group))
            acc: dict[tuple[str, int], YearTotals] = {}
            for uid in wanted:
                for y in years:
                    acc[(uid, y)] = YearTotals(y, by_family={f: [0, 0, 0] for f in families})
            if years:
                found = await self._ctx.call(self._ctx.store.unit_timelines, wanted, sorted(set(years)))
                for uid, totals in found.items():
                    for yt in totals:
                        t = acc[(uid, yt.year)]
                        t.records += yt.records
                        t.count += yt.count
                        t.participants += yt.participants
                        fam = t.by_family[yt.family]  # type: ignore[index]
                        fam[0] += yt.records
                        fam[1] += yt.count
                        fam[2] += yt.participants
            for k in group:
                out[k] = [acc[(k.unit_id, y)] for y in years]
        return [out[k] for k in keys]

    # -- rules ---------------------------------------------------------------------------------
    async def _load_requirements(self, years: list[int]) -> list[dict[str, list[Requirement]]]:
        result = []
        for year in years:
            reqs = await self._ctx.call(rules_mod.evaluate, self._ctx.store, year, self._ctx.rules)
            by_unit: dict[str, list[Requirement]] = defaultdict(list)
            for r in reqs:
                by_unit[r.unit_id].append(r)
            result.append(dict(by_unit))
        return result
