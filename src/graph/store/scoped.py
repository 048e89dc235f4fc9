"""A store seen through a scope: the regions an office may read and write (issue 18).

:class:`ScopedStore` wraps either store and answers every :class:`~graph.store.base.Store`
question as if the graph held only what the scope lets its caller see. Why this way: the scope
is pushed into the statements the stores run, never applied to their answers afterwards. Every
read goes through the filter trees (:mod:`graph.store.filters`), which both stores compile to one
parametrised statement (Cypher ``$p`` parameters, SQL parameters): the scope is one more condition
ANDed into the tree, so totals, counts and aggregates are computed by the store over visible rows
only, and a page is cut after the scope applies. Where a question has no tree (regions), the
scope narrows the codes asked for before the store is asked.

The rules (docs/security.md):

* a unit is visible when its region is one of the scope's regions or lies within one;
* a link is visible when either end is;
* a unit outside the scope that a visible link reaches, or that is the parent of a visible unit
  (the vertical line: a county bureau knows its prefecture bureau), is returned as a *stub*: id,
  name, kind and level only (no region, parent, English name or extra columns);
* everything else does not exist for the caller: the same "not found" as a missing id.

Writes: every unit written (and, if it exists, its stored version) must be in scope, every link
must have an end in scope, every region must be in scope or directly below a region in scope;
otherwise :class:`~graph.errors.OutOfScope` names the first offending row and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import OutOfScope
from ..model import Dataset, Link, Region, Unit, regions_within
from .base import (
    GapsWritten,
    LinkQuery,
    LinksOfUnits,
    LinkSource,
    LinksWith,
    LinkTotal,
    Page,
    PairCount,
    PairDates,
    PairMonthCount,
    Replace,
    Store,
    UnitQuery,
    UnitsWith,
    WriteSummary,
)
from .filters import (
    AnyOf,
    Cond,
    End,
    Field,
    HasLink,
    LinkGroup,
    Order,
    RegionWithin,
    UnitsAggregate,
    YearFamilyTotal,
    and_,
)
from .scope_guard import guard

__all__ = ["ScopedStore", "expand_scope", "PASS_THROUGH"]

#: Store methods that read no graph data, so a scope has nothing to narrow
PASS_THROUGH = frozenset({"ping", "close", "generation"})

_EXPANDED: OrderedDict[tuple[str, tuple[str, ...], int], frozenset[str]] = OrderedDict()
_EXPANDED_LOCK = threading.Lock()


def expand_scope(store: Store, codes: Iterable[str]) -> frozenset[str]:
    """The codes and every region within each (a code the store does not know stands for itself).

    Remembered per (store, codes, generation): a request's scope costs one generation read."""
    wanted = tuple(sorted(set(codes)))
    key = (store.location, wanted, store.generation())
    with _EXPANDED_LOCK:
        found = _EXPANDED.get(key)
        if found is not None:
            _EXPANDED.move_to_end(key)
            return found
    regions = store.regions()
    out: set[str] = set()
    for code in wanted:
        out |= regions_within(regions, code)
    result = frozenset(out)
    with _EXPANDED_LOCK:
        _EXPANDED[key] = result
        while len(_EXPANDED) > 256:
            _EXPANDED.popitem(last=False)
    return result


def _stub(u: Unit) -> Unit:
    """What a caller sees of a unit outside its scope that a visible link reaches."""
    return Unit(u.id, u.name, u.kind, u.level)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value.to_native()  # type: ignore[no-any-return]  # neo4j.time.Date


