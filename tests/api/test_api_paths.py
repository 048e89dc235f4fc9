"""Shortest paths: breadth-first by layers, one store call per hop, smallest ids on ties."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import graph.queries.paths
from graph.errors import NotFound
from graph.model import Dataset, Link, Unit
from graph.queries.paths import shortest_path
from graph.store import Store, open_store


def test_doctests() -> None:
    assert doctest.testmod(graph.queries.paths).failed == 0


@pytest.fixture
def diamond(tmp_path: Path) -> Store:
    """S links to B and A, both link to T; C is two hops further; Z is isolated."""
    import datetime as dt

    def u(i: str) -> Unit:
        return Unit(i, i, "tax_bureau", "county")

    def lk(n: int, a: str, b: str) -> Link:
        return Link(f"L{n}", "visit", "liaison", dt.date(2020, 1, 1), a, b)

    store = open_store(tmp_path / "d.tkg")
    store.write(Dataset(units=[u(i) for i in "SABTCZ"], links=[lk(1, "S", "B"), lk(2, "A", "S"), lk(3, "B", "T"),
                                                                lk(4, "T", "A"), lk(5, "T", "C")]))  # fmt: skip
    return store


def test_ties_go_to_the_smallest_ids_hop_by_hop(diamond: Store) -> None:
    assert shortest_path(diamond, "S", "T") == ["S", "A", "T"]
    assert shortest_path(diamond, "T", "S") == ["T", "A", "S"]
    assert shortest_path(diamond, "S", "C") == ["S", "A", "T", "C"]


def test_limits_and_absence(diamond: Store) -> None:
    assert shortest_path(diamond, "S", "C", max_hops=2) == []
    assert shortest_path(diamond, "S", "Z") == []
    assert shortest_path(diamond, "S", "S") == ["S"]
    assert shortest_path(diamond, "S", "T", max_hops=0) == []
    with pytest.raises(NotFound, match="unknown unit id: NOPE"):
        shortest_path(diamond, "S", "NOPE")
    with pytest.raises(ValueError):
        shortest_path(diamond, "S", "T", max_hops=-1)


def test_one_store_call_per_hop(diamond: Store) -> None:
    calls: list[int] = []
    original = diamond.neighbours

    def counting(ids):  # type: ignore[no-untyped-def]
        ids = list(ids)
        calls.append(len(ids))
        return original(ids)

    diamond.neighbours = counting  # type: ignore[method-assign]
    assert shortest_path(diamond, "S", "C") == ["S", "A", "T", "C"]
    assert calls == [1, 2, 1]  # layers {S}, {A, B}, {T}: one call each, never one per node
