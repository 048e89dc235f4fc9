"""The monitoring view of a date (issue 21): what the report leads with when given ``--as-of``.

Plain data, testable without rendering: the requirements behind and the dormant ties per
prefecture group, contact month by month (this year and last), the rule × region status grid,
and congruence beside coverage per region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .. import rules as _rules
from ..model import regions_within
from ..store.base import Store
from . import timing

__all__ = ["monitoring"]


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def monitoring(
    store: Store,
    as_of: dt.date,
    *,
    rules: Sequence[_rules.Rule] | None = None,
    dormant_factor: float = timing.DORMANT_FACTOR,
    region: str | None = None,
) -> dict[str, Any]:
    """Everything the monitoring page shows as of ``as_of`` (the year is the date's).

    * ``prefectures``: per prefecture group (the province first), its requirements ``behind`` (gap
      rows with names, status, due) and its ``dormant`` ties, and counts of every status;
    * ``months``: contacts the rules count per month of the year up to the date, and of last year;
    * ``status_grid``: rows (groups) × columns (rules), each cell the counts of met, on_track,
      behind and unmet;
    * ``congruence``: congruence and coverage per group (graph.analysis.timing.congruence).

    ``region``: only the bureaus within that region (a prefecture: its own group).
    """
    rule_list = list(rules) if rules is not None else _rules.load_rules()
    year = as_of.year
    regions = store.regions()
    names = {r.code: r.name for r in regions}
    level = {r.code: r.level for r in regions}
    groups = _rules.region_groups(regions)
    reqs = _rules.evaluate(store, year, rule_list, as_of=as_of)
    units = store.get_units({r.unit_id for r in reqs} | {r.counterpart_id for r in reqs if r.counterpart_id})
    inside = regions_within(regions, region) if region else None
    if inside is not None:
        reqs = [r for r in reqs if (units[r.unit_id].region_code or "") in inside]

    def group_of(unit_id: str) -> str:
        code = units[unit_id].region_code or ""
        return groups.get(code, code)

    grid: dict[tuple[str, str], dict[str, int]] = {}
    per_group: dict[str, dict[str, Any]] = {}
    for r in reqs:
        g = group_of(r.unit_id)
        status = r.status or ("met" if r.met else "unmet")
        cell = grid.setdefault((g, r.rule), dict.fromkeys(_rules.STATUSES, 0))
        cell[status] += 1
        entry = per_group.setdefault(
            g, {"counts": dict.fromkeys(_rules.STATUSES, 0), "behind": [], "dormant": []}
        )
        entry["counts"][status] += 1
        if status == "behind":
            row = r.as_gap()
            row["name"] = units[r.unit_id].name
            cp = units.get(r.counterpart_id) if r.counterpart_id else None
            row["counterpart_name"] = cp.name if cp else None
            entry["behind"].append(row)
    for tie in timing.dormant(store, as_of, factor=dormant_factor, rules=rule_list, region_code=region):
        g = tie["prefecture"] or ""
        per_group.setdefault(g, {"counts": dict.fromkeys(_rules.STATUSES, 0), "behind": [], "dormant": []})
        per_group[g]["dormant"].append(tie)
    order = sorted(per_group, key=lambda c: (level.get(c) != "province", c))
    prefectures = [
        {"region_code": c, "name": names.get(c, c), "province": level.get(c) == "province", **per_group[c]}
        for c in order
    ]

    # contacts the rules count, per month: this year's up to the date, last year's whole
    upto = as_of.month if as_of.year == year else 12
    months = [sum(r.months[m] for r in reqs) for m in range(upto)]
    last_year = None
    if (year - 1) in store.years():
        before = _rules.evaluate(store, year - 1, rule_list, as_of=dt.date(year - 1, 12, 31))
        last_year = [sum(r.months[m] for r in before) for m in range(12)]

    cg = timing.congruence(store, year, as_of, rule_list)
    if inside is not None:
        kept = {u["prefecture"] for u in cg["units"] if (u["region_code"] or "") in inside}
        cg["regions"] = [r for r in cg["regions"] if r["region_code"] in kept]
    rule_ids = [r.id for r in rule_list]
    grid_rows = sorted({g for g, _ in grid}, key=lambda c: (level.get(c) != "province", c))
    totals = dict.fromkeys(_rules.STATUSES, 0)
    for r in reqs:
        totals[r.status or ("met" if r.met else "unmet")] += 1
    return {
        "as_of": as_of.isoformat(),
        "year": year,
        "dormant_factor": dormant_factor,
        "totals": {**totals, "expected": len(reqs), "coverage": _ratio(totals["met"], len(reqs))},
        "prefectures": prefectures,
        "behind": sum(len(p["behind"]) for p in prefectures),
        "dormant": sum(len(p["dormant"]) for p in prefectures),
        "months": {"year": year, "counts": months, "previous": last_year},
        "status_grid": {
            "rows": [names.get(c, c) + ("（省局）" if level.get(c) == "province" else "") for c in grid_rows],
            "codes": grid_rows,
            "columns": rule_ids,
            "cells": [[grid.get((c, rule)) for rule in rule_ids] for c in grid_rows],
        },
        "congruence": cg["regions"],
        "congruence_system": cg["system"],
    }
