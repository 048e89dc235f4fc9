"""Project a store into a networkx graph for analysis and export.

Nodes are units with their attributes; ``UNDER`` edges carry the vertical line; link edges are
summed per (source, target, kind) with per-year counts as attributes (``count_2020`` …), which is
what Gephi, networkx scripts and the analyses need. Built from batch questions the stores answer
(one catalogue call, one aggregated link call), so Neo4j never ships every link to Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx

from ..model.vocabulary import vocabulary
from ..store.base import Store
from .systems import unit_system

__all__ = ["project"]


def project(store: Store, years: Sequence[int] | None = None, *, structure: bool = True) -> nx.MultiDiGraph:
    """A MultiDiGraph of units and their links in ``years`` (all years when None).

    Edge keys are ``"UNDER"`` for the vertical line and the link kind otherwise; link edges have
    ``family``, ``kind``, ``count`` (also as ``weight``), ``participants``, ``records`` and, for every
    year projected, ``count_<year>`` and ``participants_<year>`` (0 in years without links).
    """
    vocab = vocabulary()
    years = list(years) if years is not None else store.years()
    g = nx.MultiDiGraph(years=",".join(str(y) for y in years))
    units = store.units_of_kinds(list(vocab.unit_kinds))
    for u in units:
        attrs = {
            "label": u.name,  # what Gephi and yEd show on the node
            "name": u.name,
            "kind": u.kind,
            "level": u.level,
            "region_code": u.region_code or "",
            "side": vocab.unit_kinds[u.kind].side,
            "system": unit_system(u) or "",  # the vertical system; "" for the shared local side
        }
        if u.name_en:
            attrs["name_en"] = u.name_en
        g.add_node(u.id, **attrs)
    if structure:
        for u in units:
            if u.parent_id and u.parent_id in g:
                g.add_edge(u.id, u.parent_id, key="UNDER", relation="UNDER", family="structure")
    for pc in store.pair_counts(years):
        key = pc.kind
        if key not in vocab.link_kinds:
            continue  # a kind no file declares any more (a system file removed after its load)
        if g.has_edge(pc.source_id, pc.target_id, key):
            data = g.edges[pc.source_id, pc.target_id, key]
        else:
            g.add_edge(pc.source_id, pc.target_id, key=key, relation=vocab.rel_type(vocab.family_of(key)),
                       family=vocab.family_of(key), kind=key, count=0, participants=0, records=0,
                       weight=0, **{f"count_{y}": 0 for y in years}, **{f"participants_{y}": 0 for y in years})  # fmt: skip
            data = g.edges[pc.source_id, pc.target_id, key]
        data["count"] += pc.count
        data["weight"] = data["count"]  # edge thickness in Gephi
        data["participants"] += pc.participants
        data["records"] += pc.records
        data[f"count_{pc.year}"] += pc.count
        data[f"participants_{pc.year}"] += pc.participants
    return g
