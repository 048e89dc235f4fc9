"""Totals for one year, in the contract's JSON shape (section 3, ``stats``)."""

from __future__ import annotations

from typing import Any

from ..store.base import Store

__all__ = ["stats"]


def stats(store: Store, year: int) -> dict[str, Any]:
    """Units in the store, link records dated in ``year``, and count/participant sums.

    Only kinds and families that occur in the year appear, so a dashboard can tell "none" from
    "not recorded".
    """
    totals = store.link_totals(year)
    by_family: dict[str, dict[str, int]] = {}
    for t in totals:
        fam = by_family.setdefault(t.family, {"count": 0, "participants": 0})
        fam["count"] += t.count
        fam["participants"] += t.participants
    return {
        "year": year,
        "units": store.count_units(),
        "links": sum(t.records for t in totals),
        "by_family": dict(sorted(by_family.items())),
        "by_kind": {t.kind: {"count": t.count, "participants": t.participants} for t in totals},
    }
