"""Filters, orderings and aggregates evaluated in Python (:class:`graph.store.filters.Evaluator`).

The embedded store answers ``find_units_where`` and friends with these functions over its
in-memory indexes; :class:`graph.store.base.Store` uses them over its point lookups as the default
for a store that has no compiler of its own. Neo4j compiles the same trees to Cypher
(:mod:`graph.store.where_cypher`); the hypothesis test in ``tests/stores`` holds both to the same
answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Link, Unit
from ..model.vocabulary import vocabulary
from .base import Page
from .filters import (
    All,
    Cond,
    Evaluator,
    Field,
    LinkGroup,
    Order,
    UnitsAggregate,
    YearFamilyTotal,
    group_value,
    link_sort_key,
    unit_sort_key,
)

__all__ = ["Access", "top_years", "find_units", "find_links", "links_of_units", "aggregate_units",
           "aggregate_links", "unit_timelines"]  # fmt: skip


@dataclass
class Access:
    """What the evaluation reads: every unit by id, a unit's links (either end, each once), the
    links of some years or of all (``links(None)``), and the region codes at or below a code."""

    units: Mapping[str, Unit]
    links_of: Callable[[str], Iterable[Link]]
    links: Callable[[frozenset[int] | None], Iterable[Link]]
    within: Callable[[str], set[str]]

    def evaluator(self) -> Evaluator:
        return Evaluator(self.units, self.links_of, self.within)


def top_years(where: Cond | None) -> frozenset[int] | None:
    """The years a link condition is restricted to by a top-level ``year`` eq/in; None if not."""
    parts = where.parts if isinstance(where, All) else (where,)
    for p in parts:
        if isinstance(p, Field) and p.name == "year":
            if p.op == "eq":
                return frozenset({p.value})
            if p.op == "in":
                return frozenset(p.value)
    return None


def find_units(acc: Access, where: Cond | None, order: Sequence[Order], offset: int,
               limit: int | None) -> Page[Unit]:  # fmt: skip
    ev = acc.evaluator()
    found = sorted((u for u in acc.units.values() if ev.unit(where, u)), key=unit_sort_key(order))
    return Page(found[offset : None if limit is None else offset + limit], len(found))


def find_links(acc: Access, where: Cond | None, order: Sequence[Order], offset: int,
               limit: int | None) -> Page[Link]:  # fmt: skip
    ev = acc.evaluator()
    found = sorted((lk for lk in acc.links(top_years(where)) if ev.link(where, lk)), key=link_sort_key(order))
    return Page(found[offset : None if limit is None else offset + limit], len(found))


def links_of_units(acc: Access, ids: Sequence[str], where: Cond | None, order: Sequence[Order],
                   offset: int, limit: int | None) -> dict[str, Page[Link]]:  # fmt: skip
    ev = acc.evaluator()
    key = link_sort_key(order)
    out: dict[str, Page[Link]] = {}
    for uid in dict.fromkeys(ids):
        found = sorted((lk for lk in acc.links_of(uid) if ev.link(where, lk, anchor=uid)), key=key)
        out[uid] = Page(found[offset : None if limit is None else offset + limit], len(found))
    return out


def aggregate_units(acc: Access, where: Cond | None) -> UnitsAggregate:
    ev = acc.evaluator()
    counts: dict[tuple[str, str, str | None], int] = {}
    for u in acc.units.values():
        if ev.unit(where, u):
            k = (u.kind, u.level, u.region_code)
            counts[k] = counts.get(k, 0) + 1
    return UnitsAggregate.from_rows((*k, n) for k, n in counts.items())


def aggregate_links(acc: Access, where: Cond | None, group_by: Sequence[str]) -> list[LinkGroup]:
    ev = acc.evaluator()
    acc_rows: dict[tuple[Any, ...], list[Any]] = {}
    for lk in acc.links(top_years(where)):
        if not ev.link(where, lk):
            continue
        source = acc.units.get(lk.source_id)
        key = tuple(group_value(g, lk, source) for g in group_by)
        row = acc_rows.get(key)
        if row is None:
            acc_rows[key] = [1, lk.count, lk.participants or 0, lk.date, lk.date]
        else:
            row[0] += 1
            row[1] += lk.count
            row[2] += lk.participants or 0
            row[3] = min(row[3], lk.date)
            row[4] = max(row[4], lk.date)
    groups = [LinkGroup(k, *v) for k, v in acc_rows.items()]
    return sorted(groups, key=lambda g: tuple((v is None, v) for v in g.key))


def unit_timelines(acc: Access, ids: Sequence[str], years: Sequence[int]) -> dict[str, list[YearFamilyTotal]]:
    wanted = set(years)
    family_of = vocabulary().family_of
    out: dict[str, list[YearFamilyTotal]] = {}
    for uid in dict.fromkeys(ids):
        sums: dict[tuple[int, str], list[int]] = {}
        for lk in acc.links_of(uid):
            if lk.date.year in wanted:
                row = sums.setdefault((lk.date.year, family_of(lk.kind)), [0, 0, 0])
                row[0] += 1
                row[1] += lk.count
                row[2] += lk.participants or 0
        out[uid] = [YearFamilyTotal(y, f, *v) for (y, f), v in sorted(sums.items())]
    return out
