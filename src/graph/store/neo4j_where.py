"""The Neo4j store's filters, orderings and aggregates: one statement per call.

A mixin of :class:`~graph.store.neo4j.Neo4jStore` (which supplies :meth:`_read`); the statements
are compiled by :mod:`graph.store.where_cypher` from the trees of :mod:`graph.store.filters`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..model import Link, Region, Unit
from . import where_cypher
from .base import LinksOfUnits, LinksWith, Page, UnitsWith
from .filters import Cond, LinkGroup, Order, UnitsAggregate, YearFamilyTotal
from .neo4j_reads import _region, _unique, _unit

__all__ = ["Neo4jWhere"]


class Neo4jWhere:
    """``find_units_where``, ``find_links_where``, ``links_of_units``, ``aggregate_units``,
    ``aggregate_links`` and ``unit_timelines`` (see :class:`graph.store.base.Store`)."""

    def _read(self, query: str, doing: str, **params: Any) -> list[Any]:
        raise NotImplementedError  # Neo4jStore._read

    # -- filters, orderings, aggregates: one statement each (graph.store.where_cypher) ---------
    @staticmethod
    def _window(offset: int, limit: int | None) -> dict[str, int | None]:
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError("offset and limit must be at least 0")
        return {"skip": offset, "end": None if limit is None else offset + limit}

    def find_units_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        st = where_cypher.find_units(where, order, parents=parents, regions=regions, children=children)
        record = self._read(st.text, "finding units", **st.params, **self._window(offset, limit))[0]
        items: list[Unit] = []
        parent_of: dict[str, Unit] = {}
        region_of: dict[str, Region] = {}
        children_of: dict[str, list[Unit]] = {}
        for unit_map, parent, region, kids in record["page"]:
            unit = _unit(unit_map)
            items.append(unit)
            if parent is not None and unit.parent_id:
                parent_of[unit.parent_id] = _unit(parent)
            if region is not None and unit.region_code:
                region_of[unit.region_code] = _region(region)
            if children:
                children_of[unit.id] = [_unit(c) for c in kids]
        return UnitsWith(Page(items, int(record["total"])), parent_of, region_of, children_of)

    @staticmethod
    def _links_page(rows: Sequence[Any], ends: bool, units: dict[str, Unit]) -> list[Link]:
        out = []
        for link_map, source, target in rows:
            out.append(Link.from_row(link_map))
            if ends:
                units.setdefault(source["id"], _unit(source))
                units.setdefault(target["id"], _unit(target))
        return out

    def find_links_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        ends: bool = False,
    ) -> LinksWith:  # fmt: skip
        st = where_cypher.find_links(where, order, ends=ends)
        record = self._read(st.text, "finding links", **st.params, **self._window(offset, limit))[0]
        units: dict[str, Unit] = {}
        items = self._links_page(record["page"], ends, units)
        return LinksWith(Page(items, int(record["total"])), units)

    def links_of_units(
        self, ids: Iterable[str], where: Cond | None, order: Sequence[Order] = (), offset: int = 0,
        limit: int | None = None, *, ends: bool = False,
    ) -> LinksOfUnits:  # fmt: skip
        wanted = _unique(ids)
        pages: dict[str, Page[Link]] = {i: Page([], 0) for i in wanted}
        units: dict[str, Unit] = {}
        if wanted:
            st = where_cypher.links_of_units(where, order, ends=ends)
            window = self._window(offset, limit)
            for record in self._read(st.text, "finding links", **st.params, **window, ids=wanted):
                pages[record["id"]] = Page(
                    self._links_page(record["page"], ends, units), int(record["total"])
                )
        return LinksOfUnits(pages, units)

    def aggregate_units(self, where: Cond | None) -> UnitsAggregate:
        st = where_cypher.aggregate_units(where)
        records = self._read(st.text, "counting units", **st.params)
        return UnitsAggregate.from_rows((r["kind"], r["level"], r["region"], int(r["n"])) for r in records)

    def aggregate_links(self, where: Cond | None, group_by: Sequence[str] = ()) -> list[LinkGroup]:
        st = where_cypher.aggregate_links(where, group_by)
        records = self._read(st.text, "summing links", **st.params)
        groups = [
            LinkGroup(tuple(r["key"]), int(r["records"]), int(r["count"]), int(r["participants"]),
                      r["first"].to_native(), r["last"].to_native())
            for r in records
        ]  # fmt: skip
        return sorted(groups, key=lambda g: tuple((v is None, v) for v in g.key))

    def unit_timelines(self, ids: Iterable[str], years: Sequence[int]) -> dict[str, list[YearFamilyTotal]]:
        wanted = _unique(ids)
        out: dict[str, list[YearFamilyTotal]] = {i: [] for i in wanted}
        wanted_years = sorted(set(years))
        if wanted and wanted_years:
            st = where_cypher.unit_timelines()
            family = where_cypher.FAMILY_OF_REL
            for r in self._read(st.text, "reading timelines", ids=wanted, years=wanted_years):
                out[r["id"]] = sorted(
                    (
                        YearFamilyTotal(int(y), family[rel], int(n), int(c), int(p))
                        for y, rel, n, c, p in r["rows"]
                    ),
                    key=lambda t: (t.year, t.family),
                )
        return out
