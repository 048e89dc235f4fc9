"""Bureaus cut off from their locality, and bureaus far below the peers of their level.

**Isolated**: a bureau whose side has no link with any local body in the year.

**Below peers**: a robust score of each bureau's horizontal contact against the bureaus of the
same level, ``z = (x - median) / (1.4826 * MAD)`` (the median absolute deviation scaled to be a
standard deviation for normal data; Iglewicz and Hoaglin's modified z-score). Robust because a few
very busy bureaus (the provincial capital's) must not make everybody else look normal. When more
than half the peers share one value the MAD is 0; the score then uses the mean absolute deviation,
``z = (x - median) / (1.2533 * MeanAD)``, and is 0 for everybody when all values are equal. A level
with fewer than three bureaus has no score (None): there is nobody to compare with.

What is scored (``measure``):

* ``log_events`` (the default): ``x = log(1 + n)`` with ``n`` the bureau's horizontal link count in
  the year, either way. Link counts are right-skewed (a busy bureau has three times the median, a
  quiet one a third of it), and on the raw scale even a bureau with *no* contact sits only about
  −1.5 below the median because the upper tail widens the MAD. On the log scale a third of the
  median and a third above it are equally far away, and zero is far below everybody.
* ``events``: the raw count ``n``, exactly ``(n - median) / (1.4826 * MAD)``.
* ``partners``: the number of distinct local bodies with any link (a small integer, so ties and
  the MAD-is-0 fallback are common).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

import networkx as nx

from .views import BUREAU_LEVELS, bureaus, check_years, collapse, partners, unit_row

__all__ = ["robust_z", "horizontal_activity", "isolated", "peer_scores", "below_peers", "MEASURES"]

MAD_SCALE = 1.4826  # 1 / Phi^-1(3/4): MAD of a normal sample times this estimates sigma
MEANAD_SCALE = 1.2533  # sqrt(pi / 2): mean absolute deviation of a normal sample times this estimates sigma
MIN_PEERS = 3
MEASURES = ("log_events", "events", "partners")


def robust_z(values: Sequence[float]) -> list[float]:
    """Modified z-scores of ``values`` against their median (see the module docstring).

    >>> [round(z, 3) for z in robust_z([10, 12, 11, 13, 2])]
    [-0.674, 0.674, 0.0, 1.349, -6.07]
    >>> [round(z, 3) for z in robust_z([5, 5, 5, 5, 1])]
    [0.0, 0.0, 0.0, 0.0, -3.989]
    >>> robust_z([3, 3, 3])
    [0.0, 0.0, 0.0]
    """
    if not values:
        return []
    med = statistics.median(values)
    deviations = [abs(v - med) for v in values]
    mad = statistics.median(deviations)
    if mad > 0:
        scale = MAD_SCALE * mad
    else:
        mean_ad = sum(deviations) / len(deviations)
        if mean_ad == 0:
            return [0.0 for _ in values]
        scale = MEANAD_SCALE * mean_ad
    return [(v - med) / scale for v in values]


def horizontal_activity(
    g: nx.MultiDiGraph, year: int, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """Per bureau: horizontal link count (both ways) and distinct local partners in ``year``."""
    check_years(g, [year])
    h = collapse(g, year)
    rows = []
    for b in bureaus(g, levels):
        ps = partners(h, b) if b in h else {}
        u = unit_row(g, b)
        rows.append({
            "bureau_id": b, "name": u["name"], "level": u["level"], "region_code": u["region_code"],
            "events": sum(o + i for o, i in ps.values()), "partners": len(ps),
        })  # fmt: skip
    return rows


def isolated(
    g: nx.MultiDiGraph, year: int, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """Bureaus with no horizontal tie at all in ``year`` (no link, either way, with a local body).

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", level="county", name="A")
    >>> g.add_node("TB-2", kind="tax_bureau", side="bureau", level="county", name="B")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local")
    >>> _ = g.add_edge("TB-1", "LPC-1", key="ad_hoc_report", family="reporting", count=1, count_2020=1)
    >>> [r["bureau_id"] for r in isolated(g, 2020)]
    ['TB-2']
    """
    return [
        {k: r[k] for k in ("bureau_id", "name", "level", "region_code")}
        for r in horizontal_activity(g, year, levels)
        if r["events"] == 0
    ]


def peer_scores(
    g: nx.MultiDiGraph,
    year: int,
    *,
    measure: str = "log_events",
    levels: Sequence[str] | None = BUREAU_LEVELS,
) -> list[dict[str, Any]]:
    """Every bureau's horizontal contact scored against the bureaus of its level.

    Rows: ``bureau_id``, ``name``, ``level``, ``region_code``, ``events``, ``partners``,
    ``measure``, ``value`` (the raw count the measure reads: events, or partners), ``peers``
    (bureaus of the level), ``median`` (the peers' median ``value``) and ``z`` (robust z-score of
    the scored quantity; None when the level has fewer than three bureaus). Sorted by ``z``
    ascending (furthest behind first; unscored rows last), then bureau id.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    raw = "partners" if measure == "partners" else "events"
    rows = horizontal_activity(g, year, levels)
    by_level: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_level.setdefault(r["level"], []).append(r)
    out = []
    for level_rows in by_level.values():
        values = [r[raw] for r in level_rows]
        xs = [math.log1p(v) for v in values] if measure == "log_events" else values
        zs: list[float | None] = list(robust_z(xs)) if len(xs) >= MIN_PEERS else [None] * len(xs)
        med = statistics.median(values)
        for r, z in zip(level_rows, zs, strict=True):
            out.append(
                {**r, "measure": measure, "value": r[raw], "peers": len(values), "median": med, "z": z}
            )
    out.sort(key=lambda r: (r["z"] is None, r["z"] if r["z"] is not None else 0.0, r["bureau_id"]))
    return out


def below_peers(
    g: nx.MultiDiGraph,
    year: int,
    *,
    threshold: float = 2.0,
    measure: str = "log_events",
    levels: Sequence[str] | None = BUREAU_LEVELS,
) -> list[dict[str, Any]]:
    """Bureaus whose robust z-score against their level is ``-threshold`` or lower, worst first.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("LPC", kind="local_party_committee", side="local")
    >>> for i, n in enumerate([10, 12, 11, 13, 2]):
    ...     g.add_node(f"TB-{i}", kind="tax_bureau", side="bureau", level="county")
    ...     _ = g.add_edge(f"TB-{i}", "LPC", key="visit", family="liaison", count=n, count_2020=n)
    >>> [(r["bureau_id"], round(r["z"], 2)) for r in below_peers(g, 2020, measure="events")]
    [('TB-4', -6.07)]
    >>> [(r["bureau_id"], r["value"], r["median"]) for r in below_peers(g, 2020)]
    [('TB-4', 2, 11)]
    """
    return [
        r
        for r in peer_scores(g, year, measure=measure, levels=levels)
        if r["z"] is not None and r["z"] <= -threshold
    ]
