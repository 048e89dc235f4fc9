"""Horizontal versus vertical: tie balance per bureau and prefecture, density, Krackhardt's E-I index.

All three read the collapsed **tie graph** (:func:`~graph.analysis.views.tie_graph`): a bureau
side is one node, local bodies are nodes of their own, and two nodes are tied when the vertical
line joins them (bureau and superior bureau; department and its committee; committee and the
committee above) or when any link of the year runs between them, either way.

Two groups partition it: the **tax side** (tax bureaus; the ``side`` attribute ``bureau``) and the
**local side** (local party committees and their departments and schools).

* **Balance** of a bureau: its horizontal ties (distinct local bodies it has links with) against
  its vertical ties (distinct bureaus it is joined to by the line or by links).
  ``balance = horizontal / (horizontal + vertical)``: 1.0 all horizontal, 0.0 all vertical.
  Prefecture rows sum the ties of the bureaus in the prefecture's group (:func:`graph.rules.region_groups`).
* **E-I index** (Krackhardt and Stern 1988): ``(E - I) / (E + I)`` with E the ties between the
  groups and I the ties within them; +1 when every tie crosses, -1 when none does. ``expected`` is
  the value if every possible tie existed (its baseline depends only on group sizes).
* **Density**: ties present / ties possible, overall, within each side, between the sides, and
  ``counterparts``: the share of (bureau, local body of the bureau's own region) pairs with a link in
  the year — the most direct reading of how dense horizontal contact is where it is expected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from ..model import Region
from ..rules import region_groups
from .views import BUREAU_LEVELS, bureaus, check_years, tie_graph, unit_row

__all__ = ["balance", "ei_index", "density"]

TAX = "bureau"
LOCAL = "local"


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def balance(
    g: nx.MultiDiGraph,
    year: int,
    regions: Iterable[Region] = (),
    levels: Sequence[str] | None = BUREAU_LEVELS,
) -> dict[str, Any]:
    """Horizontal versus vertical ties per bureau and per prefecture group.

    Returns ``{"bureaus": [...], "prefectures": [...]}``. Bureau rows: ``bureau_id``, ``name``,
    ``level``, ``horizontal_ties``, ``vertical_ties``, ``horizontal_events`` (link count with local
    bodies), ``vertical_events`` (link count with other bureaus), ``balance``. Prefecture rows
    (only when ``regions`` are given): ``region_code``, ``name``, ``bureaus`` and the same sums.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-P", kind="tax_bureau", side="bureau", level="prefecture", region_code="1")
    >>> g.add_node("TB-C", kind="tax_bureau", side="bureau", level="county", region_code="2")
    >>> g.add_node("LPC-C", kind="local_party_committee", side="local", region_code="2")
    >>> _ = g.add_edge("TB-C", "TB-P", key="UNDER")
    >>> _ = g.add_edge("TB-C", "LPC-C", key="ad_hoc_report", family="reporting", count=2, count_2020=2)
    >>> [(r["bureau_id"], r["horizontal_ties"], r["vertical_ties"], r["balance"])
    ...  for r in balance(g, 2020)["bureaus"]]
    [('TB-C', 1, 1, 0.5), ('TB-P', 0, 1, 0.0)]
    """
    check_years(g, [year])
    t = tie_graph(g, year)
    rows: list[dict[str, Any]] = []
    for b in bureaus(g, levels):
        h = v = he = ve = 0
        for _other, d in t[b].items() if b in t else ():
            if d["tie"] == "horizontal":
                h += 1
                he += d["count"]
            else:
                v += 1
                ve += d["count"]
        u = unit_row(g, b)
        rows.append({
            "bureau_id": b, "name": u["name"], "level": u["level"], "region_code": u["region_code"],
            "horizontal_ties": h, "vertical_ties": v, "horizontal_events": he, "vertical_events": ve,
            "balance": _ratio(h, h + v),
        })  # fmt: skip
    regions = list(regions)
    prefectures: list[dict[str, Any]] = []
    if regions:
        groups = region_groups(regions)
        names = {r.code: r.name for r in regions}
        acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for r in rows:
            code = groups.get(str(r["region_code"] or ""))
            if code is None:
                continue
            a = acc[code]
            a[0] += 1
            a[1] += r["horizontal_ties"]
            a[2] += r["vertical_ties"]
            a[3] += r["horizontal_events"]
            a[4] += r["vertical_events"]
        for code in sorted(acc):
            n, h, v, he, ve = acc[code]
            prefectures.append({
                "region_code": code, "name": names.get(code), "bureaus": n,
                "horizontal_ties": h, "vertical_ties": v, "horizontal_events": he, "vertical_events": ve,
                "balance": _ratio(h, h + v),
            })  # fmt: skip
    return {"bureaus": rows, "prefectures": prefectures}


def _sides(t: nx.Graph) -> dict[str, str]:
    return {n: (TAX if d.get("side") == TAX else LOCAL) for n, d in t.nodes(data=True)}


def _ei(external: int, internal: int) -> float | None:
    return _ratio(external - internal, external + internal)


def _ei_of(t: nx.Graph, side: dict[str, str]) -> dict[str, Any]:
    ext = int_tax = int_local = 0
    for a, b in t.edges:
        if side[a] != side[b]:
            ext += 1
        elif side[a] == TAX:
            int_tax += 1
        else:
            int_local += 1
    internal = int_tax + int_local
    return {
        "external": ext,
        "internal_tax": int_tax,
        "internal_local": int_local,
        "ei_index": _ei(ext, internal),
        "by_group": {"tax": _ei(ext, int_tax), "local": _ei(ext, int_local)},
    }


def ei_index(g: nx.MultiDiGraph, year: int) -> dict[str, Any]:
    """Krackhardt's E-I index of the tax side against the local side in ``year``.

    Returns ``external``, ``internal_tax``, ``internal_local`` (tie counts), ``ei_index``,
    ``by_group`` (E-I of each side: its external ties against its own internal ties),
    ``expected`` (the E-I of the complete graph on the same groups: the baseline the observed value
    is read against) and ``links_only`` (the same figures without the vertical line, i.e. among
    link ties only).

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau")
    >>> g.add_node("TB-2", kind="tax_bureau", side="bureau")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local")
    >>> _ = g.add_edge("TB-1", "TB-2", key="UNDER")
    >>> _ = g.add_edge("TB-1", "LPC-1", key="visit", family="liaison", count=1, count_2020=1)
    >>> _ = g.add_edge("TB-2", "LPC-1", key="visit", family="liaison", count=1, count_2020=1)
    >>> r = ei_index(g, 2020)
    >>> r["external"], r["internal_tax"], r["ei_index"], r["links_only"]["ei_index"]
    (2, 1, 0.3333333333333333, 1.0)
    """
    check_years(g, [year])
    t = tie_graph(g, year)
    side = _sides(t)
    out = _ei_of(t, side)
    n_tax = sum(1 for s in side.values() if s == TAX)
    n_local = len(side) - n_tax
    possible_ext = n_tax * n_local
    possible_int = n_tax * (n_tax - 1) // 2 + n_local * (n_local - 1) // 2
    out["expected"] = _ei(possible_ext, possible_int)
    links = nx.Graph()
    links.add_nodes_from(t)
    links.add_edges_from((a, b) for a, b, d in t.edges(data=True) if d["count"] > 0)
    lo = _ei_of(links, side)
    out["links_only"] = {k: lo[k] for k in ("external", "internal_tax", "internal_local", "ei_index")}
    return out


def density(g: nx.MultiDiGraph, year: int) -> dict[str, Any]:
    """Densities of the tie graph of ``year``: overall, within and between the sides, counterparts.

    Returns ``nodes``, ``ties``, ``overall`` (:func:`networkx.density`), ``within_tax``,
    ``within_local``, ``between`` (cross-side ties / tax nodes × local nodes) and ``counterparts``
    (``{"pairs", "tied", "density"}``: bureaus and local bodies of the same region, tied by a link
    of the year). Values are None where nothing is possible.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", region_code="1")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local", region_code="1")
    >>> g.add_node("ORG-1", kind="organization_department", side="local", region_code="1")
    >>> _ = g.add_edge("ORG-1", "LPC-1", key="UNDER")
    >>> _ = g.add_edge("TB-1", "LPC-1", key="ad_hoc_report", family="reporting", count=1, count_2020=1)
    >>> d = density(g, 2020)
    >>> d["between"], d["within_local"], d["counterparts"]
    (0.5, 1.0, {'pairs': 2, 'tied': 1, 'density': 0.5})
    """
    check_years(g, [year])
    t = tie_graph(g, year)
    side = _sides(t)
    n_tax = sum(1 for s in side.values() if s == TAX)
    n_local = len(side) - n_tax
    e = _ei_of(t, side)
    region_tax: dict[str, int] = defaultdict(int)
    region_local: dict[str, int] = defaultdict(int)
    for n, d in t.nodes(data=True):
        code = d.get("region_code") or ""
        if not code:
            continue
        if side[n] == TAX:
            region_tax[code] += 1 if d.get("kind") == "tax_bureau" else 0
        else:
            region_local[code] += 1
    pairs = sum(region_tax[c] * region_local.get(c, 0) for c in region_tax)
    tied = sum(
        1
        for a, b, d in t.edges(data=True)
        if d["count"] > 0
        and side[a] != side[b]
        and t.nodes[a].get("region_code")
        and t.nodes[a].get("region_code") == t.nodes[b].get("region_code")
        and "tax_bureau" in (t.nodes[a].get("kind"), t.nodes[b].get("kind"))
    )
    return {
        "nodes": t.number_of_nodes(),
        "ties": t.number_of_edges(),
        "overall": nx.density(t) if t.number_of_nodes() > 1 else None,
        "within_tax": _ratio(e["internal_tax"], n_tax * (n_tax - 1) / 2),
        "within_local": _ratio(e["internal_local"], n_local * (n_local - 1) / 2),
        "between": _ratio(e["external"], n_tax * n_local),
        "counterparts": {"pairs": pairs, "tied": tied, "density": _ratio(tied, pairs)},
    }
