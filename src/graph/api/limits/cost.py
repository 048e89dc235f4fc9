"""The cost of a GraphQL operation, computed from the document before anything runs.

As GitHub's and Shopify's GraphQL APIs do, each field has a cost and connections multiply what is
selected inside them by their page size, so the cost grows with what the query can make the
server do, not with what the data happens to hold:

* a field of scalar or enum type costs 0; a field of object type costs its weight, 1 unless
  :data:`FIELD_COSTS` says more (coverage, gaps, shortest paths, statistics), plus what it selects;
* each object of a list costs 1 plus what it selects (an edge: only what it selects);
* a connection (``units``, ``links``, ``linksBetween``, ``Unit.children``, ``Unit.links``)
  multiplies the cost of what its ``edges`` or ``nodes`` select by its page size: ``first``, or the
  largest page size (``TIAOKUAI_MAX_PAGE_SIZE``) where ``first`` is absent; ``totalCount`` and
  ``pageInfo`` are not multiplied;
* a plain list multiplies what it selects by its expected length (:data:`LIST_SIZES`, 10 unless
  said; ``shortestPath`` by ``maxHops + 1``, ``coverageTrend`` by the number of years);
* a ``where`` adds 1 per condition, and ``hasLink``/``noLink`` 10 times (1 + their condition)
  (:mod:`graph.api.graphql.where_cost`);
* fragments count where they are spread; ``__typename`` is free, introspection costs 1 per field.

A query whose cost is over ``TIAOKUAI_MAX_COST`` is refused before any store work (error code
``QUERY_TOO_COSTLY`` with ``cost`` and ``maxCost``); every answer carries its cost in
``extensions.cost``. :func:`describe_costs` writes the weights into the schema's descriptions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
    value_from_ast_untyped,
)

from ..graphql import where_cost

__all__ = [
    "FIELD_COSTS",
    "LIST_SIZES",
    "DEFAULT_LIST_SIZE",
    "Costing",
    "operation_cost",
    "describe_costs",
    "cost_table_markdown",
]

#: weight of a field (``Type.field``), where it is not 1 (objects) or 0 (scalars). The heavy ones
#: compute over a whole year of links (coverage, gaps: the rule engine) or walk the graph.
FIELD_COSTS: dict[str, int] = {
    **where_cost.FIELD_COSTS,  # the aggregates (graph.api.graphql.where_cost)
    "Query.coverage": 50,
    "Query.coverageTrend": 50,  # per year
    "Query.gaps": 50,
    "Query.stats": 10,
    "Query.shortestPath": 50,
    "Unit.coverage": 5,
    "Unit.gaps": 5,
    "Unit.timeline": 5,
    "Unit.counterparts": 2,
    "System.coverage": 50,  # the rule engine, for one system's rules
    "System.unitCount": 2,
    "Region.coverage": 50,
    "Region.verticalUnits": 5,
    "Mutation.upsertRegions": 10,
    "Mutation.upsertUnits": 10,
    "Mutation.recordLinks": 10,
}

#: expected length of a plain list (``Type.field``); others: DEFAULT_LIST_SIZE
LIST_SIZES: dict[str, int] = {
    "Query.regions": 100,
    "Query.gaps": 100,
    "Coverage.units": 100,
    "Coverage.byRegion": 20,
    "Coverage.byLevel": 5,
    "Coverage.bySystem": 5,
    "Query.systems": 5,
    "Region.verticalUnits": 50,
}
DEFAULT_LIST_SIZE = 10

#: the connections' fields whose items are multiplied by the page size
_PAGE_FIELDS = ("edges", "nodes")


@dataclass(frozen=True)
class Costing:
    """What the arithmetic needs from the settings."""

    max_page_size: int
    default_page_size: int


def _is_connection(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and t.name.endswith("Connection") and "edges" in t.fields


def _is_list(t: Any) -> bool:
    if isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        costing: Costing,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = dict(variables)
        self.costing = costing

    def arg(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self.variables)
        return None

    def selection(self, parent: GraphQLObjectType | Any, selection_set: SelectionSetNode | None,
                  page: int, seen: frozenset[str]) -> int:  # fmt: skip
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(parent, sel, page, seen)
            elif isinstance(sel, InlineFragmentNode):
                on = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self.selection(on, sel.selection_set, page, seen)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation refuses it
                    continue
                on = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selection(on, fragment.selection_set, page, seen | {name})
        return total

    def field(self, parent: Any, node: FieldNode, page: int, seen: frozenset[str]) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        if name.startswith("__"):  # introspection: small, bounded by the schema
            return 1
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        definition = fields.get(name)
        if definition is None:  # validation reports it
            return 0
        key = f"{parent.name}.{name}"
        named = get_named_type(definition.type)
        weight = FIELD_COSTS.get(key, 1 if is_composite_type(named) else 0)
        if key in where_cost.WHERE_ARGUMENTS:  # filters: 1 per condition, link filters more
            weight += where_cost.where_cost(self.arg(node, "where"))
        if not is_composite_type(named):
            return weight
        if _is_connection(named):
            first = self.arg(node, "first")
            cap = self.costing.max_page_size
            size = cap if not isinstance(first, int) or isinstance(first, bool) else max(0, min(first, cap))
            return weight + self.selection(named, node.selection_set, size, seen)
        inner = self.selection(named, node.selection_set, 0, seen)
        if _is_list(definition.type):
            if name in _PAGE_FIELDS and _is_connection(parent):
                # nodes: 1 per item and what it selects; edges: what each edge selects (its node)
                return weight + page * (inner if name == "edges" else 1 + inner)
            size = LIST_SIZES.get(key, DEFAULT_LIST_SIZE)
            if key == "Query.shortestPath":
                hops = self.arg(node, "maxHops")
                size = (hops if isinstance(hops, int) and hops >= 0 else 6) + 1
            if key == "Query.coverageTrend":
                years = self.arg(node, "years")
                size = len(years) if isinstance(years, list) else DEFAULT_LIST_SIZE
                weight *= max(size, 1)
            return weight + size * (1 + inner)
        return weight + inner


def operation_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None,
    costing: Costing,
) -> int:
    """The cost of one (validated) operation of a document, with its variables."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    walk = _Walk(schema, fragments, variables or {}, costing)
    return walk.selection(root, operation.selection_set, 0, frozenset())


