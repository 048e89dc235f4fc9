"""Missing contact: gaps the rules expect, and channels that were alive last year but not this year.

*Gaps* are the rule engine's (:mod:`graph.rules`, contract section 2): a requirement with fewer
links than its minimum. They are re-exported here with names, so that one import answers every
"what is missing" question.

*Lapsed* contact needs no rules: a **channel** is one bureau (its whole side) and one local body in
one link family; it is *alive* in a year when any link of that family runs between them, either
way. A channel alive in year − 1 and not in year is lapsed. This finds the loss of contacts the
rules do not ask for (a county bureau that stopped exchanging information with its committee), and
:func:`lapsed_requirements` gives the rule view (met last year, unmet this year).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx

from .. import rules as _rules
from ..store.base import Store
from .views import BUREAU_LEVELS, bureaus, check_years, collapse, unit_row

__all__ = ["missing", "channels", "lapsed", "revived", "lapsed_requirements"]


def missing(store: Store, year: int, **filters: Any) -> list[dict[str, Any]]:
    """Expected-but-missing contact: the rule engine's gaps, with the bureau's and counterpart's names.

    ``filters`` are passed to :func:`graph.rules.gaps` (``level``, ``region_code``, ``rule``).
    Each row is the contract's gap shape plus ``name`` and ``counterpart_name``.
    """
    found = _rules.gaps(store, year, **filters)
    names = store.get_units(
        {g.unit_id for g in found} | {g.counterpart_id for g in found if g.counterpart_id}
    )
    rows = []
    for gap in found:
        row = gap.as_gap()
        row["name"] = names[gap.unit_id].name if gap.unit_id in names else None
        cp = names.get(gap.counterpart_id) if gap.counterpart_id else None
        row["counterpart_name"] = cp.name if cp else None
        rows.append(row)
    return rows


def channels(g: nx.MultiDiGraph, year: int) -> dict[tuple[str, str, str], int]:
    """Alive channels of ``year``: (bureau, local body, family) → count of links either way.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", level="county")
    >>> g.add_node("ORG-1", kind="organization_department", side="local")
    >>> _ = g.add_edge("TB-1", "ORG-1", key="visit", family="liaison", count=2, count_2020=2)
    >>> _ = g.add_edge("ORG-1", "TB-1", key="meeting_attendance", family="liaison", count=1, count_2020=1)
    >>> channels(g, 2020)
    {('TB-1', 'ORG-1', 'liaison'): 3}
    """
    check_years(g, [year])
    h = collapse(g, year)
    alive: dict[tuple[str, str, str], int] = defaultdict(int)
    for a, b, d in h.edges(data=True):
        if d["tie"] != "horizontal":
            continue
        bureau, local = (a, b) if h.nodes[a].get("side") == "bureau" else (b, a)
        for fam, c in d["by_family"].items():
            alive[(bureau, local, fam)] += c
    return dict(sorted(alive.items()))


def _changed(
    g: nx.MultiDiGraph, before: int, after: int, levels: Sequence[str] | None
) -> list[dict[str, Any]]:
    old, new = channels(g, before), channels(g, after)
    keep = set(bureaus(g, levels))
    rows = []
    for (bureau, local, fam), count in old.items():
        if bureau not in keep or (bureau, local, fam) in new:
            continue
        b, c = unit_row(g, bureau), unit_row(g, local)
        rows.append({
            "bureau_id": bureau, "name": b["name"], "level": b["level"], "region_code": b["region_code"],
            "counterpart_id": local, "counterpart_name": c["name"], "counterpart_kind": c["kind"],
            "family": fam, f"count_{before}": count, f"count_{after}": 0,
        })  # fmt: skip
    return rows


def lapsed(
    g: nx.MultiDiGraph, year: int, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """Channels alive in ``year - 1`` and missing in ``year``, sorted by bureau, counterpart, family.

    ``g`` must be projected for both years (``project_years(store, [year - 1, year])``); a
    ValueError says so otherwise. Rows name the bureau, the counterpart, the family and last
    year's count (``count_<year-1>``).

    >>> g = nx.MultiDiGraph(years="2019,2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", level="county", name="县局")
    >>> g.add_node("PROP-1", kind="propaganda_department", side="local", name="宣传部")
    >>> _ = g.add_edge("TB-1", "PROP-1", key="visit", family="liaison", count=2, count_2019=2)
    >>> [(r["bureau_id"], r["counterpart_id"], r["family"], r["count_2019"]) for r in lapsed(g, 2020)]
    [('TB-1', 'PROP-1', 'liaison', 2)]
    """
    return _changed(g, year - 1, year, levels)


def revived(
    g: nx.MultiDiGraph, year: int, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """The reverse of :func:`lapsed`: channels missing in ``year - 1`` and alive in ``year``."""
    rows = _changed(g, year, year - 1, levels)
    for r in rows:  # present the counts in calendar order
        r[f"count_{year - 1}"], r[f"count_{year}"] = 0, r.pop(f"count_{year}")
    return rows


def lapsed_requirements(store: Store, year: int) -> list[dict[str, Any]]:
    """Requirements met in ``year - 1`` and unmet in ``year`` (the rule engine's view of lapse).

    Rows are gap-shaped (contract section 3) with ``previous_observed`` added. A requirement is the
    same in both years when bureau, rule, counterpart and (for coordination) subordinate agree.
    """
    before = {r.sort_key(): r for r in _rules.evaluate(store, year - 1) if r.met}
    rows = []
    for req in _rules.evaluate(store, year):
        prev = before.get(req.sort_key())
        if prev is not None and not req.met:
            row = req.as_gap()
            row["previous_observed"] = prev.observed
            rows.append(row)
    return rows
