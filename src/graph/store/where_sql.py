"""Filters, orderings and aggregates (:mod:`graph.store.filters`) compiled to one SQLite statement.

For the embedded store's tables (``units``, ``links``, ``regions``; see ``sqlschema``). Every value
is a named parameter (``:p0`` …); table and column names come only from
the field tables of :mod:`graph.store.filters`.

* A link seen from a unit is matched twice, once with the unit as its source and once as its
  target (each by its index, ``links_of_source`` / ``links_of_target``), ``direction`` folding to
  true or false in each; the ``UNION`` of the two counts a link from a unit to itself once.
* A condition on a link's end is ``EXISTS (SELECT 1 FROM units x WHERE x.id = l.source_id AND …)``
  (a primary-key lookup), or ``l.source_id = ?`` when it only asks for ids.
* ``regionWithin`` is a recursive CTE over ``regions.parent_code``, read once per statement.
* A comparison with a missing value is false, never null (``x IS NOT NULL AND …``), so ``NOT``
  means what it means in Python; missing values sort last ascending, first descending.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .filters import (
    LINK_FIELDS,
    LINK_GROUPS,
    LINK_ORDER_FIELDS,
    NULLABLE_LINK_FIELDS,
    NULLABLE_UNIT_FIELDS,
    UNIT_FIELDS,
    UNIT_ORDER_FIELDS,
    All,
    AnyOf,
    Cond,
    Direction,
    End,
    Field,
    HasLink,
    Not,
    Order,
    RegionWithin,
    check_link_cond,
    check_unit_cond,
)

__all__ = ["Sql", "find_units", "find_links", "links_of_units", "aggregate_units", "aggregate_links",
           "unit_timelines", "UNIT_COLS", "LINK_COLS"]  # fmt: skip

UNIT_COLS = ("id", "name", "kind", "level", "region_code", "parent_id", "name_en", "extra", "system")
LINK_COLS = ("id", "kind", "family", "date", "year", "source_id", "target_id", "count", "participants",
             "title", "source_file", "source_row")  # fmt: skip
TRUE, FALSE = "1", "0"
_CMP = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _and(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p != TRUE]
    if FALSE in kept:
        return FALSE
    return TRUE if not kept else kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"


def _or(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p != FALSE]
    if TRUE in kept:
        return TRUE
    return FALSE if not kept else kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"


def _not(part: str) -> str:
    return FALSE if part == TRUE else TRUE if part == FALSE else f"NOT ({part})"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@dataclass(frozen=True)
class Sql:
    text: str
    params: dict[str, Any] = field(default_factory=dict)


class _Compiler:
    """Builds SQL text with named parameters (text folded away may leave some unused)."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self._n = 0

    def p(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return ":" + name

    def fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def _compare(self, col: str, op: str, value: Any, nullable: bool) -> str:
        if op == "in":
            text = f"{col} IN (SELECT value FROM json_each({self.p(json.dumps([_plain(v) for v in value]))}))"
        elif op == "contains":
            text = f"instr({col}, {self.p(value)}) > 0"
        elif op == "icontains":
            text = f"instr(py_lower({col}), {self.p(value.lower())}) > 0"
        elif op == "starts_with":
            text = f"instr({col}, {self.p(value)}) = 1"
        else:
            text = f"{col} {_CMP[op]} {self.p(_plain(value))}"
        return f"({col} IS NOT NULL AND {text})" if nullable else text

    # -- units (alias v: a row of units) --------------------------------------------------------
    def unit(self, c: Cond | None, v: str) -> str:
        if c is None:
            return TRUE
        if isinstance(c, Field):
            if c.name not in UNIT_FIELDS:
                raise ValueError(f"unknown unit field {c.name!r}")
            return self._compare(f"{v}.{c.name}", c.op, c.value, c.name in NULLABLE_UNIT_FIELDS)
        if isinstance(c, RegionWithin):
            sub = self.fresh("sub")
            return (
                f"({v}.region_code IS NOT NULL AND {v}.region_code IN (WITH RECURSIVE {sub}(code) AS ("
                f"SELECT {self.p(c.code)} UNION SELECT r.code FROM regions r JOIN {sub} ON r.parent_code = "
                f"{sub}.code) SELECT code FROM {sub}))"
            )
        if isinstance(c, HasLink):
            if c.at_least <= 0 and c.at_least_events <= 0:
                return TRUE
            union = self.anchored(c.where, f"{v}.id", "l.id, l.count")
            if union is None:
                return FALSE
            m = self.fresh("m")
            head = f"SELECT COUNT(*) >= {self.p(c.at_least)}"
            if c.at_least_events > 0:
                head += f" AND COALESCE(SUM({m}.count), 0) >= {self.p(c.at_least_events)}"
            return f"({head} FROM ({union}) AS {m})"
        if isinstance(c, All):
            return _and([self.unit(p, v) for p in c.parts])
        if isinstance(c, AnyOf):
            return _or([self.unit(p, v) for p in c.parts])
        if isinstance(c, Not):
            return _not(self.unit(c.part, v))
        raise ValueError(f"{type(c).__name__} is not a unit condition")

    def end(self, where: Cond, id_expr: str) -> str:
        if isinstance(where, Field) and where.name == "id" and where.op in ("eq", "in"):
            return self._compare(id_expr, where.op, where.value, False)
        x = self.fresh("x")
        # the id comparison is written first: its parameter comes before the condition's
        return f"EXISTS (SELECT 1 FROM units {x} WHERE {x}.id = {id_expr} AND {self.unit(where, x)})"

    # -- links (alias l: a row of links) --------------------------------------------------------
    def link(self, c: Cond | None, out: bool | None, anchor: str | None) -> str:
        """``out``/``anchor``: seen from the unit whose id is the expression ``anchor``."""
        if c is None:
            return TRUE
        if isinstance(c, Field):
            if c.name not in LINK_FIELDS:
                raise ValueError(f"unknown link field {c.name!r}")
            return self._compare(f"l.{c.name}", c.op, c.value, c.name in NULLABLE_LINK_FIELDS)
        if isinstance(c, End):
            if c.role == "source":
                return self.end(c.where, "l.source_id")
            if c.role == "target":
                return self.end(c.where, "l.target_id")
            if c.role == "either":
                return _or([self.end(c.where, "l.source_id"), self.end(c.where, "l.target_id")])
            if out is None:
                raise ValueError("counterpart needs a unit the link is seen from")
            return self.end(c.where, "l.target_id" if out else "l.source_id")
        if isinstance(c, Direction):
            if out is None:
                raise ValueError("direction needs a unit the link is seen from")
            return TRUE if c.out == out else FALSE
        if isinstance(c, All):
            return _and([self.link(p, out, anchor) for p in c.parts])
        if isinstance(c, AnyOf):
            return _or([self.link(p, out, anchor) for p in c.parts])
        if isinstance(c, Not):
            return _not(self.link(c.part, out, anchor))
        raise ValueError(f"{type(c).__name__} is not a link condition")

    def anchored(self, where: Cond | None, anchor: str, columns: str, tables: str = "links l") -> str | None:
        """``SELECT columns FROM tables WHERE l.source_id = anchor AND … UNION … target …``, the
        branches that can match; None when neither can. ``anchor`` is a column, no parameter."""
        branches = []
        for out, col in ((True, "source_id"), (False, "target_id")):
            cond = self.link(where, out, anchor)
            if cond == FALSE:
                continue
            extra = "" if cond == TRUE else f" AND {cond}"
            branches.append(f"SELECT {columns} FROM {tables} WHERE l.{col} = {anchor}{extra}")
        return " UNION ".join(branches) if branches else None


def _nulls(expr: str, descending: bool) -> str:
    return f"{expr} DESC NULLS FIRST" if descending else f"{expr} ASC NULLS LAST"


def _unit_order(order: Sequence[Order], v: str = "v") -> str:
    keys = []
    for o in [*order, Order("id")]:
        if o.field not in UNIT_ORDER_FIELDS:
            raise ValueError(f"units cannot be ordered by {o.field!r}")
        keys.append(_nulls(f"{v}.{o.field}", o.descending))
    return ", ".join(keys)


def _link_order(order: Sequence[Order], l: str = "l") -> str:  # noqa: E741
    keys = []
    for o in [*order, Order("date"), Order("id")]:
        if o.field not in LINK_ORDER_FIELDS:
            raise ValueError(f"links cannot be ordered by {o.field!r}")
        keys.append(_nulls(f"{l}.{o.field}", o.descending))
    return ", ".join(keys)


def _limit(comp: _Compiler, offset: int, limit: int | None) -> str:
    return f" LIMIT {comp.p(-1 if limit is None else limit)} OFFSET {comp.p(offset)}"


def find_units(where: Cond | None, order: Sequence[Order], offset: int, limit: int | None) -> Sql:
    """Rows of UNIT_COLS and the total (every row carries it; none for an empty page)."""
    check_unit_cond(where)
    comp = _Compiler()
    cond = comp.unit(where, "v")
    cols = ", ".join(f"v.{c}" for c in UNIT_COLS)
    text = f"SELECT {cols}, COUNT(*) OVER () FROM units v WHERE {cond} ORDER BY {_unit_order(order)}"
    return Sql(text + _limit(comp, offset, limit), comp.params)


def count_units(where: Cond | None) -> Sql:
    comp = _Compiler()
    return Sql(f"SELECT COUNT(*) FROM units v WHERE {comp.unit(where, 'v')}", comp.params)


def find_links(where: Cond | None, order: Sequence[Order], offset: int, limit: int | None) -> Sql:
    """Rows of LINK_COLS and the total (every row carries it; none for an empty page)."""
    check_link_cond(where, anchored=False)
    comp = _Compiler()
    cond = comp.link(where, None, None)
    cols = ", ".join(f"l.{c}" for c in LINK_COLS)
    text = f"SELECT {cols}, COUNT(*) OVER () FROM links l WHERE {cond} ORDER BY {_link_order(order)}"
    return Sql(text + _limit(comp, offset, limit), comp.params)


def count_links(where: Cond | None) -> Sql:
    comp = _Compiler()
    return Sql(f"SELECT COUNT(*) FROM links l WHERE {comp.link(where, None, None)}", comp.params)


def links_of_units(ids: Sequence[str], where: Cond | None, order: Sequence[Order], offset: int,
                   limit: int | None) -> Sql:  # fmt: skip
    """Rows of (unit id, LINK_COLS…, total, position): the page of each unit, and its first row
    (position 1) whatever the window, which carries the total."""
    check_link_cond(where, anchored=True)
    comp = _Compiler()
    head = f"WITH a(value) AS (SELECT value FROM json_each({comp.p(json.dumps(list(dict.fromkeys(ids))))}))"
    cols = ", ".join(f"l.{c}" for c in LINK_COLS)
    union = comp.anchored(where, "a.value", f"a.value AS uid, {cols}", tables="a, links l")
    if union is None:
        return Sql("SELECT NULL WHERE 0", {})
    window = (
        f"SELECT uid, {', '.join(LINK_COLS)}, COUNT(*) OVER (PARTITION BY uid), "
        f"ROW_NUMBER() OVER (PARTITION BY uid ORDER BY {_link_order(order, 'm')}) AS pos FROM ({union}) AS m"
    )
    hi = 2**62 if limit is None else offset + limit
    text = f"{head} SELECT * FROM ({window}) WHERE pos = 1 OR (pos > {comp.p(offset)} AND pos <= {comp.p(hi)}) ORDER BY uid, pos"
    return Sql(text, comp.params)


def aggregate_units(where: Cond | None) -> Sql:
    """Rows of (kind, level, region_code, n)."""
    check_unit_cond(where)
    comp = _Compiler()
    cond = comp.unit(where, "v")
    return Sql(f"SELECT v.kind, v.level, v.region_code, COUNT(*) FROM units v WHERE {cond} GROUP BY 1, 2, 3",
               comp.params)  # fmt: skip


_GROUP_SQL = {
    "kind": "l.kind",
    "family": "l.family",
    "year": "l.year",
    "month": "substr(l.date, 1, 7)",
    "source_level": "(SELECT s.level FROM units s WHERE s.id = l.source_id)",
    "source_id": "l.source_id",
    "target_id": "l.target_id",
    "date": "l.date",
}
assert set(_GROUP_SQL) == set(LINK_GROUPS)


def aggregate_links(where: Cond | None, group_by: Sequence[str]) -> Sql:
    """Rows of (key values…, records, count, participants, first, last); none if nothing matches."""
    check_link_cond(where, anchored=False)
    comp = _Compiler()
    cond = comp.link(where, None, None)
    for g in group_by:
        if g not in _GROUP_SQL:
            raise ValueError(f"links cannot be grouped by {g!r}")
    keys = [_GROUP_SQL[g] for g in group_by]
    select = ", ".join([*keys, "COUNT(*)", "SUM(l.count)", "SUM(COALESCE(l.participants, 0))", "MIN(l.date)",
                        "MAX(l.date)"])  # fmt: skip
    group = (" GROUP BY " + ", ".join(str(i + 1) for i in range(len(keys)))) if keys else ""
    return Sql(f"SELECT {select} FROM links l WHERE {cond}{group} HAVING COUNT(*) > 0", comp.params)


def unit_timelines(ids: Sequence[str], years: Sequence[int]) -> Sql:
    """Rows of (unit id, year, family, records, count, participants)."""
    ids_json = json.dumps(list(dict.fromkeys(ids)), ensure_ascii=False)
    years_json = json.dumps(sorted(set(years)))
    branch = (
        "SELECT a.value AS uid, l.id, l.year, l.family, l.count, l.participants FROM json_each(:ids) a "
        "JOIN links l ON l.{col} = a.value WHERE l.year IN (SELECT value FROM json_each(:years))"
    )
    union = branch.format(col="source_id") + " UNION " + branch.format(col="target_id")
    text = (
        f"SELECT uid, year, family, COUNT(*), SUM(count), SUM(COALESCE(participants, 0)) FROM ({union}) "
        "GROUP BY uid, year, family ORDER BY uid, year, family"
    )
    return Sql(text, {"ids": ids_json, "years": years_json})
