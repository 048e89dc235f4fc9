"""``where``, ``orderBy`` and ``groupBy`` inputs, turned into the store's filter trees.

The grammar (docs/graphql.md, "Filters"): ``UnitWhere`` and ``LinkWhere`` take a filter per field
(``{eq in contains startsWith}`` for text, ``{eq in}`` for kinds and levels, ``{eq in gt gte lt
lte}`` for numbers and dates), ``AND``/``OR``/``NOT``, and ``hasLink``/``noLink`` (units) or
``source``/``target``/``unit``/``counterpart`` (links). Everything given in one object must hold.
The conversion checks sizes (conditions, list lengths, text lengths, ``hasLink`` nesting) so that
a filter's cost is bounded before the store sees it; the store compiles the tree (one Cypher
statement on Neo4j).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

import strawberry

from ...store import filters as f
from ..errors import InvalidArgument
from .enums import Family, Level, LinkKind, UnitKind

__all__ = [
    "UnitWhere",
    "LinkWhere",
    "UnitOrder",
    "LinkOrder",
    "LinkGroupBy",
    "unit_cond",
    "link_cond",
    "unit_orders",
    "link_orders",
    "group_by",
    "legacy_link_cond",
    "MAX_CONDITIONS",
]

MAX_CONDITIONS = 64  # field conditions and combinators in one where
MAX_LINK_DEPTH = 3  # hasLink inside a link's end inside hasLink …
MAX_LIST = 500  # values of one `in`
MAX_TEXT = 200  # characters of one text value
_REGION_CODE = re.compile(r"\d{6}")


@strawberry.input(description="Text conditions; all that are given must hold (case-sensitive).")
class StringFilter:
    eq: str | None = None
    in_: list[str] | None = strawberry.field(name="in", default=None, description="One of these.")
    contains: str | None = None
    starts_with: str | None = None


@strawberry.input(description="Id conditions; all that are given must hold (case-sensitive).")
class IDFilter:
    eq: strawberry.ID | None = None
    in_: list[strawberry.ID] | None = strawberry.field(name="in", default=None, description="One of these.")
    contains: str | None = None
    starts_with: str | None = None


@strawberry.input(description="Number conditions; all that are given must hold.")
class IntFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(name="in", default=None, description="One of these.")
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input(description="Date conditions (YYYY-MM-DD); all that are given must hold.")
class DateFilter:
    eq: dt.date | None = None
    gt: dt.date | None = None
    gte: dt.date | None = None
    lt: dt.date | None = None
    lte: dt.date | None = None


@strawberry.input(description="Unit kind is / is one of.")
class UnitKindFilter:
    eq: UnitKind | None = None  # type: ignore[valid-type]
    in_: list[UnitKind] | None = strawberry.field(name="in", default=None)  # type: ignore[valid-type]


@strawberry.input(description="Level is / is one of.")
class LevelFilter:
    eq: Level | None = None  # type: ignore[valid-type]
    in_: list[Level] | None = strawberry.field(name="in", default=None)  # type: ignore[valid-type]


@strawberry.input(description="Link kind is / is one of.")
class LinkKindFilter:
    eq: LinkKind | None = None  # type: ignore[valid-type]
    in_: list[LinkKind] | None = strawberry.field(name="in", default=None)  # type: ignore[valid-type]


@strawberry.input(description="Family is / is one of.")
class FamilyFilter:
    eq: Family | None = None  # type: ignore[valid-type]
    in_: list[Family] | None = strawberry.field(name="in", default=None)  # type: ignore[valid-type]


@strawberry.enum(description="Which end of a link the unit it is seen from is.")
class LinkDirection(Enum):
    OUT = "out"
    IN = "in"


@strawberry.enum(description="Ascending or descending.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="What links are grouped by in `linksAggregate`.")
class LinkGroupBy(Enum):
    KIND = "kind"
    FAMILY = "family"
    YEAR = "year"
    MONTH = strawberry.enum_value("month", description="Calendar month, as YYYY-MM.")
    SOURCE_LEVEL = strawberry.enum_value("source_level", description="Level of the initiating unit.")


@strawberry.input(
    description="Conditions on units; all that are given must hold. Text comparisons are case-sensitive; "
    "a condition on a missing value (a unit without nameEn) is false."
)
class UnitWhere:
    id: IDFilter | None = None
    name: StringFilter | None = None
    name_en: StringFilter | None = None
    kind: UnitKindFilter | None = None
    level: LevelFilter | None = None
    region_code: StringFilter | None = None
    region_within: str | None = strawberry.field(
        default=None, description="A six-digit division code: the unit's region is it or lies within it."
    )
    has_link: LinkWhere | None = strawberry.field(
        default=None,
        description="At least `atLeast` (default 1) of its links (either end, seen from this unit) match.",
    )
    no_link: LinkWhere | None = strawberry.field(
        default=None, description="Fewer than `atLeast` (default 1: none) of its links match."
    )
    and_: list[UnitWhere] | None = strawberry.field(name="AND", default=None, description="Every one holds.")
    or_: list[UnitWhere] | None = strawberry.field(name="OR", default=None, description="At least one holds.")
    not_: UnitWhere | None = strawberry.field(name="NOT", default=None, description="It does not hold.")


@strawberry.input(
    description="Conditions on links; all that are given must hold. `counterpart`, `direction`, `atLeast` "
    "and `atLeastEvents` apply where links are seen from a unit (`hasLink`, `noLink`, `Unit.links`)."
)
class LinkWhere:
    id: IDFilter | None = None
    kind: LinkKindFilter | None = None
    family: FamilyFilter | None = None
    year: IntFilter | None = None
    date: DateFilter | None = None
    count: IntFilter | None = strawberry.field(default=None, description="Events the row stands for.")
    participants: IntFilter | None = None
    title: StringFilter | None = None
    source: UnitWhere | None = strawberry.field(default=None, description="The initiating unit matches.")
    target: UnitWhere | None = strawberry.field(
        default=None, description="The unit it was directed at matches."
    )
    unit: UnitWhere | None = strawberry.field(default=None, description="Either end matches.")
    counterpart: UnitWhere | None = strawberry.field(
        default=None, description="Seen from a unit: the other end matches."
    )
    direction: LinkDirection | None = strawberry.field(
        default=None, description="Seen from a unit: OUT when it is the source, IN when the target."
    )
    at_least: int | None = strawberry.field(
        default=None, description="In hasLink/noLink: how many links (ledger rows) must match (default 1)."
    )
    at_least_events: int | None = strawberry.field(
        default=None, description="In hasLink/noLink: how many events (the sum of `count`) they must make."
    )
    and_: list[LinkWhere] | None = strawberry.field(name="AND", default=None, description="Every one holds.")
    or_: list[LinkWhere] | None = strawberry.field(name="OR", default=None, description="At least one holds.")
    not_: LinkWhere | None = strawberry.field(name="NOT", default=None, description="It does not hold.")


@strawberry.input(description="One sort key: set exactly one field. Ties are broken by id.")
class UnitOrder:
    id: SortDirection | None = None
    name: SortDirection | None = None
    name_en: SortDirection | None = None
    kind: SortDirection | None = None
    level: SortDirection | None = None
    region_code: SortDirection | None = None


@strawberry.input(description="One sort key: set exactly one field. Ties are broken by date, then id.")
class LinkOrder:
    date: SortDirection | None = None
    id: SortDirection | None = None
    kind: SortDirection | None = None
    family: SortDirection | None = None
    year: SortDirection | None = None
    count: SortDirection | None = None
    participants: SortDirection | None = None


# graphql-core hands the where inputs over as mappings (see _from_input, below)
UnitWhere.__strawberry_definition__.from_input = lambda cls, value, context: _from_input(cls, value, context)  # type: ignore[attr-defined]
LinkWhere.__strawberry_definition__.from_input = lambda cls, value, context: _from_input(cls, value, context)  # type: ignore[attr-defined]


# -- conversion -----------------------------------------------------------------------------------


class _Budget:
    def __init__(self, name: str) -> None:
        self.name = name
        self.used = 0

    def take(self) -> None:
        self.used += 1
        if self.used > MAX_CONDITIONS:
            raise InvalidArgument(f"{self.name}: at most {MAX_CONDITIONS} conditions in one filter")


def _value(v: Any, where: str) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, str) and len(v) > MAX_TEXT:  # strawberry.ID is a str
        raise InvalidArgument(f"{where}: at most {MAX_TEXT} characters")
    return v


_OPS = (("eq", "eq"), ("in", "in"), ("contains", "contains"), ("startsWith", "starts_with"),
        ("gt", "gt"), ("gte", "gte"), ("lt", "lt"), ("lte", "lte"))  # fmt: skip


def _ops(obj: Mapping[str, Any], name: str, field: str, budget: _Budget) -> list[f.Cond]:
    out: list[f.Cond] = []
    for key, op in _OPS:
        v = obj.get(key)
        if v is None:
            continue
        budget.take()
        path = f"{name}.{key}"
        if op == "in":
            if len(v) > MAX_LIST:
                raise InvalidArgument(f"{path}: at most {MAX_LIST} values")
            out.append(f.Field(field, "in", tuple(dict.fromkeys(_value(x, path) for x in v))))
        else:
            out.append(f.Field(field, op, _value(v, path)))
    return out


# GraphQL name -> store field
_UNIT_FIELDS = (("id", "id"), ("name", "name"), ("nameEn", "name_en"), ("kind", "kind"), ("level", "level"),
                ("regionCode", "region_code"))  # fmt: skip
_LINK_FIELDS = ("id", "kind", "family", "year", "date", "count", "participants", "title")


def _from_input(cls: type, value: Mapping[str, Any], context: Any) -> Any:
    """``from_input`` of the where inputs: the value as graphql-core coerced it (a mapping keyed
    by GraphQL names, enums as members, dates as dates), converted here in one pass rather than
    into nested input objects field by field (a tenth of a small request's CPU)."""
    return dict(value)


def unit_cond(where: Any, name: str = "where", *, _budget: _Budget | None = None,
              _depth: int = 0) -> f.Cond | None:  # fmt: skip
    """The store condition for a ``UnitWhere`` value (the mapping ``_from_input`` makes: resolvers
    receive that in place of a ``UnitWhere``); None for no condition."""
    if where is None:
        return None
    budget = _budget or _Budget(name)
    parts: list[f.Cond] = []
    for key, field in _UNIT_FIELDS:
        sub = where.get(key)
        if sub is not None:
            parts.extend(_ops(sub, f"{name}.{key}", field, budget))
    within = where.get("regionWithin")
    if within is not None:
        budget.take()
        if not _REGION_CODE.fullmatch(within):
            raise InvalidArgument(
                f"{name}.regionWithin must be a six-digit division code (GB/T 2260), got {within!r}"
            )
        parts.append(f.RegionWithin(within))
    for key, negate in (("hasLink", False), ("noLink", True)):
        sub = where.get(key)
        if sub is None:
            continue
        budget.take()
        path = f"{name}.{key}"
        if _depth >= MAX_LINK_DEPTH:
            raise InvalidArgument(f"{path}: hasLink/noLink nest at most {MAX_LINK_DEPTH} deep")
        at_least = sub.get("atLeast")
        events = sub.get("atLeastEvents")
        at_least = 1 if at_least is None else at_least
        events = 0 if events is None else events
        if at_least < 0 or events < 0:
            raise InvalidArgument(f"{path}: atLeast and atLeastEvents must be at least 0")
        cond = link_cond(sub, path, anchored=True, _budget=budget, _depth=_depth + 1, _counts=True)
        has = f.HasLink(cond, at_least, events)
        parts.append(f.Not(has) if negate else has)
    parts.extend(
        _combinators(where, name, budget, lambda w, n: unit_cond(w, n, _budget=budget, _depth=_depth))
    )
    return f.and_(*parts)


def link_cond(where: Any, name: str = "where", *, anchored: bool,
              _budget: _Budget | None = None, _depth: int = 0, _counts: bool = False) -> f.Cond | None:  # fmt: skip
    """The store condition for a ``LinkWhere`` value; ``anchored``: seen from a unit."""
    if where is None:
        return None
    budget = _budget or _Budget(name)
    if not _counts and (where.get("atLeast") is not None or where.get("atLeastEvents") is not None):
        raise InvalidArgument(f"{name}: atLeast and atLeastEvents belong directly in hasLink or noLink")
    parts: list[f.Cond] = []
    for field in _LINK_FIELDS:
        sub = where.get(field)
        if sub is not None:
            parts.extend(_ops(sub, f"{name}.{field}", field, budget))
    for role in ("source", "target", "unit", "counterpart"):
        sub = where.get(role)
        if sub is None:
            continue
        budget.take()
        if role == "counterpart" and not anchored:
            raise InvalidArgument(
                f"{name}.counterpart: only where links are seen from a unit (hasLink, Unit.links)"
            )
        cond = unit_cond(sub, f"{name}.{role}", _budget=budget, _depth=_depth)
        if cond is not None:
            parts.append(f.End("either" if role == "unit" else role, cond))
    direction = where.get("direction")
    if direction is not None:
        budget.take()
        if not anchored:
            raise InvalidArgument(
                f"{name}.direction: only where links are seen from a unit (hasLink, Unit.links)"
            )
        parts.append(f.Direction(direction == LinkDirection.OUT))
    parts.extend(
        _combinators(
            where,
            name,
            budget,
            lambda w, n: link_cond(w, n, anchored=anchored, _budget=budget, _depth=_depth),
        )
    )
    return f.and_(*parts)


def _combinators(where: Mapping[str, Any], name: str, budget: _Budget, convert: Any) -> list[f.Cond]:
    out: list[f.Cond] = []
    every, alternatives, negated = where.get("AND"), where.get("OR"), where.get("NOT")
    if every:
        budget.take()
        out.extend(c for i, w in enumerate(every) if (c := convert(w, f"{name}.AND[{i}]")) is not None)
    if alternatives is not None:
        budget.take()
        alts = [convert(w, f"{name}.OR[{i}]") for i, w in enumerate(alternatives)]
        # an empty alternative holds always; an empty OR never
        out.append(f.AnyOf(tuple(f.All(()) if c is None else c for c in alts)))
    if negated is not None:
        budget.take()
        c = convert(negated, f"{name}.NOT")
        out.append(f.Not(f.All(()) if c is None else c))
    return out


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(w.title() for w in rest)


def _orders(items: list[Any] | None, fields: tuple[str, ...], name: str) -> tuple[f.Order, ...]:
    out = []
    for i, item in enumerate(items or []):
        chosen = [(field, getattr(item, field)) for field in fields if getattr(item, field) is not None]
        if len(chosen) != 1:
            raise InvalidArgument(f"{name}[{i}]: set exactly one field per sort key")
        field, direction = chosen[0]
        out.append(f.Order(field, direction == SortDirection.DESC))
    if len(out) > 8:
        raise InvalidArgument(f"{name}: at most 8 sort keys")
    return tuple(out)


def unit_orders(items: list[UnitOrder] | None) -> tuple[f.Order, ...]:
    return _orders(items, f.UNIT_ORDER_FIELDS, "orderBy")


def link_orders(items: list[LinkOrder] | None) -> tuple[f.Order, ...]:
    return _orders(items, f.LINK_ORDER_FIELDS, "orderBy")


def group_by(items: list[LinkGroupBy] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(g.value for g in items or []))


def legacy_link_cond(family: Any, kind: Any, year: int | None) -> f.Cond | None:
    """The old ``family``/``kind``/``year`` arguments of the link lists, as a condition."""
    if year is not None and not 1 <= year <= 9999:
        raise InvalidArgument(f"year must be a calendar year between 1 and 9999, got {year}")
    return f.and_(
        f.Field("family", "eq", family.value) if family is not None else None,
        f.Field("kind", "eq", kind.value) if kind is not None else None,
        f.Field("year", "eq", year) if year is not None else None,
    )
