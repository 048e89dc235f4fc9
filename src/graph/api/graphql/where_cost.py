"""What filters and aggregates add to a query's cost (issue 17's cost budget, issue 22's fields).

The budget (``api/limits/cost.py`` once it is in) prices fields before anything runs; a ``where``
is priced here from its value as the document (and variables) give it:

* each condition costs 1 (a field filter's each operator, ``regionWithin``, a link's end, a
  direction, each ``AND``/``OR``/``NOT``);
* ``hasLink``/``noLink`` cost :data:`PER_LINK_FILTER` times (1 + their link condition), since they
  read the links of every candidate unit, and nest multiplying.

:data:`FIELD_COSTS` are the weights of the aggregate fields, for the budget's own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["FIELD_COSTS", "PER_LINK_FILTER", "WHERE_ARGUMENTS", "where_cost"]

#: weights of the aggregate fields (``Type.field``): they sum over whatever their where matches
FIELD_COSTS: dict[str, int] = {
    "Query.unitsAggregate": 5,
    "Query.linksAggregate": 10,
}
#: what one hasLink/noLink multiplies its condition by
PER_LINK_FILTER = 10
#: the fields whose ``where`` argument is priced with :func:`where_cost`
WHERE_ARGUMENTS = ("Query.units", "Query.links", "Query.unitsAggregate", "Query.linksAggregate", "Unit.links")

_LINK_FILTERS = ("hasLink", "noLink")
_ENDS = ("source", "target", "unit", "counterpart")


def where_cost(value: Any) -> int:
    """The cost of one ``where`` value (a UnitWhere or LinkWhere as a mapping); 0 for none."""
    if not isinstance(value, Mapping):
        return 0
    cost = 0
    for key, sub in value.items():
        if sub is None:
            continue
        if key in _LINK_FILTERS:
            cost += PER_LINK_FILTER * (1 + where_cost(sub))
        elif key in _ENDS or key == "NOT":
            cost += 1 + where_cost(sub)
        elif key in ("AND", "OR"):
            cost += 1 + sum(where_cost(w) for w in sub if isinstance(sub, list))
        elif isinstance(sub, Mapping):  # a field filter: each operator given
            cost += sum(1 for v in sub.values() if v is not None)
        elif key not in ("atLeast", "atLeastEvents"):
            cost += 1  # regionWithin, direction
    return cost
