"""Look-ahead: which fields a query selects on the items of a connection, before resolving them.

A list resolver that knows its items' ``parent`` and ``region`` will be asked for can fetch them
with the page (``Store.find_units_with``: one Neo4j round trip) and prime the DataLoaders, instead
of the loaders asking the store again once the page is out. Fragments and inline fragments are
looked through; ``@skip``/``@include`` are not evaluated, so a conditionally skipped field only
costs an unused fetch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from .context import Info

__all__ = ["item_fields"]


def _fields(selections: Iterable[Any]) -> Iterable[SelectedField]:
    """The fields among ``selections``, with those inside fragments."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def item_fields(info: Info) -> set[str]:
    """Names (as in the schema, camelCase) of the fields selected on this connection's items,
    through ``edges { node { … } }`` and ``nodes { … }``.

    Remembered per request and field: a nested list (``Unit.links`` of each of 200 units) asks
    the same question once per parent, and building ``info.selected_fields`` is not cheap."""
    cache: dict[tuple[int, ...], set[str]] = info.context.__dict__.setdefault("_item_fields", {})
    key = tuple(map(id, info._raw_info.field_nodes))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _item_fields(info)
    return found


def _item_fields(info: Info) -> set[str]:
    names: set[str] = set()
    for connection in info.selected_fields:
        for field in _fields(connection.selections):
            if field.name == "nodes":
                names.update(f.name for f in _fields(field.selections))
            elif field.name == "edges":
                for node in _fields(field.selections):
                    if node.name == "node":
                        names.update(f.name for f in _fields(node.selections))
    return names
