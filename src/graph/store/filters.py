"""Filters, orderings and aggregates over units and links: a small tree both stores compile.

The API (GraphQL ``where``/``orderBy``) builds these plain values; a store turns one request into
one statement (Neo4j: :mod:`graph.store.where_cypher`) or evaluates it (the embedded store, with
:class:`Evaluator` below, which is also the reference semantics). Nothing here knows GraphQL.

A condition is one of:

* :class:`Field` ``(name, op, value)``: a property of the unit or link compared with a value.
  Units: ``id name name_en kind level region_code`` with ``eq in contains starts_with``
  (``icontains``: the API's old ``nameContains``, case-insensitive). Links: ``id kind family
  title`` (strings, as units) and ``year count participants date`` with ``eq in gt gte lt lte``.
  A comparison with a missing value (a unit without ``name_en``) is false, and its negation true:
  two-valued logic on both stores.
* :class:`RegionWithin` (units): the unit's region is the code or lies within it.
* :class:`HasLink` (units): at least ``at_least`` links (ledger rows) at the unit, either end, match
  the link condition, standing for at least ``at_least_events`` events (the sum of their
  ``count``); ``noLink`` is ``Not(HasLink(...))``.
* :class:`End` (links): the link's ``source``, ``target``, ``either`` end, or, seen from the unit it
  is asked about (inside :class:`HasLink` and for one unit's links), its ``counterpart`` (the other
  end) matches a unit condition.
* :class:`Direction` (links, seen from a unit): ``out`` when the unit is the source, ``in`` when it
  is the target (a link from a unit to itself is both).
* :class:`All`, :class:`AnyOf`, :class:`Not` combine conditions of the same kind.

Orderings are a list of :class:`Order`; ties are always broken by id (units) or date then id
(links), so both stores give the same order. Missing values sort last ascending and first
descending (as Neo4j does).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from ..model import Link, Unit
from ..model.vocabulary import vocabulary

__all__ = [
    "Field",
    "RegionWithin",
    "HasLink",
    "End",
    "Direction",
    "All",
    "AnyOf",
    "Not",
    "Cond",
    "Order",
    "UNIT_FIELDS",
    "LINK_FIELDS",
    "UNIT_ORDER_FIELDS",
    "LINK_ORDER_FIELDS",
    "LINK_GROUPS",
    "UNIT_GROUPS",
    "LinkGroup",
    "UnitsAggregate",
    "YearFamilyTotal",
    "Evaluator",
    "check_unit_cond",
    "check_link_cond",
    "unit_sort_key",
    "link_sort_key",
    "and_",
]

STRING_OPS = ("eq", "in", "contains", "starts_with")
NUMBER_OPS = ("eq", "in", "gt", "gte", "lt", "lte")
#: unit fields and the operators each takes
UNIT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": STRING_OPS,
    "name": (*STRING_OPS, "icontains"),
    "name_en": (*STRING_OPS, "icontains"),
    "kind": ("eq", "in"),
    "level": ("eq", "in"),
    "region_code": STRING_OPS,
    "parent_id": ("eq", "in"),  # not offered by the API; the scoped store's children (store.scoped)
    "system": ("eq", "in"),  # not offered by the API; "of system S" (store.system_filter)
}
#: link fields and the operators each takes
LINK_FIELDS: dict[str, tuple[str, ...]] = {
    "id": STRING_OPS,
    "kind": ("eq", "in"),
    "family": ("eq", "in"),
    "title": STRING_OPS,
    "year": NUMBER_OPS,
    "count": NUMBER_OPS,
    "participants": NUMBER_OPS,
    "date": ("eq", "gt", "gte", "lt", "lte"),
}
NULLABLE_UNIT_FIELDS = frozenset({"name_en", "region_code", "parent_id", "system"})
NULLABLE_LINK_FIELDS = frozenset({"title", "participants"})
UNIT_ORDER_FIELDS = ("id", "name", "name_en", "kind", "level", "region_code")
LINK_ORDER_FIELDS = ("date", "id", "kind", "family", "year", "count", "participants")
#: what units are counted by in :class:`UnitsAggregate`
UNIT_GROUPS = ("kind", "level", "region_code")
#: what links can be grouped by in an aggregate
#: (the last three are not offered by the API: the scoped store's pair questions, store.scoped)
LINK_GROUPS = ("kind", "family", "year", "month", "source_level", "source_id", "target_id", "date")
END_ROLES = ("source", "target", "either", "counterpart")


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    op: str
    value: Any  # str, int, dt.date, or a tuple of them for "in"


@dataclass(frozen=True, slots=True)
class RegionWithin:
    code: str


@dataclass(frozen=True, slots=True)
class HasLink:
    where: Cond | None = None
    at_least: int = 1  # matching links (ledger rows)
    at_least_events: int = 0  # the sum of their ``count`` (the events the rows stand for)


@dataclass(frozen=True, slots=True)
class End:
    role: str  # source | target | either | counterpart
    where: Cond


@dataclass(frozen=True, slots=True)
class Direction:
    out: bool  # True: the unit asked about is the source


@dataclass(frozen=True, slots=True)
class All:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Cond, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Cond


Cond = Union[Field, RegionWithin, HasLink, End, Direction, All, AnyOf, Not]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class Order:
    field: str
    descending: bool = False


def and_(*conds: Cond | None) -> Cond | None:
    """The conjunction of the conditions given (None ones dropped); None when there is none."""
    parts = tuple(c for c in conds if c is not None)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else All(parts)


# -- checking ------------------------------------------------------------------------------------


def _check_field(f: Field, fields: Mapping[str, tuple[str, ...]], what: str) -> None:
    ops = fields.get(f.name)
    if ops is None:
        raise ValueError(f"{what} condition on unknown field {f.name!r}")
    if f.op not in ops:
        raise ValueError(f"{what} field {f.name!r} does not take {f.op!r}")
    if f.op == "in" and not isinstance(f.value, tuple):
        raise ValueError(f"{what} field {f.name!r}: 'in' takes a tuple")


def check_unit_cond(c: Cond | None) -> None:
    """Raise ValueError unless ``c`` is a unit condition (the API checks before this)."""
    if c is None:
        return
    if isinstance(c, Field):
        _check_field(c, UNIT_FIELDS, "unit")
    elif isinstance(c, RegionWithin):
        pass
    elif isinstance(c, HasLink):
        if c.at_least < 0 or c.at_least_events < 0:
            raise ValueError("HasLink.at_least and at_least_events must be at least 0")
        check_link_cond(c.where, anchored=True)
    elif isinstance(c, All | AnyOf):
        for p in c.parts:
            check_unit_cond(p)
    elif isinstance(c, Not):
        check_unit_cond(c.part)
    else:
        raise ValueError(f"{type(c).__name__} is not a unit condition")


def check_link_cond(c: Cond | None, *, anchored: bool) -> None:
    """Raise ValueError unless ``c`` is a link condition; ``anchored``: seen from a unit."""
    if c is None:
        return
    if isinstance(c, Field):
        _check_field(c, LINK_FIELDS, "link")
    elif isinstance(c, End):
        if c.role not in END_ROLES:
            raise ValueError(f"unknown link end {c.role!r}")
        if c.role == "counterpart" and not anchored:
            raise ValueError("counterpart is a link condition seen from a unit (hasLink, Unit.links)")
        check_unit_cond(c.where)
    elif isinstance(c, Direction):
        if not anchored:
            raise ValueError("direction is a link condition seen from a unit (hasLink, Unit.links)")
    elif isinstance(c, All | AnyOf):
        for p in c.parts:
            check_link_cond(p, anchored=anchored)
    elif isinstance(c, Not):
        check_link_cond(c.part, anchored=anchored)
    else:
        raise ValueError(f"{type(c).__name__} is not a link condition")


# -- ordering -------------------------------------------------------------------------------------


class _Desc:
    """Reverses the order of a value inside a sort key."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: _Desc) -> bool:
        return bool(other.v < self.v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v

    def __hash__(self) -> int:  # pragma: no cover - not used as a key of a dict
        return hash(self.v)


def _key_part(value: Any, descending: bool) -> tuple[Any, ...]:
    # missing values last ascending, first descending (Neo4j's order)
    if descending:
        return (0,) if value is None else (1, _Desc(value))
    return (1,) if value is None else (0, value)


def unit_sort_key(order: Sequence[Order]) -> Callable[[Unit], tuple[Any, ...]]:
    orders = [*order, Order("id")]

    def key(u: Unit) -> tuple[Any, ...]:
        return tuple(_key_part(getattr(u, o.field), o.descending) for o in orders)

    return key


def _link_value(lk: Link, name: str) -> Any:
    if name == "year":
        return lk.date.year
    if name == "date":  # ISO text, as SQLite holds it and Neo4j's toString gives it
        return lk.date.isoformat()
    return getattr(lk, name)


def link_sort_key(order: Sequence[Order]) -> Callable[[Link], tuple[Any, ...]]:
    orders = [*order, Order("date"), Order("id")]

    def key(lk: Link) -> tuple[Any, ...]:
        return tuple(_key_part(_link_value(lk, o.field), o.descending) for o in orders)

    return key


# -- aggregates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkGroup:
    """Links of one group: ``key`` holds the value of each grouping asked for, in that order."""

    key: tuple[Any, ...]
    records: int
    count: int
    participants: int
    first: dt.date | None
    last: dt.date | None


@dataclass(frozen=True)
class UnitsAggregate:
    """How many units match, and how many of them are of each kind, level and region code
    (ordered by the value; units without a region are not counted by region)."""

    count: int
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_region: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str, str | None, int]]) -> UnitsAggregate:
        """From (kind, level, region_code, n) rows."""
        total = 0
        acc: list[dict[str, int]] = [defaultdict(int), defaultdict(int), defaultdict(int)]
        for kind, level, region, n in rows:
            total += n
            acc[0][kind] += n
            acc[1][level] += n
            if region is not None:
                acc[2][region] += n
        by = [sorted(a.items()) for a in acc]
        return cls(total, by[0], by[1], by[2])


