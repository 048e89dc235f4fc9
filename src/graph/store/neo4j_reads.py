"""The Neo4j store's reads: point lookups, listings and aggregates, one round trip each.

A mixin of :class:`~graph.store.neo4j.Neo4jStore`, which supplies :meth:`_read` (an auto-commit
query in a READ session, retried once); the statements are in :mod:`graph.store.cypher_reads`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from ..gcpause import collector_paused
from ..model import Link, Region, Unit
from ..model.vocabulary import vocabulary
from . import cypher_reads
from .base import LinkQuery, LinkTotal, Page, PairCount, PairDates, PairMonthCount, UnitQuery, UnitsWith

__all__ = ["Neo4jReads"]

T = TypeVar("T")


def _unit(m: Mapping[str, Any]) -> Unit:
    extra = m.get("extra")
    return Unit(
        id=m["id"],
        name=m["name"],
        kind=m["kind"],
        level=m["level"],
        region_code=m.get("region_code"),
        parent_id=m.get("parent_id"),
        name_en=m.get("name_en"),
        extra=json.loads(extra) if extra else {},
        system=m.get("system"),
    )


def _region(m: Mapping[str, Any]) -> Region:
    return Region(code=m["code"], name=m["name"], level=m["level"], parent_code=m.get("parent_code"))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class Neo4jReads:
    """The read half of the Neo4j store (every method answers from one statement)."""

    def _read(self, query: str, doing: str, **params: Any) -> list[Any]:
        raise NotImplementedError  # Neo4jStore._read

    # -- point lookups -------------------------------------------------------------------------
    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        wanted = _unique(ids)
        if not wanted:
            return {}
        records = self._read(cypher_reads.GET_UNITS, "reading units", ids=wanted)
        found = {u.id: u for u in (_unit(r["unit"]) for r in records)}
        return {i: found[i] for i in wanted if i in found}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        wanted = _unique(codes)
        if not wanted:
            return {}
        records = self._read(cypher_reads.GET_REGIONS, "reading regions", codes=wanted)
        found = {r.code: r for r in (_region(rec["region"]) for rec in records)}
        return {c: found[c] for c in wanted if c in found}

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        wanted = _unique(ids)
        if not wanted:
            return {}
        records = self._read(cypher_reads.GET_LINKS, "reading links", ids=wanted)
        found = {lk.id: lk for lk in (Link.from_row(r["link"]) for r in records)}
        return {i: found[i] for i in wanted if i in found}

    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        wanted = _unique(ids)
        out: dict[str, list[Unit]] = {i: [] for i in wanted}
        if wanted:
            for r in self._read(cypher_reads.CHILDREN, "reading children", ids=wanted):
                out[r["id"]].append(_unit(r["unit"]))
        return out

    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        wanted = _unique(ids)
        out: dict[str, set[str]] = {i: set() for i in wanted}
        if wanted:
            for r in self._read(cypher_reads.NEIGHBOURS, "reading neighbours", ids=wanted):
                out[r["id"]] = set(r["near"])
        return out

    # -- listings ------------------------------------------------------------------------------
    def count_units(self) -> int:
        return int(self._read(cypher_reads.COUNT_UNITS, "counting units")[0]["n"])

    def regions(self) -> list[Region]:
        return [_region(r["region"]) for r in self._read(cypher_reads.ALL_REGIONS, "reading regions")]

    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        wanted = _unique(kinds)
        if not wanted:
            return []
        records = self._read(cypher_reads.UNITS_OF_KINDS, "reading units", kinds=wanted)
        fields = cypher_reads.UNIT_ROW_FIELDS
        return [_unit(dict(zip(fields, row, strict=True))) for row in records[0]["units"]]

    def _page(
        self, query: str, params: dict[str, Any], offset: int, limit: int | None,
        convert: Callable[[Any], T], doing: str,
    ) -> Page[T]:  # fmt: skip
        """``list[offset:offset + limit]`` exactly as Python slicing would, and the total, from one
        statement (see ``cypher_reads._PAGE_OF_ALL``)."""
        if offset < 0 or (limit is not None and limit < 0):  # Python's negative slicing: fetch all
            whole = self._page(query, params, 0, None, convert, doing)
            return Page(whole.items[offset : None if limit is None else offset + limit], whole.total)
        end = None if limit is None else offset + limit
        records = self._read(query, doing, **params, skip=offset, end=end)
        total = int(records[0]["total"]) if records else 0
        return Page([convert(r) for r in records if r[1] is not None], total)

    @staticmethod
    def _unit_filter(query: UnitQuery) -> dict[str, Any]:
        return {
            "kind": query.kind or None,
            "level": query.level or None,
            "region_code": query.region_code or None,
            "needle": query.name_contains.lower() if query.name_contains else None,
        }

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        return self._page(
            cypher_reads.FIND_UNITS_TOTAL_AND_PAGE,
            self._unit_filter(query),
            offset,
            limit,
            lambda r: _unit(r["unit"]),
            "finding units",
        )

    def find_units_with(
        self, query: UnitQuery, offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        """One statement: the page, and per unit its parent, region and children as asked."""
        records = self._page(
            cypher_reads.FIND_UNITS_WITH[(parents, regions, children)],
            self._unit_filter(query),
            offset,
            limit,
            lambda r: r,
            "finding units",
        )
        items: list[Unit] = []
        parent_of: dict[str, Unit] = {}
        region_of: dict[str, Region] = {}
        children_of: dict[str, list[Unit]] = {}
        for record in records.items:
            unit = _unit(record["unit"])
            items.append(unit)
            if record["parent"] and unit.parent_id:
                parent_of[unit.parent_id] = _unit(record["parent"][0])
            if record["region"] and unit.region_code:
                region_of[unit.region_code] = _region(record["region"][0])
            if children:
                children_of[unit.id] = [_unit(c) for c in record["children"]]
        return UnitsWith(Page(items, records.total), parent_of, region_of, children_of)

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        if query.other_id is not None and query.unit_id is None:
            return Page([], 0)  # as the embedded store: other_id only narrows unit_id
        params = {
            "unit_id": query.unit_id,
            "other_id": query.other_id,
            "year": query.year,
            # links do not store their family: filter on the type (an unknown family matches nothing)
            "rel_type": vocabulary().families.get(query.family, {}).get("rel_type", "")
            if query.family
            else None,
            "kind": query.kind or None,
        }
        if query.unit_id is not None:
            statement = cypher_reads.FIND_LINKS_OF_UNIT_TOTAL_AND_PAGE
        elif query.year is not None:
            statement = cypher_reads.FIND_LINKS_OF_YEAR_TOTAL_AND_PAGE
        else:
            statement = cypher_reads.FIND_LINKS_ALL_TOTAL_AND_PAGE
        return self._page(
            statement, params, offset, limit, lambda r: Link.from_row(r["link"]), "finding links"
        )

    # -- aggregates ----------------------------------------------------------------------------
    def years(self) -> list[int]:
        return [int(r["year"]) for r in self._read(cypher_reads.YEARS, "reading years")]

    def link_totals(self, year: int) -> list[LinkTotal]:
        records = self._read(cypher_reads.LINK_TOTALS, "summing links", year=year)
        return [
            LinkTotal(r["kind"], r["family"], int(r["records"]), int(r["count"]), int(r["participants"]))
            for r in records
        ]

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        wanted_years = sorted(set(years))
        if not wanted_years:
            return []
        params = {"years": wanted_years, "kinds": None if kinds is None else _unique(kinds)}
        with collector_paused():  # a national year: 118,000 rows, decoded and built at once
            rows = self._read(cypher_reads.PAIR_COUNTS, "counting links per pair", **params)[0]["rows"]
            rows.sort()  # by (source, target, kind, year): one row per such key
            return list(map(PairCount._make, rows))  # sums and counts of integers are integers

    def pair_month_counts(
        self, years: Sequence[int], kinds: Sequence[str] | None = None, until: dt.date | None = None
    ) -> list[PairMonthCount]:
        wanted_years = sorted(set(years))
        if not wanted_years:
            return []
        params = {
            "years": wanted_years,
            "kinds": None if kinds is None else _unique(kinds),
            "until": until,
        }
        with collector_paused():
            rows = self._read(cypher_reads.PAIR_MONTH_COUNTS, "counting links per pair and month", **params)
            found = rows[0]["rows"]
            found.sort()  # by (source, target, kind, year, month): one row per such key
            return list(map(PairMonthCount._make, found))

    def pair_dates(self, kinds: Sequence[str] | None = None, until: dt.date | None = None) -> list[PairDates]:
        params = {"kinds": None if kinds is None else _unique(kinds), "until": until}
        with collector_paused():
            records = self._read(cypher_reads.PAIR_DATES, "reading the dates of each pair", **params)
            found = [
                PairDates(r["source"], r["target"], tuple(sorted(d.to_native() for d in r["dates"])))
                for r in records
            ]
            found.sort(key=lambda p: (p.source_id, p.target_id))  # code-point order, as every listing
            return found
