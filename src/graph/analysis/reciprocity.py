"""Who initiates horizontal contact: one-sided pairs and reciprocity per bureau.

A link's direction is who acted, as the ledger records it: a visit runs from the bureau side to the
department, a leader attending a bureau meeting from the local body to the bureau, an instruction
from the committee to the bureau. A **pair** is one bureau (its whole side) and one local body. It
is **one-sided** when, over the years considered, all its links run one way: the bureau visits
and reports but the locality never comes (``initiated_by == "bureau"``), or the reverse
(``"locality"``). **Reciprocity** of a bureau is the share of its local partners with links both
ways; its **initiative** is the share of its horizontal link count that it started.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from .views import BUREAU_LEVELS, YearSpec, bureaus, check_years, collapse, partners, unit_row

__all__ = ["one_sided", "reciprocity", "system_reciprocity"]


def _years_list(years: YearSpec) -> list[int]:
    if years is None:
        return []
    return [years] if isinstance(years, int) else list(years)


def one_sided(
    g: nx.MultiDiGraph, years: YearSpec = None, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """Bureau–local pairs whose links in ``years`` (all projected years when None) run one way only.

    Rows: ``bureau_id``, ``name``, ``counterpart_id``, ``counterpart_name``, ``counterpart_kind``,
    ``same_region`` (False for an upper bureau's coordination visits to a lower region's committee,
    which are one-way by nature), ``initiated_by`` (``bureau`` or ``locality``),
    ``bureau_to_local``, ``local_to_bureau`` (link counts) and ``kinds`` (the kinds seen), sorted by
    bureau and counterpart.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", level="county")
    >>> g.add_node("ORG-1", kind="organization_department", side="local")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local")
    >>> _ = g.add_edge("TB-1", "ORG-1", key="visit", family="liaison", count=4, count_2020=4)
    >>> _ = g.add_edge("TB-1", "LPC-1", key="thematic_report", family="reporting", count=2, count_2020=2)
    >>> _ = g.add_edge("LPC-1", "TB-1", key="instruction", family="reporting", count=1, count_2020=1)
    >>> [(r["counterpart_id"], r["initiated_by"], r["bureau_to_local"]) for r in one_sided(g, 2020)]
    [('ORG-1', 'bureau', 4)]
    """
    check_years(g, _years_list(years))
    h = collapse(g, years)
    rows = []
    for b in bureaus(g, levels):
        if b not in h:
            continue
        for local, (out, inc) in partners(h, b).items():
            if out and inc:
                continue
            kinds: set[str] = set()
            if out:
                kinds |= set(h.edges[b, local]["by_kind"])
            if inc:
                kinds |= set(h.edges[local, b]["by_kind"])
            c, u = unit_row(g, local), unit_row(g, b)
            rows.append({
                "bureau_id": b, "name": u["name"], "counterpart_id": local,
                "counterpart_name": c["name"], "counterpart_kind": c["kind"],
                "same_region": bool(u["region_code"]) and u["region_code"] == c["region_code"],
                "initiated_by": "bureau" if out else "locality",
                "bureau_to_local": out, "local_to_bureau": inc, "kinds": sorted(kinds),
            })  # fmt: skip
    return rows


def reciprocity(
    g: nx.MultiDiGraph, years: YearSpec = None, levels: Sequence[str] | None = BUREAU_LEVELS
) -> list[dict[str, Any]]:
    """Per bureau: horizontal partners, how many are mutual, and who starts the contact.

    Rows: ``bureau_id``, ``name``, ``level``, ``partners`` (local bodies with any link either way),
    ``mutual`` (with links both ways), ``reciprocity`` (mutual / partners, None without partners),
    ``outgoing`` and ``incoming`` (link counts) and ``initiative`` (outgoing / all, None without
    links). Every bureau of ``levels`` appears, isolated ones with zeros.

    >>> g = nx.MultiDiGraph(years="2020")
    >>> g.add_node("TB-1", kind="tax_bureau", side="bureau", level="county")
    >>> g.add_node("ORG-1", kind="organization_department", side="local")
    >>> g.add_node("LPC-1", kind="local_party_committee", side="local")
    >>> _ = g.add_edge("TB-1", "ORG-1", key="visit", family="liaison", count=3, count_2020=3)
    >>> _ = g.add_edge("TB-1", "LPC-1", key="thematic_report", family="reporting", count=2, count_2020=2)
    >>> _ = g.add_edge("LPC-1", "TB-1", key="instruction", family="reporting", count=1, count_2020=1)
    >>> r = reciprocity(g, 2020)[0]
    >>> r["partners"], r["mutual"], r["reciprocity"], r["outgoing"], r["incoming"], r["initiative"]
    (2, 1, 0.5, 5, 1, 0.8333333333333334)
    """
    check_years(g, _years_list(years))
    h = collapse(g, years)
    rows = []
    for b in bureaus(g, levels):
        ps = partners(h, b) if b in h else {}
        out = sum(o for o, _ in ps.values())
        inc = sum(i for _, i in ps.values())
        mutual = sum(1 for o, i in ps.values() if o and i)
        u = unit_row(g, b)
        rows.append({
            "bureau_id": b, "name": u["name"], "level": u["level"], "region_code": u["region_code"],
            "partners": len(ps), "mutual": mutual,
            "reciprocity": mutual / len(ps) if ps else None,
            "outgoing": out, "incoming": inc,
            "initiative": out / (out + inc) if out + inc else None,
        })  # fmt: skip
    return rows


def system_reciprocity(g: nx.MultiDiGraph, years: YearSpec = None) -> dict[str, Any]:
    """Reciprocity of all horizontal ties: dyads, mutual dyads and networkx's edge reciprocity.

    ``dyad_reciprocity`` is mutual pairs / connected pairs; ``edge_reciprocity`` is
    :func:`networkx.overall_reciprocity` (reciprocated directed edges / all directed edges) of the
    horizontal subgraph. Both are None when there is no horizontal tie.
    """
    check_years(g, _years_list(years))
    h = collapse(g, years)
    hor = nx.DiGraph()
    hor.add_edges_from((a, b) for a, b, d in h.edges(data=True) if d["tie"] == "horizontal")
    pairs = {frozenset(e) for e in hor.edges}
    mutual = sum(1 for p in pairs if all(hor.has_edge(a, b) for a in p for b in p if a != b))
    return {
        "dyads": len(pairs),
        "mutual": mutual,
        "dyad_reciprocity": mutual / len(pairs) if pairs else None,
        "edge_reciprocity": nx.overall_reciprocity(hor) if hor.number_of_edges() else None,
    }
