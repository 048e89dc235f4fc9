"""Checks that need the whole load at once: references, parent cycles, region nesting.

They run after every row has been read, so a link may name a unit defined in a later file. The
store is asked once per table for everything the load does not define itself (on Neo4j each call
is a round trip); only re-parenting a unit that the store already holds makes the cycle check
follow stored parent chains, one batched call per level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from ..errors import RowProblem
from ..model import Region, Unit

__all__ = ["Where", "Defined", "Ref", "resolve", "find_cycles", "check_region_levels", "MAX_PARENT_ROUNDS"]

MAX_PARENT_ROUNDS = 64  # deepest parent chain followed in the store when looking for cycles

T = TypeVar("T", Unit, Region)
Where = tuple[str, int]  # (table name, spreadsheet row)
Defined = tuple[T, Where, str]  # (item, where it is defined, label of its parent column)
Ref = tuple[str, str, int, str]  # (id referred to, table name, row, column label)
Fetch = Callable[[Iterable[str]], Mapping[str, T]]


def resolve(
    refs: list[Ref],
    defined: Iterable[str],
    with_ids: Iterable[str],
    fetch: Fetch[T] | None,
    noun: str,
    problems: list[RowProblem],
    more: tuple[set[str], Callable[[set[str]], Iterable[Ref]]] | None = None,
) -> dict[str, T]:
    """Report references to ids neither in the load nor in the store (one store call).

    Returns what the store had, asked together with ``with_ids`` (the load's own ids, so that
    cycle detection knows which loaded items already exist in the store). ``more`` is (ids
    referred to without their places, a function giving the places of those of them that are
    unknown): a load's million link rows are not kept to say where each unit is named.
    """
    wanted = {ref[0] for ref in refs} - set(defined)
    if more is not None:
        wanted |= more[0] - set(defined)
    ask = wanted | set(with_ids)
    found: dict[str, T] = dict(fetch(sorted(ask))) if fetch is not None and ask else {}
    unknown = wanted - found.keys()
    if unknown:
        for ident, name, row, label in refs:
            if ident in unknown:
                message = f'unknown {noun} "{ident}" (not in this load or the store)'
                problems.append(RowProblem(name, row, label, message))
        if more is not None and unknown & more[0]:
            for ident, name, row, label in more[1](unknown & more[0]):
                message = f'unknown {noun} "{ident}" (not in this load or the store)'
                problems.append(RowProblem(name, row, label, message))
    return found


def find_cycles(
    load: Mapping[str, Defined[T]],
    found: Mapping[str, T],
    parent_of: Callable[[T], str | None],
    fetch: Fetch[T] | None,
    noun: str,
    problems: list[RowProblem],
) -> None:
    """Report each parent cycle through loaded items once, on its earliest loaded row.

    Items of the store count with their stored parent. A cycle through the store is only possible
    when the load re-parents an item the store already has; only then are stored chains followed.
    """
    parents = {k: parent_of(v[0]) for k, v in load.items()}
    stored = {k: parent_of(v) for k, v in found.items() if k not in load}
    if fetch is not None and any(k in found for k in load):
        pending = {p for p in stored.values() if p and p not in parents and p not in stored}
        for _ in range(MAX_PARENT_ROUNDS):
            if not pending:
                break
            got = fetch(sorted(pending))
            stored.update({k: parent_of(v) for k, v in got.items()})
            pending = {p for p in map(parent_of, got.values()) if p}
            pending -= parents.keys() | stored.keys()
    graph = {**stored, **parents}
    state: dict[str, int] = {}  # 1: on the path being walked, 2: known to end outside a cycle
    for start in load:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = graph.get(node)
        if node is not None and state[node] == 1:
            cycle = path[path.index(node) :]
            first = min((load[k][1], k) for k in cycle if k in load)[1]
            _, (name, row), label = load[first]
            at = cycle.index(first)
            ring = cycle[at:] + cycle[:at] + [first]
            problems.append(RowProblem(name, row, label, f"{noun} parent cycle: {' → '.join(ring)}"))
        for k in path:
            state[k] = 2


def check_region_levels(
    regions: Mapping[str, Defined[Region]],
    found: Mapping[str, Region],
    levels: list[str],
    problems: list[RowProblem],
) -> None:
    """A region's parent must be of a higher level (``levels`` lists them top down)."""
    rank = {level: i for i, level in enumerate(levels)}
    for code, (region, (name, row), label) in regions.items():
        parent_code = region.parent_code
        if not parent_code:
            continue
        parent = regions[parent_code][0] if parent_code in regions else found.get(parent_code)
        if parent is None or rank.get(parent.level, -1) < rank.get(region.level, -1):
            continue
        if region.level == levels[0]:
            message = f"a {region.level} has no parent region; leave it empty"
        else:
            message = f"{parent_code} is a {parent.level} and cannot contain {code}, a {region.level}"
        problems.append(RowProblem(name, row, label, message))
