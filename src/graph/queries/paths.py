"""Shortest paths between two units, computed above the store interface.

Why here and not in Cypher: both stores must return the *same* path when several are equally short,
and Neo4j's ``shortestPath`` picks one arbitrarily. So the search is a plain breadth-first search
that asks the store for one whole layer at a time (:meth:`Store.neighbours` on the frontier: one
store call, one Bolt round trip, per hop) and breaks ties by id.

Adjacency is what :meth:`Store.neighbours` says: the UNDER structure (parent and children) and
links of any family, in either direction.

Tie-break: the frontier is expanded in order and each node's neighbours in ascending id order, and a
node keeps the first parent that reached it. The path returned is therefore the lexicographically
smallest sequence of ids among the shortest paths (compare ids hop by hop from the start).

>>> from graph.model import Dataset, Unit
>>> from graph.store import open_store
>>> import tempfile, pathlib
>>> store = open_store(pathlib.Path(tempfile.mkdtemp()) / "g.tkg")
>>> _ = store.write(Dataset(units=[
...     Unit("A", "a", "tax_bureau", "provincial"),
...     Unit("C", "c", "tax_bureau", "prefecture", parent_id="A"),
...     Unit("B", "b", "tax_bureau", "prefecture", parent_id="A"),
...     Unit("D", "d", "tax_bureau", "county", parent_id="B"),
... ]))
>>> shortest_path(store, "C", "D")
['C', 'A', 'B', 'D']
>>> shortest_path(store, "C", "D", max_hops=2)
[]
"""

from __future__ import annotations

from ..errors import NotFound
from ..store.base import Store

__all__ = ["shortest_path", "DEFAULT_MAX_HOPS"]

DEFAULT_MAX_HOPS = 6


def shortest_path(store: Store, from_id: str, to_id: str, max_hops: int = DEFAULT_MAX_HOPS) -> list[str]:
    """Ids along a shortest path from ``from_id`` to ``to_id``, both included.

    ``[from_id]`` when the two are the same unit; ``[]`` when no path has at most ``max_hops``
    edges. Raises :class:`NotFound` naming the ids that are not units, and :class:`ValueError`
    for a negative ``max_hops``. Store calls: one lookup plus at most ``max_hops`` layer expansions.
    """
    if max_hops < 0:
        raise ValueError(f"max_hops must be at least 0, got {max_hops}")
    found = store.get_units({from_id, to_id})
    missing = sorted({from_id, to_id} - found.keys())
    if missing:
        raise NotFound("unknown unit id: " + ", ".join(missing))
    if from_id == to_id:
        return [from_id]

    parent: dict[str, str | None] = {from_id: None}
    frontier = [from_id]
    for _hop in range(max_hops):
        adjacent = store.neighbours(frontier)
        nxt: list[str] = []
        for node in frontier:
            for near in sorted(adjacent.get(node, ())):
                if near in parent:
                    continue
                parent[near] = node
                if near == to_id:
                    return _walk_back(parent, to_id)
                nxt.append(near)
        if not nxt:
            break
        frontier = nxt
    return []


def _walk_back(parent: dict[str, str | None], end: str) -> list[str]:
    path: list[str] = []
    node: str | None = end
    while node is not None:
        path.append(node)
        node = parent[node]
    path.reverse()
    return path