@dataclass(frozen=True)
class YearFamilyTotal:
    """Links at one unit (either end) in one year and family, summed."""

    year: int
    family: str
    records: int
    count: int
    participants: int


def group_value(name: str, lk: Link, source: Unit | None) -> Any:
    if name == "month":
        return lk.date.strftime("%Y-%m")
    if name == "year":
        return lk.date.year
    if name == "date":  # ISO text, as SQLite holds it and Neo4j's toString gives it
        return lk.date.isoformat()
    if name == "source_level":
        return source.level if source is not None else None
    return getattr(lk, name)


# -- the reference evaluation (embedded store) -----------------------------------------------------


class Evaluator:
    """Evaluates conditions in Python over a store's units and links.

    ``units``: id -> unit; ``links_of``: a unit id -> its links (either end, each once);
    ``within``: a region code -> the set of codes at or below it.
    """

    def __init__(
        self,
        units: Mapping[str, Unit],
        links_of: Callable[[str], Iterable[Link]],
        within: Callable[[str], set[str]],
    ) -> None:
        self.units = units
        self.links_of = links_of
        self._within = within
        self._within_cache: dict[str, set[str]] = {}
        self._family = {k: v.family for k, v in vocabulary().link_kinds.items()}

    def within(self, code: str) -> set[str]:
        found = self._within_cache.get(code)
        if found is None:
            found = self._within_cache[code] = self._within(code)
        return found

    @staticmethod
    def _compare(op: str, have: Any, want: Any) -> bool:
        if have is None:
            return False
        if op == "eq":
            return bool(have == want)
        if op == "in":
            return have in want
        if op == "contains":
            return want in have
        if op == "icontains":
            return want.lower() in have.lower()
        if op == "starts_with":
            return bool(have.startswith(want))
        if op == "gt":
            return bool(have > want)
        if op == "gte":
            return bool(have >= want)
        if op == "lt":
            return bool(have < want)
        if op == "lte":
            return bool(have <= want)
        raise ValueError(f"unknown operator {op!r}")

    def unit(self, c: Cond | None, u: Unit) -> bool:
        if c is None:
            return True
        if isinstance(c, Field):
            return self._compare(c.op, getattr(u, c.name), c.value)
        if isinstance(c, RegionWithin):
            return u.region_code is not None and u.region_code in self.within(c.code)
        if isinstance(c, HasLink):
            if c.at_least <= 0 and c.at_least_events <= 0:
                return True
            n = events = 0
            for lk in self.links_of(u.id):
                if self.link(c.where, lk, anchor=u.id):
                    n += 1
                    events += lk.count
                    if n >= c.at_least and events >= c.at_least_events:
                        return True
            return False
        if isinstance(c, All):
            return all(self.unit(p, u) for p in c.parts)
        if isinstance(c, AnyOf):
            return any(self.unit(p, u) for p in c.parts)
        if isinstance(c, Not):
            return not self.unit(c.part, u)
        raise ValueError(f"{type(c).__name__} is not a unit condition")

    def _end(self, where: Cond, unit_id: str) -> bool:
        u = self.units.get(unit_id)
        return u is not None and self.unit(where, u)

    def link(self, c: Cond | None, lk: Link, anchor: str | None = None) -> bool:
        """Whether link ``lk`` matches; ``anchor``: the unit it is seen from, if any. A link from
        the anchor to itself matches if it does seen either way."""
        if anchor is not None and lk.source_id == lk.target_id == anchor:
            return self._link(c, lk, anchor, True) or self._link(c, lk, anchor, False)
        return self._link(c, lk, anchor, anchor is not None and lk.source_id == anchor)

    def _link(self, c: Cond | None, lk: Link, anchor: str | None, out: bool) -> bool:
        if c is None:
            return True
        if isinstance(c, Field):
            value = lk.date.year if c.name == "year" else getattr(lk, c.name)
            return self._compare(c.op, value, c.value)
        if isinstance(c, End):
            if c.role == "source":
                return self._end(c.where, lk.source_id)
            if c.role == "target":
                return self._end(c.where, lk.target_id)
            if c.role == "either":
                return self._end(c.where, lk.source_id) or self._end(c.where, lk.target_id)
            if anchor is None:
                raise ValueError("counterpart needs a unit the link is seen from")
            return self._end(c.where, lk.target_id if out else lk.source_id)
        if isinstance(c, Direction):
            if anchor is None:
                raise ValueError("direction needs a unit the link is seen from")
            return c.out == out
        if isinstance(c, All):
            return all(self._link(p, lk, anchor, out) for p in c.parts)
        if isinstance(c, AnyOf):
            return any(self._link(p, lk, anchor, out) for p in c.parts)
        if isinstance(c, Not):
            return not self._link(c.part, lk, anchor, out)
        raise ValueError(f"{type(c).__name__} is not a link condition")
