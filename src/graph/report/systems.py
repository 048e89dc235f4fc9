"""The report's section for an organs work committee (机关工委): which systems' units in its area
have not reported to, or liaised with, the locality this year (issue 20).

Why a section of its own: a county's or city's organs work committee sees units of several vertical
systems in its area (tax, meteorology, customs …) and its question is which of them keep the
contact its party committee expects. The section appears only when the area holds units of more
than one system, so a tax-only report reads as before.
"""

from __future__ import annotations

from typing import Any

from .. import rules as _rules
from ..model import regions_within
from ..model.vocabulary import vocabulary
from ..queries.systems import unit_system
from ..store.base import Store

__all__ = ["systems_section"]


def systems_section(store: Store, year: int, region: str | None = None) -> dict[str, Any] | None:
    """Per system: its units in the area, and those with no reporting or no liaison requirement
    met in ``year`` (each listed with what is missing). None when the area has one system only."""
    reqs = _rules.evaluate(store, year)
    units = store.get_units({r.unit_id for r in reqs})
    scope = regions_within(store.regions(), region) if region else None
    vocab = vocabulary()
    per_unit: dict[str, dict[str, list[bool]]] = {}
    for r in reqs:
        u = units.get(r.unit_id)
        if u is None or (scope is not None and (u.region_code or "") not in scope):
            continue
        per_unit.setdefault(r.unit_id, {}).setdefault(r.family, []).append(r.met)
    systems: dict[str, dict[str, Any]] = {}
    for uid in sorted(per_unit):
        u = units[uid]
        sid = unit_system(u) or ""
        row = systems.setdefault(
            sid, {"system": sid, "name": vocab.system_name(sid), "units": 0, "silent": []}
        )
        row["units"] += 1
        fam = per_unit[uid]
        no_report = "reporting" in fam and not any(fam["reporting"])
        no_liaison = "liaison" in fam and not any(fam["liaison"])
        if no_report or no_liaison:
            row["silent"].append(
                {"unit_id": uid, "name": u.name, "no_report": no_report, "no_liaison": no_liaison}
            )
    if len(systems) < 2:
        return None
    order = list(vocab.systems)
    rows = sorted(systems.values(), key=lambda r: order.index(r["system"]) if r["system"] in order else 99)
    return {"year": year, "rows": rows}