def _cost_note(key: str) -> str | None:
    weight = FIELD_COSTS.get(key)
    if weight is None:
        return None
    if key == "Query.coverageTrend":
        return f"Cost: {weight} per year."
    if key == "Query.shortestPath":
        return f"Cost: {weight}, and what each unit selects times maxHops + 1."
    return f"Cost: {weight}."


def describe_costs(schema: GraphQLSchema) -> None:
    """Append ``Cost: N.`` to the description of each field that weighs more than the default, and
    the page-size rule to each connection's description (shown in GraphiQL and the SDL)."""
    for type_name, t in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(t, GraphQLObjectType):
            continue
        for field_name, f in t.fields.items():
            note = _cost_note(f"{type_name}.{field_name}")
            named = get_named_type(f.type)
            if note is None and _is_connection(named):
                note = "Cost: 1, plus what its edges or nodes select times `first` (or the page size cap)."
            if note and note not in (f.description or ""):
                f.description = f"{f.description} {note}" if f.description else note


def cost_table_markdown() -> str:
    """The weights as a Markdown table (docs/graphql.md, "Limits"; a test keeps them equal)."""
    rows = ["| field | cost |", "|---|---|"]
    for key, weight in FIELD_COSTS.items():
        rows.append(f"| `{key}` | {weight}{' per year' if key == 'Query.coverageTrend' else ''} |")
    rows.append("| any other field of object type | 1 |")
    rows.append("| a field of scalar or enum type, `__typename` | 0 |")
    rows += ["", "| plain list | expected length |", "|---|---|"]
    for key, size in LIST_SIZES.items():
        rows.append(f"| `{key}` | {size} |")
    rows.append("| `Query.shortestPath` | `maxHops` + 1 |")
    rows.append("| `Query.coverageTrend` | the number of `years` (10 when not given) |")
    rows.append(f"| any other list | {DEFAULT_LIST_SIZE} |")
    rows += [
        "",
        f"A `where` argument (of {', '.join('`' + k + '`' for k in where_cost.WHERE_ARGUMENTS)}) adds 1 "
        f"per condition; `hasLink` and `noLink` add {where_cost.PER_LINK_FILTER} × (1 + their condition).",
    ]
    return "\n".join(rows) + "\n"
