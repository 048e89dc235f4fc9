"""Questions by vertical system (issue 20): a year's totals for one system's units, and the units of
each system.

A system's links are those with one of its units at either end (its units reporting to, or visited
by, local bodies), read from the year's per-pair sums the stores already keep, so neither store
needs a new question.
"""

from __future__ import annotations

from typing import Any

from ..model import Unit
from ..model.systems import DEFAULT_SYSTEM
from ..model.vocabulary import vocabulary
from ..store.base import Store
from .stats import stats

__all__ = ["system_stats", "system_units", "unit_system"]


def unit_system(unit: Unit) -> str | None:
    """A unit's system: what it states, else its kind's system, else (a shared bureau-side kind)
    the default system, implied where none is stored (graph.store.system_filter); None for the
    local side."""
    if unit.system:
        return unit.system
    vocab = vocabulary()
    kind = vocab.unit_kinds.get(unit.kind)
    if kind is None or kind.side != "bureau":
        return None
    return vocab.system_of_kind.get(unit.kind, DEFAULT_SYSTEM)


def system_units(store: Store, system: str) -> list[Unit]:
    """Every unit of ``system``, in id order."""
    vocab = vocabulary()
    kinds = [k for k, spec in vocab.unit_kinds.items() if spec.side == "bureau"]
    return [u for u in store.units_of_kinds(kinds) if unit_system(u) == system]


def system_stats(store: Store, year: int, system: str | None) -> dict[str, Any]:
    """The contract's stats shape; with ``system``, ``units`` counts that system's units and the
    sums cover the year's links with one of them at either end."""
    if system is None:
        return stats(store, year)
    vocab = vocabulary()
    ids = {u.id for u in system_units(store, system)}
    by_kind: dict[str, dict[str, int]] = {}
    records = 0
    for pc in store.pair_counts([year]):
        if pc.source_id in ids or pc.target_id in ids:
            row = by_kind.setdefault(pc.kind, {"count": 0, "participants": 0})
            row["count"] += pc.count
            row["participants"] += pc.participants
            records += pc.records
    by_family: dict[str, dict[str, int]] = {}
    for kind, row in by_kind.items():
        fam = by_family.setdefault(vocab.family_of(kind), {"count": 0, "participants": 0})
        fam["count"] += row["count"]
        fam["participants"] += row["participants"]
    return {
        "year": year,
        "system": system,
        "units": len(ids),
        "links": records,
        "by_family": dict(sorted(by_family.items())),
        "by_kind": dict(sorted(by_kind.items())),
    }
