"""What the report shows, as plain data: :func:`build_report` (testable without rendering).

Ids only, no display names of rules or kinds: the templates name them in the reader's language
(:mod:`graph.report.names`). Unit and region names are the store's.

The report covers the whole province, or one region (``region=``: a prefecture, or any region
code): then its rows are that region's bureaus instead of the prefecture groups.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .. import rules as _rules
from ..analysis import channels, collapse, lapsed, mechanism_profile, one_sided, peer_scores, project_years
from ..analysis.isolation import horizontal_activity
from ..errors import TiaokuaiError
from ..model import Region
from ..store.base import Store

__all__ = ["build_report", "MATRIX_COLUMNS", "BEHIND_ROWS", "THRESHOLD", "SUBORDINATE"]

BEHIND_ROWS = 12
THRESHOLD = 2.0
SUBORDINATE = "subordinate_localities"
#: The gap matrix's columns: the counterpart kinds of a bureau's own locality, then the
#: committees of its subordinate bureaus' localities.
MATRIX_COLUMNS = (
    "local_party_committee",
    "organization_department",
    "propaganda_department",
    "organs_work_committee",
    "discipline_commission",
    "party_school",
    SUBORDINATE,
)


def _ratio(met: int, expected: int) -> float | None:
    return met / expected if expected else None


def _within(regions: Sequence[Region]) -> dict[str, set[str]]:
    """Region code → the codes of itself and every region inside it."""
    parent = {r.code: r.parent_code for r in regions}
    inside: dict[str, set[str]] = defaultdict(set)
    for code in parent:
        current: str | None = code
        for _ in range(10):
            if current is None:
                break
            inside[current].add(code)
            current = parent.get(current)
    return inside


def _tally(reqs: Iterable[_rules.Requirement], key: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per row key: expected, met, gaps, and (met, expected) per rule."""
    rows: dict[str, dict[str, Any]] = {}
    for r in reqs:
        k = key.get(r.unit_id)
        if k is None:
            continue
        row = rows.setdefault(k, {"expected": 0, "met": 0, "rules": defaultdict(lambda: [0, 0])})
        row["expected"] += 1
        row["met"] += int(r.met)
        cell = row["rules"][r.rule]
        cell[0] += int(r.met)
        cell[1] += 1
    for row in rows.values():
        row["ratio"] = _ratio(row["met"], row["expected"])
        row["gaps"] = row["expected"] - row["met"]
        row["rules"] = {k: tuple(v) for k, v in row["rules"].items()}
    return rows


def _weakest(cells: dict[str, tuple[int, int]], order: Sequence[str]) -> str | None:
    """The rule with the lowest ratio among those with a gap (ties: the rule order)."""
    candidates = [
        (m / e, order.index(rule) if rule in order else 99, rule)
        for rule, (m, e) in cells.items()
        if e and m < e
    ]
    return min(candidates)[2] if candidates else None


