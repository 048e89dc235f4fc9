"""From the store's projection to the graphs the analyses read.

:func:`graph.queries.projection.project` gives a MultiDiGraph of *units*: a bureau, its party committee
and each of its branches are separate nodes, and a report sent by the committee is an edge from
the committee. Party-building offices ask about *bureaus*, so most analyses read a collapsed
graph in which the bureau side (the bureau, its party committee, that committee's branches) is
one node, the tax bureau's id. Local bodies stay separate: a bureau's contact with its
organization department and with its propaganda department are different channels.

Three views are built here, all from one projection:

* :func:`collapse` — a DiGraph of link edges summed per (bureau-or-local, bureau-or-local) pair
  for chosen years, with ``count``, ``by_family``, ``by_kind`` and ``tie`` (``horizontal`` between
  the tax side and the local side, ``tax`` or ``local`` within one side);
* :func:`line_pairs` — the vertical line, collapsed: bureau → superior bureau, local department →
  local committee, local committee → the committee one level up;
* :func:`tie_graph` — an undirected simple Graph of both (the structure every year, links of the
  chosen years), for density, E-I and betweenness.

Years: a projection made with ``project(store, [2019, 2020])`` carries ``count_2019`` and
``count_2020`` on each link edge; analyses pick the year they need, so one projection serves all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import networkx as nx

from ..queries.projection import project
from ..store.base import Store

__all__ = [
    "BUREAU_KIND",
    "BUREAU_LEVELS",
    "YearSpec",
    "project_years",
    "graph_years",
    "check_years",
    "year_count",
    "bureau_of",
    "bureaus",
    "collapse",
    "line_pairs",
    "tie_graph",
    "partners",
    "unit_row",
]

BUREAU_KIND = "tax_bureau"
#: Bureau levels the analyses report on by default: those the expectation rules bind.
BUREAU_LEVELS: tuple[str, ...] = ("provincial", "prefecture", "county")

#: One year, several years, or None for every year in the projection.
YearSpec = int | Sequence[int] | None


def project_years(store: Store, years: Iterable[int] | None = None) -> nx.MultiDiGraph:
    """Project ``store`` for ``years`` (all years with links when None), with the vertical line.

    A thin wrapper over :func:`graph.queries.projection.project`, kept here so that analysis scripts need
    one import.
    """
    return project(store, sorted(set(years)) if years is not None else None, structure=True)


def graph_years(g: nx.Graph) -> list[int]:
    """The years a projection was made for (its ``years`` graph attribute).

    >>> g = nx.MultiDiGraph(years="2019,2020")
    >>> graph_years(g)
    [2019, 2020]
    """
    text = str(g.graph.get("years", "") or "")
    return [int(y) for y in text.split(",") if y.strip()]


def check_years(g: nx.Graph, years: Iterable[int]) -> None:
    """Raise ValueError unless the projection ``g`` was made for every year in ``years``.

    Why: a year the projection lacks reads as "no contact", which would make every channel look
    lapsed or missing; better to say so.
    """
    have = set(graph_years(g))
    missing = sorted(set(years) - have)
    if missing:
        raise ValueError(
            f"the graph was projected for {sorted(have) or 'no years'}, not {missing}; "
            f"project it with project_years(store, [...]) including those years"
        )


def _as_years(years: YearSpec) -> list[int] | None:
    if years is None:
        return None
    if isinstance(years, int):
        return [years]
    return list(years)


def year_count(data: dict, years: YearSpec) -> int:
    """The ``count`` of one link edge in ``years`` (all projected years when None).

    >>> year_count({"count": 5, "count_2019": 2, "count_2020": 3}, 2020)
    3
    >>> year_count({"count": 5, "count_2019": 2, "count_2020": 3}, [2019, 2020])
    5
    >>> year_count({"count": 5, "count_2019": 2, "count_2020": 3}, None)
    5
    """
    ys = _as_years(years)
    if ys is None:
        return int(data.get("count", 0))
    return sum(int(data.get(f"count_{y}", 0)) for y in ys)


def bureau_of(g: nx.MultiDiGraph) -> dict[str, str]:
    """Map each unit on a bureau side to its tax bureau (a tax bureau maps to itself).

    Follows ``UNDER`` edges from a branch to its committee to its bureau; bureau-side units that
    reach no tax bureau are left out (they stay nodes of their own in :func:`collapse`).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau")
    >>> g.add_node("BPC-1", kind="bureau_party_committee", side="bureau")
    >>> g.add_node("PB-1-01", kind="party_branch", side="bureau")
    >>> _ = g.add_edge("BPC-1", "TB-1", key="UNDER")
    >>> _ = g.add_edge("PB-1-01", "BPC-1", key="UNDER")
    >>> bureau_of(g)
    {'TB-1': 'TB-1', 'BPC-1': 'TB-1', 'PB-1-01': 'TB-1'}
    """
    parent: dict[str, str] = {}
    for u, v, k in g.edges(keys=True):
        if k == "UNDER":
            parent[u] = v
    found: dict[str, str] = {}
    for n, d in g.nodes(data=True):
        if d.get("side") != "bureau":
            continue
        current, seen = n, set()
        while current is not None and current not in seen:
            seen.add(current)
            data = g.nodes[current] if current in g else {}
            if data.get("side") != "bureau":
                break
            if data.get("kind") == BUREAU_KIND:
                found[n] = current
                break
            current = parent.get(current)
    return found


def bureaus(g: nx.Graph, levels: Sequence[str] | None = BUREAU_LEVELS) -> list[str]:
    """Ids of the tax bureaus in ``g`` (of ``levels``; every level when None), sorted."""
    return sorted(
        n
        for n, d in g.nodes(data=True)
        if d.get("kind") == BUREAU_KIND and (levels is None or d.get("level") in levels)
    )


def unit_row(g: nx.Graph, node: str) -> dict[str, str | None]:
    """The identifying fields of a node, for result rows: id, name, kind, level, region_code."""
    d = g.nodes[node] if node in g else {}
    return {
        "id": node,
        "name": d.get("name"),
        "kind": d.get("kind"),
        "level": d.get("level"),
        "region_code": d.get("region_code") or None,
    }


def _tie(side_a: str | None, side_b: str | None) -> str:
    if side_a != side_b:
        return "horizontal"
    return "tax" if side_a == "bureau" else "local"


def collapse(g: nx.MultiDiGraph, years: YearSpec = None) -> nx.DiGraph:
    """Link edges of ``years`` summed per ordered pair, with each bureau side as one node.

    Nodes: every unit of ``g`` that is not absorbed into its bureau, with its attributes. Edges
    (only where the count in ``years`` is positive): ``count``, ``by_family`` and ``by_kind``
    (dicts of counts) and ``tie`` (``horizontal``, ``tax`` or ``local``). Links inside one bureau
    side (a branch reporting to its own committee) disappear.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau")
    >>> g.add_node("BPC-1", kind="bureau_party_committee", side="bureau")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local")
    >>> _ = g.add_edge("BPC-1", "TB-1", key="UNDER")
    >>> _ = g.add_edge("BPC-1", "LPC-1", key="thematic_report", family="reporting", count=2, count_2020=2)
    >>> _ = g.add_edge("TB-1", "LPC-1", key="ad_hoc_report", family="reporting", count=1, count_2020=1)
    >>> h = collapse(g, 2020)
    >>> sorted(h.nodes)
    ['LPC-1', 'TB-1']
    >>> h.edges["TB-1", "LPC-1"]["count"], h.edges["TB-1", "LPC-1"]["tie"]
    (3, 'horizontal')
    """
    side = bureau_of(g)
    h = nx.DiGraph(years=g.graph.get("years", ""))
    for n, d in g.nodes(data=True):
        if side.get(n, n) == n:
            h.add_node(n, **d)
    for u, v, k, d in g.edges(keys=True, data=True):
        if k == "UNDER":
            continue
        c = year_count(d, years)
        if c <= 0:
            continue
        a, b = side.get(u, u), side.get(v, v)
        if a == b:
            continue
        if not h.has_edge(a, b):
            h.add_edge(a, b, count=0, by_family={}, by_kind={},
                       tie=_tie(h.nodes[a].get("side"), h.nodes[b].get("side")))  # fmt: skip
        e = h.edges[a, b]
        e["count"] += c
        fam = d.get("family", "")
        e["by_family"][fam] = e["by_family"].get(fam, 0) + c
        e["by_kind"][k] = e["by_kind"].get(k, 0) + c
    return h


def line_pairs(g: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """The vertical line between collapsed nodes: (child, parent) pairs, sorted.

    A bureau under its superior bureau, a local department under its committee, a local committee
    under the committee one level up. Edges inside one bureau side are dropped.
    """
    side = bureau_of(g)
    pairs = set()
    for u, v, k in g.edges(keys=True):
        if k != "UNDER":
            continue
        a, b = side.get(u, u), side.get(v, v)
        if a != b:
            pairs.add((a, b))
    return sorted(pairs)


def tie_graph(g: nx.MultiDiGraph, years: YearSpec = None, *, structure: bool = True) -> nx.Graph:
    """An undirected simple graph of collapsed nodes: the line (if ``structure``) and link ties.

    Edge attributes: ``line`` (True for a structural tie), ``count`` (links in ``years`` either
    way, 0 for a pure line tie) and ``tie`` (``horizontal``/``tax``/``local``).
    """
    h = collapse(g, years)
    t = nx.Graph(years=h.graph.get("years", ""))
    t.add_nodes_from(h.nodes(data=True))
    if structure:
        for a, b in line_pairs(g):
            if a in t and b in t:
                t.add_edge(a, b, line=True, count=0,
                           tie=_tie(t.nodes[a].get("side"), t.nodes[b].get("side")))  # fmt: skip
    for a, b, d in h.edges(data=True):
        if t.has_edge(a, b):
            t.edges[a, b]["count"] += d["count"]
        else:
            t.add_edge(a, b, line=False, count=d["count"], tie=d["tie"])
    return t


def partners(h: nx.DiGraph, node: str, tie: str = "horizontal") -> dict[str, tuple[int, int]]:
    """For one node of a collapsed graph: neighbour → (count out, count in) over ``tie`` edges."""
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, other, d in h.out_edges(node, data=True):
        if d["tie"] == tie:
            acc[other][0] += d["count"]
    for other, _, d in h.in_edges(node, data=True):
        if d["tie"] == tie:
            acc[other][1] += d["count"]
    return {k: (v[0], v[1]) for k, v in sorted(acc.items())}
