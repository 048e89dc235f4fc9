"""The embedded (SQLite) store's filters, orderings and aggregates: one SQL statement per call.

A mixin of :class:`~graph.store.embedded.EmbeddedStore`, which supplies :meth:`_rows` (a read on
this thread's connection, where ``py_lower`` is Python's ``str.lower``); the statements are
compiled by :mod:`graph.store.where_sql` from the trees of :mod:`graph.store.filters`. A page past
the end asks a second statement for the total.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..model import Link, Unit
from . import where_sql
from .base import LinksOfUnits, LinksWith, Page, UnitsWith
from .filters import Cond, LinkGroup, Order, UnitsAggregate, YearFamilyTotal

__all__ = ["EmbeddedWhere"]


def _unit(r: Sequence[Any]) -> Unit:
    # where_sql.UNIT_COLS: id, name, kind, level, region_code, parent_id, name_en, extra, system
    return Unit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else {}, r[8])


def _link(r: Sequence[Any]) -> Link:
    # where_sql.LINK_COLS: id, kind, family, date, year, source_id, target_id, count, participants,
    # title, source_file, source_row
    return Link(r[0], r[1], r[2], dt.date.fromisoformat(r[3]), r[5], r[6], r[7], r[8], r[9], r[10], r[11])


def _window(offset: int, limit: int | None) -> None:
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError("offset and limit must be at least 0")


class EmbeddedWhere:
    """``find_units_where``, ``find_links_where``, ``links_of_units``, ``aggregate_units``,
    ``aggregate_links`` and ``unit_timelines`` (see :class:`graph.store.base.Store`)."""

    if TYPE_CHECKING:  # supplied by the store this is mixed into (first in its bases)

        def _rows(self, sql: str, params: Any = ()) -> list[Any]: ...

        def _units_with(
            self, page: Page[Unit], parents: bool, regions: bool, children: bool
        ) -> UnitsWith: ...

        def get_units(self, ids: Iterable[str]) -> dict[str, Unit]: ...

    def _run(self, sql: where_sql.Sql) -> list[Any]:
        return self._rows(sql.text, sql.params)

    def find_units_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        _window(offset, limit)
        rows = self._run(where_sql.find_units(where, order, offset, limit))
        total = rows[0][-1] if rows else self._run(where_sql.count_units(where))[0][0]
        return self._units_with(Page([_unit(r) for r in rows], int(total)), parents, regions, children)

    def find_links_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        ends: bool = False,
    ) -> LinksWith:  # fmt: skip
        _window(offset, limit)
        rows = self._run(where_sql.find_links(where, order, offset, limit))
        total = rows[0][-1] if rows else self._run(where_sql.count_links(where))[0][0]
        items = [_link(r) for r in rows]
        return LinksWith(Page(items, int(total)), self._link_ends(items) if ends else {})

    def _link_ends(self, links: Iterable[Link]) -> dict[str, Unit]:
        return self.get_units(dict.fromkeys(e for lk in links for e in (lk.source_id, lk.target_id)))

    def links_of_units(
        self, ids: Iterable[str], where: Cond | None, order: Sequence[Order] = (), offset: int = 0,
        limit: int | None = None, *, ends: bool = False,
    ) -> LinksOfUnits:  # fmt: skip
        _window(offset, limit)
        wanted = list(dict.fromkeys(ids))
        totals: dict[str, int] = {}
        items: dict[str, list[Link]] = {i: [] for i in wanted}
        if wanted:
            hi = None if limit is None else offset + limit
            for r in self._run(where_sql.links_of_units(wanted, where, order, offset, limit)):
                uid, total, pos = r[0], r[-2], r[-1]
                totals[uid] = int(total)
                if pos > offset and (hi is None or pos <= hi):
                    items[uid].append(_link(r[1:-2]))
        pages = {i: Page(items[i], totals.get(i, 0)) for i in wanted}
        return LinksOfUnits(
            pages, self._link_ends(lk for p in pages.values() for lk in p.items) if ends else {}
        )

    def aggregate_units(self, where: Cond | None) -> UnitsAggregate:
        rows = self._run(where_sql.aggregate_units(where))
        return UnitsAggregate.from_rows((r[0], r[1], r[2], int(r[3])) for r in rows)

    def aggregate_links(self, where: Cond | None, group_by: Sequence[str] = ()) -> list[LinkGroup]:
        n = len(group_by)
        groups = [
            LinkGroup(tuple(r[:n]), int(r[n]), int(r[n + 1]), int(r[n + 2]), dt.date.fromisoformat(r[n + 3]),
                      dt.date.fromisoformat(r[n + 4]))
            for r in self._run(where_sql.aggregate_links(where, group_by))
        ]  # fmt: skip
        return sorted(groups, key=lambda g: tuple((v is None, v) for v in g.key))

    def unit_timelines(self, ids: Iterable[str], years: Sequence[int]) -> dict[str, list[YearFamilyTotal]]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, list[YearFamilyTotal]] = {i: [] for i in wanted}
        if wanted and years:
            for uid, year, family, n, count, participants in self._run(
                where_sql.unit_timelines(wanted, years)
            ):
                out[uid].append(YearFamilyTotal(int(year), family, int(n), int(count), int(participants)))
        return out