def build_report(store: Store, year: int, region: str | None = None) -> dict[str, Any]:
    """Everything the report for ``year`` (and optionally one ``region``) shows, as plain data."""
    rule_list = _rules.load_rules()
    rule_ids = [r.id for r in rule_list]
    regions = store.regions()
    by_code = {r.code: r for r in regions}
    if region is not None and region not in by_code:
        raise TiaokuaiError(f"unknown region {region!r}: give a region code from the regions ledger")
    inside = _within(regions)
    groups = _rules.region_groups(regions)
    store_years = store.years()
    years = sorted({y for y in store_years if y <= year} | {year})
    has_previous = (year - 1) in store_years

    evaluated = {y: _rules.evaluate(store, y, rule_list) for y in years}
    reqs = evaluated[year]
    bureau_ids = {r.unit_id for rs in evaluated.values() for r in rs}
    units = store.get_units(bureau_ids)
    scope = inside[region] if region else None

    def in_scope(unit_id: str) -> bool:
        u = units.get(unit_id)
        return u is not None and (scope is None or (u.region_code or "") in scope)

    def group_of(unit_id: str) -> str:
        code = units[unit_id].region_code or ""
        return groups.get(code, code)

    # rows: the prefecture groups for the province, the bureaus for a region
    by_bureau = region is not None
    row_key = {
        uid: (uid if by_bureau else group_of(uid)) for uid in bureau_ids if in_scope(uid)
    }  # fmt: skip
    now = _tally(reqs, row_key)
    before = _tally(evaluated[year - 1], row_key) if has_previous else {}
    rule_totals = _tally(reqs, dict.fromkeys(row_key, "all")).get("all", {"rules": {}})["rules"]
    rule_order = sorted(
        (r for r in rule_ids if r in rule_totals),
        key=lambda r: (-(rule_totals[r][0] / rule_totals[r][1]), rule_ids.index(r)),
    )
    # then the rules no unit in scope is bound by (another system's, issue 20): empty cells, no column
    rule_order += [r for r in rule_ids if r not in rule_totals]

    def row_name(k: str) -> str:
        if by_bureau:
            return units[k].name
        return by_code[k].name if k in by_code else k

    ranking: list[dict[str, Any]] = []
    for k, row in now.items():
        prev = before.get(k)
        ranking.append(
            {
                "key": k,
                "name": row_name(k),
                "province": (not by_bureau) and by_code.get(k) is not None and by_code[k].level == "province",
                "level": units[k].level if by_bureau else None,
                "expected": row["expected"],
                "met": row["met"],
                "ratio": row["ratio"],
                "gaps": row["gaps"],
                "previous_ratio": prev["ratio"] if prev else None,
                "delta": (row["ratio"] - prev["ratio"])
                if prev and row["ratio"] is not None and prev["ratio"] is not None
                else None,
                "weakest_rule": _weakest(row["rules"], rule_ids),
                "cells": [row["rules"].get(rule) for rule in rule_order],
            }
        )
    # best first; the provincial bureau's own line last and unranked (it has no peers)
    ranking.sort(key=lambda r: (r["province"], -(r["ratio"] if r["ratio"] is not None else 2), r["key"]))
    for i, r in enumerate(ranking, start=1):
        r["rank"] = None if r["province"] else i

    # totals (for the scope)
    scoped = [r for r in reqs if r.unit_id in row_key]
    scoped_prev = [r for r in evaluated.get(year - 1, []) if r.unit_id in row_key] if has_previous else []
    met = sum(r.met for r in scoped)
    per_unit = _tally(scoped, {uid: uid for uid in row_key})
    full = sorted(uid for uid, row in per_unit.items() if row["gaps"] == 0)
    trend = []
    for y in years:
        ys = [r for r in evaluated[y] if r.unit_id in row_key]
        by_level: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for req in ys:
            cell = by_level[units[req.unit_id].level or ""]
            cell[0] += int(req.met)
            cell[1] += 1
        trend.append({"year": y, "ratio": _ratio(sum(r.met for r in ys), len(ys)),
                      "by_level": {lv: _ratio(m, e) for lv, (m, e) in by_level.items()}})  # fmt: skip

    g = project_years(store, years)
    matrix = _matrix(
        g, year, scoped, units, row_key if not by_bureau else {u: group_of(u) for u in row_key}, by_code
    )
    gaps = [
        {**r.as_gap(), "subject_id": r.subject_id, "name": units[r.unit_id].name,
         "group": row_name(row_key[r.unit_id]) if not by_bureau else by_code[group_of(r.unit_id)].name
         if group_of(r.unit_id) in by_code else ""}
        for r in sorted(scoped, key=lambda r: r.sort_key()) if not r.met
    ]  # fmt: skip
    names = store.get_units({gp["counterpart_id"] for gp in gaps if gp["counterpart_id"]})
    for gp in gaps:
        cp = names.get(gp["counterpart_id"] or "")
        gp["counterpart_name"] = cp.name if cp else None

    lapsed_rows = [r for r in lapsed(g, year) if in_scope(r["bureau_id"])] if has_previous else None
    for r in lapsed_rows or []:
        gcode = group_of(r["bureau_id"])
        r["group"] = by_code[gcode].name if gcode in by_code else ""
    scores = [r for r in peer_scores(g, year) if r["z"] is not None and in_scope(r["bureau_id"])]
    for r in scores:
        gcode = group_of(r["bureau_id"])
        r["group"] = by_code[gcode].name if gcode in by_code else ""
    activity = [r for r in horizontal_activity(g, year) if in_scope(r["bureau_id"])]
    mech = mechanism_profile(g, year) if region is None else None

    return {
        "year": year,
        "years": years,
        "region": region,
        "region_name": by_code[region].name if region else None,
        "province_name": next((r.name for r in regions if r.level == "province"), ""),
        "rows_are": "bureaus" if by_bureau else "groups",
        "rules": rule_ids,
        "rule_order": rule_order,
        "coverage": {"year": year, "expected": len(scoped), "met": met, "ratio": _ratio(met, len(scoped))},
        "previous": (
            {
                "year": year - 1,
                "expected": len(scoped_prev),
                "met": sum(r.met for r in scoped_prev),
                "ratio": _ratio(sum(r.met for r in scoped_prev), len(scoped_prev)),
            }
            if has_previous
            else None
        ),  # fmt: skip
        "by_rule": [
            {
                "rule": rule,
                "met": rule_totals[rule][0],
                "expected": rule_totals[rule][1],
                "ratio": _ratio(*rule_totals[rule]),
            }
            for rule in rule_order
            if rule in rule_totals
        ],  # fmt: skip
        "trend": trend,
        "ranking": ranking,
        "matrix": matrix,
        "gaps": gaps,
        "previous_gaps": (len(scoped_prev) - sum(r.met for r in scoped_prev)) if has_previous else None,
        "units": len(per_unit),
        "units_full": [
            {
                "id": uid,
                "name": units[uid].name,
                "group": by_code[group_of(uid)].name if group_of(uid) in by_code else "",
            }
            for uid in full
        ],  # fmt: skip
        "lapsed": lapsed_rows,
        "one_sided": _one_sided(g, years, in_scope),
        "behind": scores[:BEHIND_ROWS],
        "below_peers": sum(1 for r in scores if r["z"] <= -THRESHOLD),
        "isolated": sum(1 for r in activity if r["events"] == 0),
        "mechanisms": mech["mechanisms"] if mech else None,
        "mechanism_bureaus": len(mech["bureaus"]) if mech else None,
    }