class ScopedStore(Store):
    """``inner`` as a caller whose scope is ``regions`` sees it (see the module)."""

    def __init__(self, inner: Store, regions: Iterable[str]) -> None:
        self.inner = inner
        self.scope = tuple(sorted(set(regions)))
        self.location = inner.location
        self._codes: frozenset[str] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ScopedStore({self.inner!r}, {list(self.scope)!r})"

    @property
    def scope_key(self) -> tuple[str, ...]:
        """What answer caches add to their keys (graph.api.limits.guard)."""
        return self.scope

    @property
    def codes(self) -> frozenset[str]:
        """The scope's regions and every region within them."""
        with self._lock:
            if self._codes is None:
                self._codes = expand_scope(self.inner, self.scope)
            return self._codes

    # -- the conditions pushed into every statement ----------------------------------------------
    def unit_scope(self) -> Cond:
        """Units whose region is in scope."""
        return Field("region_code", "in", tuple(sorted(self.codes)))

    def link_scope(self) -> Cond:
        """Links with at least one end in scope."""
        return End("either", self.unit_scope())

    def _guard(self, where: Cond | None) -> Cond | None:
        """The caller's filter, asking nothing of a unit outside the scope that a stub hides
        (graph.store.scope_guard)."""
        return guard(where, self.unit_scope())

    def _visible_ids(self, ids: Iterable[str]) -> list[str]:
        wanted = tuple(dict.fromkeys(ids))
        if not wanted:
            return []
        page = self.inner.find_units_where(and_(Field("id", "in", wanted), self.unit_scope()))
        return [u.id for u in page.page.items]

    # -- lifecycle --------------------------------------------------------------------------------
    def ping(self) -> None:
        self.inner.ping()

    def close(self) -> None:
        """The view owns nothing: the inner store stays open for its owner."""

    def generation(self) -> int:
        return self.inner.generation()

    # -- writes -----------------------------------------------------------------------------------
    def check_write(self, dataset: Dataset) -> None:
        """Raise :class:`OutOfScope` naming the first row outside the scope (nothing is written)."""
        codes = self.codes
        for i, r in enumerate(dataset.regions):
            if r.code not in codes and (r.parent_code or "") not in codes:
                raise OutOfScope(f"regions row {i + 2}: region {r.code} is outside the key's scope")
        stored = self.inner.get_units(
            dict.fromkeys(
                [u.id for u in dataset.units]
                + [e for lk in dataset.links for e in (lk.source_id, lk.target_id)]
            )
        )
        for i, u in enumerate(dataset.units):
            before = stored.get(u.id)
            if u.region_code not in codes or (before is not None and before.region_code not in codes):
                raise OutOfScope(f"units row {i + 2}: unit {u.id} is outside the key's scope")
        region_of = {uid: u.region_code for uid, u in stored.items()}
        region_of.update({u.id: u.region_code for u in dataset.units})
        for i, lk in enumerate(dataset.links):
            if region_of.get(lk.source_id) not in codes and region_of.get(lk.target_id) not in codes:
                raise OutOfScope(
                    f"links row {i + 2}: link {lk.source_id} → {lk.target_id} has no end in the key's scope"
                )

    def write(self, dataset: Dataset) -> WriteSummary:
        self.check_write(dataset)
        return self.inner.write(dataset)

    def write_stream(self, dataset: Dataset, links: LinkSource) -> WriteSummary:
        """Gathered and checked whole, then one :meth:`write`: a scoped write is refused for one
        out-of-scope row before anything is written, so it cannot stream past rows unchecked."""
        everything = Dataset(dataset.regions, dataset.units, list(links))
        self.check_write(everything)
        return self.inner.write(everything)

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        raise OutOfScope("gap records are written for the whole graph: use an unscoped store")

    def clear(self) -> int:
        raise OutOfScope("clearing deletes the whole graph: use an unscoped store")

    def recover(self) -> list[int]:
        raise OutOfScope("recovering interrupted loads concerns the whole graph: use an unscoped store")

    def configure_writes(
        self, *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None,
        replace: Replace | None = None, bulk: bool = False,
    ) -> None:  # fmt: skip
        """How a big write goes narrows nothing: the rows are checked against the scope in write().
        A replace deletes links of a whole year or region, and a bulk load replaces the whole
        database, beyond any scope: refused."""
        if bulk:
            raise OutOfScope("a bulk load replaces the whole database: use an unscoped store")
        if replace is not None:
            raise OutOfScope("replacing links deletes them across the whole graph: use an unscoped store")
        self.inner.configure_writes(jobs=jobs, progress=progress)

    # -- point lookups ----------------------------------------------------------------------------
    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        wanted = tuple(dict.fromkeys(ids))
        if not wanted:
            return {}
        found = {
            u.id: u
            for u in self.inner.find_units_where(
                and_(Field("id", "in", wanted), self.unit_scope())
            ).page.items
        }
        rest = tuple(i for i in wanted if i not in found)
        if rest:
            # a parent of a visible unit, or a unit with a link to one: the store decides which
            below = self.inner.find_units_where(and_(Field("parent_id", "in", rest), self.unit_scope()))
            parents = tuple(dict.fromkeys(u.parent_id for u in below.page.items if u.parent_id))
            reached = AnyOf((Field("id", "in", parents), HasLink(End("counterpart", self.unit_scope()))))
            for u in self.inner.find_units_where(and_(Field("id", "in", rest), reached)).page.items:
                found[u.id] = _stub(u)
        return {i: found[i] for i in wanted if i in found}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        scope = self.codes
        return self.inner.get_regions([c for c in dict.fromkeys(codes) if c in scope])

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        wanted = tuple(dict.fromkeys(ids))
        if not wanted:
            return {}
        found = {
            lk.id: lk
            for lk in self.inner.find_links_where(
                and_(Field("id", "in", wanted), self.link_scope())
            ).page.items
        }
        return {i: found[i] for i in wanted if i in found}

    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        wanted = tuple(dict.fromkeys(ids))
        out: dict[str, list[Unit]] = {i: [] for i in wanted}
        if wanted:
            cond = and_(Field("parent_id", "in", wanted), self.unit_scope())
            for u in self.inner.find_units_where(cond).page.items:  # ordered by id
                out[u.parent_id or ""].append(u)
        return out

    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        """Only visible units, and only their visible neighbours: shortestPath walks in scope."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, set[str]] = {i: set() for i in wanted}
        visible = self._visible_ids(wanted)
        if not visible:
            return out
        around = self.inner.neighbours(visible)
        seen = set(self._visible_ids({n for ns in around.values() for n in ns}))
        for uid, ns in around.items():
            out[uid] = ns & seen
        return out

    # -- listings ---------------------------------------------------------------------------------
    def count_units(self) -> int:
        return self.inner.aggregate_units(self.unit_scope()).count

    def regions(self) -> list[Region]:
        return list(self.inner.get_regions(sorted(self.codes)).values())

    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        cond = and_(Field("kind", "in", tuple(dict.fromkeys(kinds))), self.unit_scope())
        return self.inner.find_units_where(cond).page.items

    @staticmethod
    def _unit_query_cond(query: UnitQuery) -> Cond | None:
        needle = query.name_contains
        return and_(
            Field("kind", "eq", query.kind) if query.kind else None,
            Field("level", "eq", query.level) if query.level else None,
            RegionWithin(query.region_code) if query.region_code else None,
            AnyOf((Field("name", "icontains", needle), Field("name_en", "icontains", needle)))
            if needle
            else None,
        )

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        return self.find_units_where(self._unit_query_cond(query), (), offset, limit).page

    def find_units_with(
        self, query: UnitQuery, offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        return self.find_units_where(
            self._unit_query_cond(query),
            (),
            offset,
            limit,
            parents=parents,
            regions=regions,
            children=children,
        )

    @staticmethod
    def _link_query_cond(query: LinkQuery) -> Cond | None:
        def end(role: str, uid: str) -> Cond:
            return End(role, Field("id", "eq", uid))

        ends: Cond | None = None
        if query.unit_id is not None and query.other_id is not None:
            u, o = query.unit_id, query.other_id
            ends = AnyOf((and_(end("source", u), end("target", o)), and_(end("source", o), end("target", u))))  # type: ignore[arg-type]
        elif query.unit_id is not None:
            ends = end("either", query.unit_id)
        return and_(
            ends,
            Field("family", "eq", query.family) if query.family else None,
            Field("kind", "eq", query.kind) if query.kind else None,
            Field("year", "eq", query.year) if query.year is not None else None,
        )

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        return self.find_links_where(self._link_query_cond(query), (), offset, limit).page

    # -- aggregates -------------------------------------------------------------------------------
    def years(self) -> list[int]:
        return sorted(int(g.key[0]) for g in self.inner.aggregate_links(self.link_scope(), ("year",)))

    def link_totals(self, year: int) -> list[LinkTotal]:
        groups = self.inner.aggregate_links(
            and_(Field("year", "eq", year), self.link_scope()), ("kind", "family")
        )
        return sorted(
            (LinkTotal(g.key[0], g.key[1], g.records, g.count, g.participants) for g in groups),
            key=lambda t: t.kind,
        )

    def _pair_cond(
        self, years: Sequence[int] | None, kinds: Sequence[str] | None, until: dt.date | None
    ) -> Cond:
        cond = and_(
            Field("year", "in", tuple(sorted(set(years)))) if years is not None else None,
            Field("kind", "in", tuple(dict.fromkeys(kinds))) if kinds is not None else None,
            Field("date", "lte", until) if until is not None else None,
            self.link_scope(),
        )
        assert cond is not None
        return cond

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        if not years or (kinds is not None and not kinds):
            return []
        groups = self.inner.aggregate_links(
            self._pair_cond(years, kinds, None), ("source_id", "target_id", "kind", "year")
        )
        return sorted(
            PairCount._make((g.key[0], g.key[1], g.key[2], int(g.key[3]), g.count, g.participants, g.records))
            for g in groups
        )

    def pair_month_counts(
        self, years: Sequence[int], kinds: Sequence[str] | None = None, until: dt.date | None = None
    ) -> list[PairMonthCount]:
        if not years or (kinds is not None and not kinds):
            return []
        groups = self.inner.aggregate_links(
            self._pair_cond(years, kinds, until), ("source_id", "target_id", "kind", "year", "month")
        )
        return sorted(
            PairMonthCount._make(
                (g.key[0], g.key[1], g.key[2], int(g.key[3]), int(str(g.key[4])[5:7]), g.count)
            )
            for g in groups
        )

    def pair_dates(self, kinds: Sequence[str] | None = None, until: dt.date | None = None) -> list[PairDates]:
        if kinds is not None and not kinds:
            return []
        groups = self.inner.aggregate_links(
            self._pair_cond(None, kinds, until), ("source_id", "target_id", "date")
        )
        dates: dict[tuple[str, str], set[dt.date]] = {}
        for g in groups:
            dates.setdefault((g.key[0], g.key[1]), set()).add(_date(g.key[2]))
        return [PairDates(s, t, tuple(sorted(d))) for (s, t), d in sorted(dates.items())]

    # -- filters, orderings, aggregates -----------------------------------------------------------
    def find_units_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        found = self.inner.find_units_where(
            and_(self._guard(where), self.unit_scope()),
            order,
            offset,
            limit,
            parents=parents,
            regions=regions,
        )
        # In the same statement (one round trip on Neo4j): every unit of the page is in scope, so
        # its region is; its parent is visible, in full when in scope, else as a stub. Children
        # may lie outside: they are asked for through this view.
        codes = self.codes
        return UnitsWith(
            found.page,
            parents={i: p if p.region_code in codes else _stub(p) for i, p in found.parents.items()},
            regions=found.regions,
            children=self.children([u.id for u in found.page.items]) if children else {},
        )

    def find_links_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        ends: bool = False,
    ) -> LinksWith:  # fmt: skip
        found = self.inner.find_links_where(
            and_(self._guard(where), self.link_scope()), order, offset, limit, ends=ends
        )
        return LinksWith(found.page, self._seen(found.units))

    def links_of_units(
        self, ids: Iterable[str], where: Cond | None, order: Sequence[Order] = (), offset: int = 0,
        limit: int | None = None, *, ends: bool = False,
    ) -> LinksOfUnits:  # fmt: skip
        found = self.inner.links_of_units(
            ids, and_(self._guard(where), self.link_scope()), order, offset, limit, ends=ends
        )
        return LinksOfUnits(found.pages, self._seen(found.units))

    def _seen(self, ends: dict[str, Unit]) -> dict[str, Unit]:
        """The ends of visible links as the caller sees them: in full in scope, else stubs (the
        statement returned them with the links: one round trip on Neo4j)."""
        codes = self.codes
        return {i: u if u.region_code in codes else _stub(u) for i, u in ends.items()}

    def aggregate_units(self, where: Cond | None) -> UnitsAggregate:
        return self.inner.aggregate_units(and_(self._guard(where), self.unit_scope()))

    def aggregate_links(self, where: Cond | None, group_by: Sequence[str] = ()) -> list[LinkGroup]:
        return self.inner.aggregate_links(and_(self._guard(where), self.link_scope()), group_by)

    def unit_timelines(self, ids: Iterable[str], years: Sequence[int]) -> dict[str, list[YearFamilyTotal]]:
        """A unit in scope: all its links are visible (the inner store's answer); any other: only
        its links with the other end in scope, summed by the store under the scope's condition."""
        wanted = list(dict.fromkeys(ids))
        visible = set(self._visible_ids(wanted))
        out = dict(self.inner.unit_timelines([i for i in wanted if i in visible], years))
        for uid in wanted:
            if uid in visible:
                continue
            out[uid] = []
            if not years:
                continue
            cond = and_(
                End("either", Field("id", "eq", uid)),
                Field("year", "in", tuple(sorted(set(years)))),
                self.link_scope(),
            )
            out[uid] = [
                YearFamilyTotal(int(g.key[0]), g.key[1], g.records, g.count, g.participants)
                for g in self.inner.aggregate_links(cond, ("year", "family"))
            ]
        return {i: out.get(i, []) for i in wanted}
