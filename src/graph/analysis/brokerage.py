"""Who stands between the vertical line and the locality: Gould–Fernandez brokerage and betweenness.

**Gould–Fernandez brokerage** (Gould and Fernandez 1989; not in networkx, implemented here) counts,
for each node ``v``, the two-paths ``a → v → b`` where ``a`` and ``b`` are distinct and not
directly tied ``a → b``, and classifies each by the groups of the three nodes:

==============  =========================  =================================================
role            groups                     reading here
==============  =========================  =================================================
coordinator     a = v = b                  passes things along inside its own side
itinerant       a = b ≠ v                  an outsider connecting two members of one side
                                           (also called consultant)
representative  a = v ≠ b                  carries its own side's business to the other side
gatekeeper      a ≠ v = b                  lets the other side's business into its own side
liaison         a ≠ v, v ≠ b, a ≠ b        connects two groups it belongs to neither of
==============  =========================  =================================================

With the two groups of this domain (tax side, local side) a liaison needs three groups, so it is
always 0; :func:`gould_fernandez` takes any partition and counts it when there are more groups.

The brokerage graph is directed: every link of the year from source to target (who acted on whom),
plus the vertical line in both directions (reports travel up it and instructions down it), with
each bureau side collapsed to its bureau. A county bureau that receives its committee's instruction
and reports up its line is thus a *gatekeeper*, and one that carries the line's instructions to its
locality a *representative*: the 条块 junction the case study is about.

**Betweenness** (:func:`networkx.betweenness_centrality`) is computed on the undirected, unweighted
tie graph (line plus links of the year). Undirected, because in this data direction records
who acted (bureaus visit, leaders attend), not which way information can go once a channel exists;
unweighted, because a link count measures intensity, not distance, and weighting by its inverse
would send every shortest path through the busiest provincial channels. Brokerage keeps what
betweenness drops: direction and group membership.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, Literal

import networkx as nx

from .views import BUREAU_KIND, BUREAU_LEVELS, check_years, collapse, line_pairs, tie_graph, unit_row

__all__ = ["ROLES", "gould_fernandez", "brokerage_graph", "brokerage", "betweenness"]

ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")
#: betweenness: exact up to this many nodes of the tie graph, estimated from pivots above it
EXACT_LIMIT = 2000
SAMPLE_PIVOTS = 200


def _role(ga: Hashable, gv: Hashable, gb: Hashable) -> str:
    if ga == gv == gb:
        return "coordinator"
    if ga == gb:
        return "itinerant"
    if ga == gv:
        return "representative"
    if gv == gb:
        return "gatekeeper"
    return "liaison"


def gould_fernandez(g: nx.DiGraph, groups: Mapping[Hashable, Hashable]) -> dict[Hashable, dict[str, int]]:
    """Gould–Fernandez brokerage role counts of every node of a directed graph.

    ``groups`` maps each node to its group (nodes missing from it form a group of their own,
    ``None``). Returns node → ``{role: count, ..., "total": count}`` for every node. Self-loops
    and parallel edges are ignored (a MultiDiGraph is read as its simple graph).

    >>> g = nx.DiGraph([("a1", "b1"), ("b1", "b2"), ("b2", "c1"), ("a2", "b1")])
    >>> roles = gould_fernandez(g, {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"})
    >>> roles["b1"]["gatekeeper"], roles["b2"]["representative"]
    (2, 1)
    >>> gould_fernandez(nx.DiGraph([("x", "y"), ("y", "z")]), {"x": 1, "y": 2, "z": 3})["y"]["liaison"]
    1
    """
    simple = nx.DiGraph(g) if g.is_multigraph() else g
    out: dict[Hashable, dict[str, int]] = {}
    for v in simple:
        counts = dict.fromkeys(ROLES, 0)
        gv = groups.get(v)
        preds = [a for a in simple.predecessors(v) if a != v]
        succs = [b for b in simple.successors(v) if b != v]
        for a in preds:
            ga = groups.get(a)
            for b in succs:
                if a == b or simple.has_edge(a, b):
                    continue
                counts[_role(ga, gv, groups.get(b))] += 1
        counts["total"] = sum(counts[r] for r in ROLES)
        out[v] = counts
    return out


def brokerage_graph(g: nx.MultiDiGraph, year: int) -> nx.DiGraph:
    """The directed graph brokerage reads: links of ``year`` plus the line both ways, collapsed."""
    check_years(g, [year])
    h = collapse(g, year)
    b = nx.DiGraph()
    b.add_nodes_from(h.nodes(data=True))
    b.add_edges_from(h.edges)
    for child, parent in line_pairs(g):
        if child in b and parent in b:
            b.add_edge(child, parent)
            b.add_edge(parent, child)
    return b


def brokerage(
    g: nx.MultiDiGraph,
    year: int,
    *,
    bureaus_only: bool = False,
    levels: Sequence[str] | None = BUREAU_LEVELS,
) -> list[dict[str, Any]]:
    """Gould–Fernandez roles of ``year`` for nodes that broker anything, busiest first.

    Groups: ``tax`` (the bureau side) and ``local``. Rows: ``id``, ``name``, ``kind``, ``level``,
    ``group``, the five role counts and ``total``; sorted by total descending, then id. With
    ``bureaus_only``, only tax bureaus of ``levels`` (every level when None) are listed, all of
    them, zeros included; the brokerage graph itself always holds every unit.
    """
    b = brokerage_graph(g, year)
    groups = {n: ("tax" if d.get("side") == "bureau" else "local") for n, d in b.nodes(data=True)}
    roles = gould_fernandez(b, groups)
    rows: list[dict[str, Any]] = []
    for n, counts in roles.items():
        data = b.nodes[n]
        is_bureau = data.get("kind") == BUREAU_KIND and (levels is None or data.get("level") in levels)
        if bureaus_only and not is_bureau:
            continue
        if not bureaus_only and counts["total"] == 0:
            continue
        u = unit_row(g, str(n))
        rows.append({"id": n, "name": u["name"], "kind": u["kind"], "level": u["level"],
                     "group": groups[n], **counts})  # fmt: skip
    rows.sort(key=lambda r: (-r["total"], r["id"]))
    return rows


def betweenness(
    g: nx.MultiDiGraph,
    year: int,
    *,
    top: int | None = None,
    k: int | Literal["auto"] | None = "auto",
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Normalised betweenness centrality on the undirected tie graph of ``year``, highest first.

    Rows: ``id``, ``name``, ``kind``, ``level``, ``group``, ``betweenness`` and ``exact``; nodes
    with 0 are left out. ``top`` keeps the first rows only.

    Exact betweenness costs one shortest-path search per node (seconds for a province, hours for
    the whole country), so ``k="auto"`` computes it exactly up to ``EXACT_LIMIT`` nodes and above
    that estimates it from ``SAMPLE_PIVOTS`` source nodes drawn with ``seed`` (networkx's ``k``;
    ``exact`` is then False). ``k=None`` always computes it exactly, an integer uses that many
    pivots.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> for n, side in [("A", "bureau"), ("B", "local"), ("C", "bureau")]:
    ...     g.add_node(n, kind="x", side=side)
    >>> _ = g.add_edge("A", "B", key="visit", family="liaison", count=1, count_2020=1)
    >>> _ = g.add_edge("C", "B", key="visit", family="liaison", count=1, count_2020=1)
    >>> [(r["id"], r["betweenness"], r["exact"]) for r in betweenness(g, 2020)]
    [('B', 1.0, True)]
    """
    check_years(g, [year])
    t = tie_graph(g, year)
    n = t.number_of_nodes()
    pivots = (None if n <= EXACT_LIMIT else SAMPLE_PIVOTS) if k == "auto" else k
    if pivots is not None and pivots >= n:
        pivots = None
    scores = nx.betweenness_centrality(t, k=pivots, normalized=True, seed=seed if pivots else None)
    rows = []
    for node, s in scores.items():
        if s <= 0:
            continue
        u = unit_row(g, node)
        rows.append({"id": node, "name": u["name"], "kind": u["kind"], "level": u["level"],
                     "group": "tax" if t.nodes[node].get("side") == "bureau" else "local",
                     "betweenness": s, "exact": pivots is None})  # fmt: skip
    rows.sort(key=lambda r: (-r["betweenness"], r["id"]))
    return rows[:top] if top is not None else rows