def _matrix(
    g: Any,
    year: int,
    reqs: Sequence[_rules.Requirement],
    units: dict[str, Any],
    group_key: dict[str, str],
    by_code: dict[str, Region],
) -> list[dict[str, Any]]:
    """Per group, the bureaus with a gap × the counterpart columns.

    A cell is ``{"mark": "✓"|"✗"|"·", "missing": n, "expected": n}``: ✓ every requirement there
    met, ✗ n of them missing, · contact in the year where no rule expects it; absent: neither.
    """
    cells: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in reqs:
        col = SUBORDINATE if r.subject_id else r.counterpart_kind
        cell = cells[r.unit_id][col]
        cell[0] += int(not r.met)
        cell[1] += 1
    present: dict[str, set[str]] = defaultdict(set)
    for (bureau, local, _family), count in channels(g, year).items():
        if count <= 0 or bureau not in group_key:
            continue
        node = g.nodes[local]
        kind = node.get("kind")
        own = (node.get("region_code") or "") == (units[bureau].region_code or "")
        target: str | None = kind if own else (SUBORDINATE if kind == "local_party_committee" else None)
        if target in MATRIX_COLUMNS and target is not None:
            present[bureau].add(target)
    out: dict[str, dict[str, Any]] = {}
    for uid in sorted(
        group_key, key=lambda u: (units[u].level != "provincial", units[u].level != "prefecture", u)
    ):
        row_cells = {}
        gaps = 0
        for col in MATRIX_COLUMNS:
            missing, expected = cells[uid].get(col, [0, 0])
            gaps += missing
            if expected:
                row_cells[col] = {"mark": "✗" if missing else "✓", "missing": missing, "expected": expected}
            elif col in present[uid]:
                row_cells[col] = {"mark": "·", "missing": 0, "expected": 0}
        key = group_key[uid]
        group = out.setdefault(key, {"code": key, "name": by_code[key].name if key in by_code else key,
                                     "bureaus": [], "bureau_count": 0, "subtotal": Counter(), "gaps": 0})  # fmt: skip
        group["bureau_count"] += 1
        if gaps:
            group["bureaus"].append({"id": uid, "name": units[uid].name, "level": units[uid].level,
                                     "cells": row_cells, "gaps": gaps})  # fmt: skip
            group["gaps"] += gaps
            for col, c in row_cells.items():
                group["subtotal"][col] += c["missing"]
    return [
        {**grp, "subtotal": dict(grp["subtotal"])}
        for grp in sorted(out.values(), key=lambda grp: (-grp["gaps"], grp["code"]))
        if grp["bureaus"]
    ]


def _one_sided(g: Any, years: Sequence[int], in_scope: Any) -> dict[str, Any]:
    """Bureau–local pairs with contact in ``years``, and those whose contact runs one way only."""
    h = collapse(g, list(years))
    pairs: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for a, b, d in h.edges(data=True):
        if d["tie"] != "horizontal":
            continue
        bureau, local = (a, b) if h.nodes[a].get("side") == "bureau" else (b, a)
        if not in_scope(bureau) or (bureau, local) in seen:
            continue
        seen.add((bureau, local))
        pairs[h.nodes[local].get("kind") or ""] += 1
    rows = [r for r in one_sided(g, list(years)) if in_scope(r["bureau_id"])]
    by_kind: dict[str, dict[str, int]] = {}
    for kind, n in pairs.items():
        if n:
            by_kind[kind] = {"pairs": n, "bureau": 0, "locality": 0}
    for r in rows:
        entry = by_kind.setdefault(r["counterpart_kind"], {"pairs": 0, "bureau": 0, "locality": 0})
        entry["bureau" if r["initiated_by"] == "bureau" else "locality"] += 1
    return {
        "years": list(years),
        "pairs": len(seen),
        "one_sided": len(rows),
        "by_bureau": sum(1 for r in rows if r["initiated_by"] == "bureau"),
        "by_locality": sum(1 for r in rows if r["initiated_by"] != "bureau"),
        "own_region": sum(1 for r in rows if r.get("same_region")),
        "by_kind": by_kind,
    }
