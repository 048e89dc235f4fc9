"""Filters, orderings and aggregates (:mod:`graph.store.filters`) compiled to one Cypher statement.

Every value travels as a parameter (``$p0``, ``$p1`` …); labels, relationship types and property
names come only from the schema (:mod:`graph.store.cypher`'s whitelists and the field tables of
:mod:`graph.store.filters`), never from a request.

How a tree becomes Cypher:

* A link condition is compiled once per relationship type and, seen from a unit, once per
  direction: each branch knows its family and whether the unit is the source, so ``family`` and
  ``direction`` fold to true or false there, and a branch that folds to false is left out. What
  is left is a ``UNION`` of directed, single-type patterns: one relationship-index seek per type
  for a ``year``, and a link from a unit to itself counted once.
* ``hasLink`` is ``COUNT { MATCH (u)-[r:T]->(o) WHERE … RETURN r UNION … } >= $n``, expanded from
  the unit in hand (the link condition's own ``hasLink``, at the other end, nests the same way).
* ``regionWithin`` reads the region's subtree once, before the match (``WITH [...] AS rw0``).
* A comparison with a missing property is false, never null, so ``NOT`` means the same as in
  Python (:class:`graph.store.filters.Evaluator`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model.vocabulary import vocabulary
from . import cypher, cypher_reads
from .cypher_load import UNSEEN, UNSEEN_EXPR, VISIBILITY_HEAD, visible
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

__all__ = [
    "Statement",
    "find_units",
    "find_links",
    "links_of_units",
    "aggregate_units",
    "aggregate_links",
    "unit_timelines",
]

TRUE, FALSE = "true", "false"
_VOCAB = vocabulary()
#: relationship type -> family, and family -> relationship type (schema whitelists)
FAMILY_OF_REL: dict[str, str] = {_VOCAB.rel_type(f): f for f in _VOCAB.families}
LABEL_OF_KIND: dict[str, str] = {k.name: k.label for k in _VOCAB.unit_kinds.values()}
assert set(FAMILY_OF_REL) == set(cypher.REL_TYPES)
assert set(LABEL_OF_KIND.values()) == set(cypher.UNIT_LABELS)

_CMP = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _and(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p != TRUE]
    if FALSE in kept:
        return FALSE
    if not kept:
        return TRUE
    return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"


def _or(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p != FALSE]
    if TRUE in kept:
        return TRUE
    if not kept:
        return FALSE
    return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"


def _not(part: str) -> str:
    if part == TRUE:
        return FALSE
    if part == FALSE:
        return TRUE
    return "NOT " + part if part.startswith("(") else "NOT (" + part + ")"


def _family_expr(r: str) -> str:
    return (
        "CASE type("
        + r
        + ") "
        + " ".join(f"WHEN '{t}' THEN '{f}'" for t, f in FAMILY_OF_REL.items())
        + " END"
    )


def _unit_map(v: str) -> str:
    return "{" + ", ".join(f"{p}: {v}.{p}" for p in cypher_reads.UNIT_ROW_FIELDS) + "}"


def _link_map(r: str, s: str, t: str) -> str:
    props = ("id", "kind", "date", "count", "participants", "title", "source_file", "source_row")
    return (
        "{" + ", ".join(f"{p}: {r}.{p}" for p in props)
        + f", family: {_family_expr(r)}, source_id: {s}.id, target_id: {t}.id}}"
    )  # fmt: skip


@dataclass(frozen=True)
class _Ctx:
    """A link seen in one branch: its variables, its (known) type, and from which unit."""

    r: str
    s: str
    t: str
    rel: str
    out: bool | None = None  # seen from a unit: whether that unit is the source
    other: str | None = None  # seen from a unit: the variable of the other end


@dataclass(frozen=True)
class Statement:
    text: str
    params: dict[str, Any]


class _Compiler:
    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        # (variable, expression) computed before the match: first the unseen load tags (cypher_load)
        self.prelude: list[tuple[str, str]] = [(UNSEEN, UNSEEN_EXPR)]
        self._n = 0

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = list(value) if isinstance(value, tuple) else value
        return "$" + name

    def fresh(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    @property
    def imports(self) -> list[str]:
        return [v for v, _ in self.prelude]

    def head(self) -> str:
        if not self.prelude:
            return ""
        return "WITH " + ", ".join(f"{expr} AS {v}" for v, expr in self.prelude) + "\n"

    # -- comparisons ------------------------------------------------------------------------
    def _compare(self, prop: str, op: str, value: Any, nullable: bool) -> str:
        if op == "in":
            text = f"{prop} IN {self.param(value)}"
        elif op == "contains":
            text = f"{prop} CONTAINS {self.param(value)}"
        elif op == "icontains":
            text = f"toLower({prop}) CONTAINS {self.param(value.lower())}"
        elif op == "starts_with":
            text = f"{prop} STARTS WITH {self.param(value)}"
        else:
            text = f"{prop} {_CMP[op]} {self.param(value)}"
        return f"({prop} IS NOT NULL AND {text})" if nullable else text

    # -- units --------------------------------------------------------------------------------
    def unit(self, c: Cond | None, v: str) -> str:
        if c is None:
            return TRUE
        if isinstance(c, Field):
            if c.name not in UNIT_FIELDS:  # checked before; the property name comes from the table
                raise ValueError(f"unknown unit field {c.name!r}")
            return self._compare(f"{v}.{c.name}", c.op, c.value, c.name in NULLABLE_UNIT_FIELDS)
        if isinstance(c, RegionWithin):
            var = f"rw{len(self.prelude)}"
            p = self.param(c.code)
            self.prelude.append(
                (var, f"[{p}] + [(rc:Region {{parent_code: {p}}})<-[:WITHIN*0..]-(rs:Region) | rs.code]")
            )
            return f"({v}.region_code IS NOT NULL AND {v}.region_code IN {var})"
        if isinstance(c, HasLink):
            return self.has_link(c, v)
        if isinstance(c, All):
            return _and([self.unit(p, v) for p in c.parts])
        if isinstance(c, AnyOf):
            return _or([self.unit(p, v) for p in c.parts])
        if isinstance(c, Not):
            return _not(self.unit(c.part, v))
        raise ValueError(f"{type(c).__name__} is not a unit condition")

    def anchored_branches(self, where: Cond | None, v: str, returns: str) -> list[str]:
        """``MATCH`` branches of the links at unit ``v`` matching ``where``, one per type and
        direction that can match; ``returns`` is the RETURN clause, in terms of r, s, t."""
        r, o = self.fresh("r"), self.fresh("o")
        branches = []
        for rel in cypher.REL_TYPES:
            for out in (True, False):
                s, t = (v, o) if out else (o, v)
                cond = self.link(where, _Ctx(r, s, t, rel, out, o))
                if cond == FALSE:
                    continue
                cond = _and([cond, visible(r)])
                pattern = f"({v})-[{r}:{rel}]->({o})" if out else f"({v})<-[{r}:{rel}]-({o})"
                where_text = "" if cond == TRUE else f" WHERE {cond}"
                ret = returns.replace("$r", r).replace("$s", s).replace("$t", t)
                branches.append(f"MATCH {pattern}{where_text} RETURN {ret}")
        return branches

    def has_link(self, c: HasLink, v: str) -> str:
        if c.at_least <= 0 and c.at_least_events <= 0:
            return TRUE
        branches = self.anchored_branches(c.where, v, "$r AS hit")
        if not branches:
            return FALSE
        union = " UNION ".join(branches)
        if c.at_least_events <= 0:
            return f"COUNT {{ {union} }} >= {self.param(c.at_least)}"
        x, a, y = self.fresh("x"), self.fresh("a"), self.fresh("y")
        return (
            f"all({x} IN [COLLECT {{ {union} }}] WHERE size({x}) >= {self.param(c.at_least)} AND "
            f"reduce({a} = 0, {y} IN {x} | {a} + {y}.count) >= {self.param(c.at_least_events)})"
        )

    # -- links --------------------------------------------------------------------------------
    def link(self, c: Cond | None, ctx: _Ctx) -> str:
        if c is None:
            return TRUE
        if isinstance(c, Field):
            if c.name not in LINK_FIELDS:
                raise ValueError(f"unknown link field {c.name!r}")
            if c.name == "family":  # the branch's type says it
                family = FAMILY_OF_REL[ctx.rel]
                hit = family == c.value if c.op == "eq" else family in c.value
                return TRUE if hit else FALSE
            return self._compare(f"{ctx.r}.{c.name}", c.op, c.value, c.name in NULLABLE_LINK_FIELDS)
        if isinstance(c, End):
            if c.role == "source":
                return self.unit(c.where, ctx.s)
            if c.role == "target":
                return self.unit(c.where, ctx.t)
            if c.role == "either":
                return _or([self.unit(c.where, ctx.s), self.unit(c.where, ctx.t)])
            if ctx.other is None:
                raise ValueError("counterpart needs a unit the link is seen from")
            return self.unit(c.where, ctx.other)
        if isinstance(c, Direction):
            if ctx.out is None:
                raise ValueError("direction needs a unit the link is seen from")
            return TRUE if c.out == ctx.out else FALSE
        if isinstance(c, All):
            return _and([self.link(p, ctx) for p in c.parts])
        if isinstance(c, AnyOf):
            return _or([self.link(p, ctx) for p in c.parts])
        if isinstance(c, Not):
            return _not(self.link(c.part, ctx))
        raise ValueError(f"{type(c).__name__} is not a link condition")

    def link_branches(self, where: Cond | None) -> list[str]:
        """``MATCH (s)-[r:T]->(t) WHERE … RETURN s, r, t``, one per type that can match. An end
        picked by id (``source: {id: …}``) is labelled ``:Unit`` so that the match starts at it
        (the id index); ``unit: {id: …}`` (either end) becomes two branches, one per end."""
        out = []
        for cond_tree in _split_either(where):
            ends = _id_ends(cond_tree)
            s_pat = "s:Unit" if "source" in ends else "s"
            t_pat = "t:Unit" if "target" in ends else "t"
            for rel in cypher.REL_TYPES:
                cond = self.link(cond_tree, _Ctx("r", "s", "t", rel))
                if cond == FALSE:
                    continue
                where_text = f" WHERE {_and([cond, visible('r')])}"  # never TRUE: a link is checked
                out.append(f"MATCH ({s_pat})-[r:{rel}]->({t_pat}){where_text} RETURN s, r, t")
        return out


def _top(c: Cond | None) -> tuple[Cond, ...]:
    if c is None:
        return ()
    return c.parts if isinstance(c, All) else (c,)


def _by_id(c: Cond) -> bool:
    return any(isinstance(p, Field) and p.name == "id" and p.op in ("eq", "in") for p in _top(c))


def _id_ends(where: Cond | None) -> set[str]:
    return {p.role for p in _top(where) if isinstance(p, End) and _by_id(p.where)}


def _split_either(where: Cond | None) -> list[Cond | None]:
    """``where`` itself, or, when it asks for either end by id, the same asked of the source and
    of the target (the union of the two answers is the answer)."""
    parts = _top(where)
    for i, p in enumerate(parts):
        if isinstance(p, End) and p.role == "either" and _by_id(p.where):
            rest = parts[:i] + parts[i + 1 :]
            return [All((*rest, End("source", p.where))), All((*rest, End("target", p.where)))]
    return [where]


def _unit_order(order: Sequence[Order], v: str = "u") -> str:
    keys = []
    for o in [*order, Order("id")]:
        if o.field not in UNIT_ORDER_FIELDS:
            raise ValueError(f"units cannot be ordered by {o.field!r}")
        keys.append(f"{v}.{o.field}" + (" DESC" if o.descending else ""))
    return ", ".join(keys)


def _link_order(order: Sequence[Order], r: str = "r") -> str:
    keys = []
    for o in [*order, Order("date"), Order("id")]:
        if o.field not in LINK_ORDER_FIELDS:
            raise ValueError(f"links cannot be ordered by {o.field!r}")
        expr = _family_expr(r) if o.field == "family" else f"{r}.{o.field}"
        keys.append(expr + (" DESC" if o.descending else ""))
    return ", ".join(keys)


def _label(where: Cond | None) -> str:
    """``:Unit:<Label>`` when the condition requires one kind at its top level, else ``:Unit``."""
    parts = where.parts if isinstance(where, All) else (where,)
    for p in parts:
        if isinstance(p, Field) and p.name == "kind" and p.op == "eq" and p.value in LABEL_OF_KIND:
            return ":Unit:" + LABEL_OF_KIND[p.value]
    return ":Unit"


def _slice() -> str:
    return "CASE WHEN $end IS NULL THEN matched[$skip..] ELSE matched[$skip..$end] END"


def _match_units(comp: _Compiler, where: Cond | None) -> str:
    check_unit_cond(where)
    cond = comp.unit(where, "u")
    text = f"MATCH (u{_label(where)})\n"
    if cond != TRUE:
        text += f"WHERE {cond}\n"
    return comp.head() + text


def find_units(where: Cond | None, order: Sequence[Order], *, parents: bool, regions: bool,
               children: bool) -> Statement:  # fmt: skip
    """One record: ``total`` and ``page``, a list of [unit, parent or null, region or null,
    children or null] for the page ($skip, $end as Python's slice)."""
    comp = _Compiler()
    match = _match_units(comp, where)
    columns = [_unit_map("u")]
    columns.append(
        f"head(COLLECT {{ MATCH (p:Unit {{id: u.parent_id}}) RETURN {_unit_map('p')} AS m }})"
        if parents
        else "null"
    )
    columns.append(
        "head(COLLECT { MATCH (g:Region {code: u.region_code}) RETURN g {.code, .name, .level, .parent_code} AS m })"
        if regions
        else "null"
    )
    columns.append(
        f"COLLECT {{ MATCH (c:Unit {{parent_id: u.id}}) RETURN {_unit_map('c')} AS m ORDER BY c.id }}"
        if children
        else "null"
    )
    text = (
        match
        + f"WITH u ORDER BY {_unit_order(order)}\n"
        + "WITH collect(u) AS matched\n"
        + f"RETURN size(matched) AS total, [u IN {_slice()} | [{', '.join(columns)}]] AS page\n"
    )
    return Statement(text, comp.params)


def _links_union(comp: _Compiler, where: Cond | None) -> str | None:
    check_link_cond(where, anchored=False)
    branches = comp.link_branches(where)
    if not branches:
        return None
    # two branches can find the same link only where either end was split in two: UNION there
    union = "UNION" if len(_split_either(where)) > 1 else "UNION ALL"
    return (
        comp.head()
        + "CALL (" + ", ".join(comp.imports) + ") {\n  "
        + f"\n  {union}\n  ".join(branches)
        + "\n}\n"
    )  # fmt: skip


def find_links(where: Cond | None, order: Sequence[Order], *, ends: bool) -> Statement:
    """One record: ``total`` and ``page``, a list of [link, source or null, target or null]."""
    comp = _Compiler()
    union = _links_union(comp, where)
    if union is None:
        return Statement("RETURN 0 AS total, [] AS page", {})
    item = (
        f"[{_link_map('x[0]', 'x[1]', 'x[2]')}, "
        + (f"{_unit_map('x[1]')}, {_unit_map('x[2]')}]" if ends else "null, null]")
    )  # fmt: skip
    text = (
        union
        + f"WITH s, r, t ORDER BY {_link_order(order)}\n"
        + "WITH collect([r, s, t]) AS matched\n"
        + f"RETURN size(matched) AS total, [x IN {_slice()} | {item}] AS page\n"
    )
    return Statement(text, comp.params)


def links_of_units(where: Cond | None, order: Sequence[Order], *, ends: bool) -> Statement:
    """Per unit of $ids that has any: ``id``, ``total`` and ``page`` as :func:`find_links`."""
    comp = _Compiler()
    check_link_cond(where, anchored=True)
    branches = comp.anchored_branches(where, "u", "$r AS r, $s AS s, $t AS t")
    if not branches:
        return Statement("UNWIND [] AS id RETURN id, 0 AS total, [] AS page", {})
    item = (
        f"[{_link_map('x[0]', 'x[1]', 'x[2]')}, "
        + (f"{_unit_map('x[1]')}, {_unit_map('x[2]')}]" if ends else "null, null]")
    )  # fmt: skip
    text = (
        comp.head()
        + "UNWIND $ids AS id\nMATCH (u:Unit {id: id})\nUSING INDEX SEEK u:Unit(id)\n"
        + "CALL (" + ", ".join(["u", *comp.imports]) + ") {\n  "
        + "\n  UNION\n  ".join(branches)
        + "\n}\n"
        + f"WITH id, s, r, t ORDER BY id, {_link_order(order)}\n"
        + "WITH id, collect([r, s, t]) AS matched\n"
        + f"RETURN id, size(matched) AS total, [x IN {_slice()} | {item}] AS page\n"
    )  # fmt: skip
    return Statement(text, comp.params)


def aggregate_units(where: Cond | None) -> Statement:
    """Records of (kind, level, region, n)."""
    comp = _Compiler()
    match = _match_units(comp, where)
    text = match + "RETURN u.kind AS kind, u.level AS level, u.region_code AS region, count(*) AS n\n"
    return Statement(text, comp.params)


_GROUP_EXPR = {
    "kind": "r.kind",
    "family": _family_expr("r"),
    "year": "r.year",
    "month": "substring(toString(r.date), 0, 7)",
    "source_level": "s.level",
}
_GROUP_EXPR |= {"source_id": "s.id", "target_id": "t.id", "date": "toString(r.date)"}  # store.scoped
assert set(_GROUP_EXPR) == set(LINK_GROUPS)


def aggregate_links(where: Cond | None, group_by: Sequence[str]) -> Statement:
    """Records of (key, records, count, participants, first, last); none if nothing matches."""
    comp = _Compiler()
    union = _links_union(comp, where)
    if union is None:
        return Statement("UNWIND [] AS x RETURN x", {})
    keys = []
    for g in group_by:
        if g not in _GROUP_EXPR:
            raise ValueError(f"links cannot be grouped by {g!r}")
        keys.append(_GROUP_EXPR[g])
    text = (
        union
        + f"WITH [{', '.join(keys)}] AS key, count(r) AS records, sum(r.count) AS count,\n"
        + "     sum(coalesce(r.participants, 0)) AS participants, min(r.date) AS first, max(r.date) AS last\n"
        + "WHERE records > 0\n"
        + "RETURN key, records, count, participants, first, last\n"
    )
    return Statement(text, comp.params)


# $ids, $years: per unit that exists, rows of [year, relationship type, records, count, participants]
UNIT_TIMELINES = f"""
{VISIBILITY_HEAD}UNWIND $ids AS id
MATCH (u:Unit {{id: id}})
USING INDEX SEEK u:Unit(id)
RETURN id, COLLECT {{
  MATCH (u)-[r:{"|".join(cypher.REL_TYPES)}]-()
  WHERE r.year IN $years AND {visible("r")}
  WITH DISTINCT r
  WITH r.year AS year, type(r) AS rel, count(*) AS records, sum(r.count) AS count,
       sum(coalesce(r.participants, 0)) AS participants
  RETURN [year, rel, records, count, participants]
}} AS rows
"""


def unit_timelines() -> Statement:
    return Statement(UNIT_TIMELINES, {})
