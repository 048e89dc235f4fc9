"""Contact over time (issue 21): dormant ties, unexpected contact, congruence, the trend by month.

All of it is read from two store questions that aggregate in the store's own language,
``Store.pair_month_counts`` (counts per pair, kind and month) and ``Store.pair_dates`` (the
distinct dates of each pair's links), with the bureau side collapsed as the rules collapse it (a
bureau, its party committee and their branches are one side; graph.rules.Sides).

* **Dormant tie** — a pair (bureau side, local unit) with at least ``min_contacts`` contacts
  (distinct days with a link, either way) up to ``as_of`` whose silence since the last one,
  ``as_of − last``, exceeds ``factor`` × the median interval between its consecutive contacts:
  quiet *by its own rhythm* (a monthly tie silent for a year, not a yearly one silent for a year).
* **Unexpected contact** — a pair (bureau side, local unit) with links in the year that no rule
  expects: another locality's body, or a body of a kind no rule names.
* **Congruence** — socio-technical congruence (Cataldo et al. 2006): of the pairs the rules
  expect (coordination requirements), the share that had any contact (actual coordination), per
  bureau and region group, beside the coverage ratio (the share of requirements met).
* **Trend** — contacts the rules count, and coverage to date (requirements met as of each
  period's last day), month by month, quarter by quarter or year by year.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from .. import rules as _rules
from ..model import regions_within
from ..rules.periods import met_by_month, period_bounds, period_count, period_label, period_of_month
from ..store.base import LinkQuery, Store

__all__ = [
    "DORMANT_FACTOR",
    "MIN_CONTACTS",
    "BY",
    "dormant",
    "contacts",
    "unexpected",
    "congruence",
    "trend",
    "contact_series",
    "period_range",
]

#: k: a tie is dormant when silent for more than k times its median interval
DORMANT_FACTOR = 8.0
#: contacts a pair must have had before it can be called dormant
MIN_CONTACTS = 3
#: the resolutions of the trend and contact series
BY = ("month", "quarter", "year")


def _region_filter(store: Store, region_code: str | None) -> set[str] | None:
    return regions_within(store.regions(), region_code) if region_code else None


def _keep(side: _rules.Sides, bureau: str, level: str | None, regions: set[str] | None) -> bool:
    u = side.units.get(bureau)
    return (
        u is not None
        and (level is None or u.level == level)
        and (regions is None or (u.region_code or "") in regions)
    )


def _groups(store: Store) -> tuple[dict[str, str], dict[str, str]]:
    regions = store.regions()
    return _rules.region_groups(regions), {r.code: r.name for r in regions}


def dormant(
    store: Store,
    as_of: dt.date,
    *,
    factor: float = DORMANT_FACTOR,
    min_contacts: int = MIN_CONTACTS,
    level: str | None = None,
    region_code: str | None = None,
    rules: Sequence[_rules.Rule] | None = None,
) -> list[dict[str, Any]]:
    """Dormant ties as of ``as_of``, by bureau then counterpart (see the module's definition).

    Each row: the bureau (id, name, level, region, its prefecture group), the counterpart (id, name,
    kind), ``contacts`` (distinct days), ``first_contact``, ``last_contact``,
    ``median_interval_days``, ``days_silent`` and ``silence_ratio`` (days silent ÷ median).
    """
    side = _rules.sides(store, rules)
    keep = _region_filter(store, region_code)
    groups, _ = _groups(store)
    days: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for pd in store.pair_dates(until=as_of):
        for a, b in ((pd.source_id, pd.target_id), (pd.target_id, pd.source_id)):
            bureau = side.bureau_of(a)
            if bureau is not None and side.is_local(b) and _keep(side, bureau, level, keep):
                days[(bureau, b)].update(pd.dates)
    rows = []
    for (bureau, local), found in sorted(days.items()):
        dates = sorted(found)
        if len(dates) < min_contacts:
            continue
        gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
        median = float(statistics.median(gaps))
        silent = (as_of - dates[-1]).days
        if silent <= factor * median:
            continue
        bu, cu = side.units[bureau], side.units[local]
        rows.append({
            "bureau_id": bureau, "name": bu.name, "level": bu.level, "region_code": bu.region_code,
            "prefecture": groups.get(bu.region_code or "", bu.region_code),
            "counterpart_id": local, "counterpart_name": cu.name, "counterpart_kind": cu.kind,
            "contacts": len(dates), "first_contact": dates[0].isoformat(),
            "last_contact": dates[-1].isoformat(), "median_interval_days": median,
            "days_silent": silent, "silence_ratio": round(silent / median, 2),
        })  # fmt: skip
    return rows


def contacts(
    store: Store, side: _rules.Sides, year: int, as_of: dt.date | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """(bureau, local unit) → ``{"count", "kinds"}`` of the year's links either way, up to as_of."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for pc in store.pair_month_counts([year], until=as_of):
        for a, b in ((pc.source_id, pc.target_id), (pc.target_id, pc.source_id)):
            bureau = side.bureau_of(a)
            if bureau is not None and side.is_local(b):
                row = found.setdefault((bureau, b), {"count": 0, "kinds": set()})
                row["count"] += pc.count
                row["kinds"].add(pc.kind)
    return found


def unexpected(
    store: Store, year: int, as_of: dt.date | None = None, rules: Sequence[_rules.Rule] | None = None
) -> list[dict[str, Any]]:
    """Pairs (bureau side, local unit) with links in the year (up to ``as_of``) that no rule expects.

    Only bureaus some rule binds are considered. ``reason``: ``kind_not_in_rules`` (no rule names
    a counterpart of that kind), ``other_locality`` (a kind the rules name, of another region), or
    ``not_expected`` (of the bureau's own region but not expected of this bureau).
    """
    side = _rules.sides(store, rules)
    expected = side.expected()
    named = {kind: side.named_kinds(kind) for kind in {r.unit_kind for r in side.rules}}
    rows = []
    for (bureau, local), c in sorted(contacts(store, side, year, as_of).items()):
        if bureau not in expected or local in expected[bureau]:
            continue
        b, u = side.units[bureau], side.units[local]
        if u.kind not in named.get(b.kind, set()):
            reason = "kind_not_in_rules"
        elif u.region_code != b.region_code:
            reason = "other_locality"
        else:
            reason = "not_expected"
        rows.append({
            "bureau_id": bureau, "name": b.name, "level": b.level, "region_code": b.region_code,
            "counterpart_id": local, "counterpart_name": u.name, "counterpart_kind": u.kind,
            "counterpart_region": u.region_code, "reason": reason, "count": c["count"],
            "kinds": sorted(c["kinds"]),
        })  # fmt: skip
    return rows


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def congruence(
    store: Store, year: int, as_of: dt.date | None = None, rules: Sequence[_rules.Rule] | None = None
) -> dict[str, Any]:
    """Socio-technical congruence of the year (up to ``as_of``) beside coverage.

    ``system``, ``regions`` (prefecture groups) and ``units`` (bureaus the rules bind), each with
    ``expected_pairs`` (counterparts the rules expect), ``contacted_pairs`` (of those, with any
    link either way), ``congruence`` (their ratio) and ``coverage`` (requirements met ÷ expected).
    """
    rules_ = list(rules) if rules is not None else _rules.load_rules()
    side = _rules.sides(store, rules_)
    expected = side.expected()
    seen = contacts(store, side, year, as_of)
    reqs = _rules.evaluate(store, year, rules_, as_of=as_of)
    met: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in reqs:
        met[r.unit_id][0] += 1
        met[r.unit_id][1] += r.met
    groups, names = _groups(store)
    units = []
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for bureau in sorted(expected):
        cps = expected[bureau]
        tied = sum(1 for cp in cps if (bureau, cp) in seen)
        u = side.units[bureau]
        e, m = met[bureau]
        group = groups.get(u.region_code or "", u.region_code or "")
        for key in (group, ""):
            row = acc[key]
            row[0] += len(cps)
            row[1] += tied
            row[2] += e
            row[3] += m
        units.append({
            "unit_id": bureau, "name": u.name, "level": u.level, "region_code": u.region_code,
            "prefecture": group, "expected_pairs": len(cps), "contacted_pairs": tied,
            "congruence": _ratio(tied, len(cps)), "coverage": _ratio(m, e),
        })  # fmt: skip

    def summary(key: str) -> dict[str, Any]:
        p, t, e, m = acc[key]
        return {
            "expected_pairs": p,
            "contacted_pairs": t,
            "congruence": _ratio(t, p),
            "coverage": _ratio(m, e),
        }

    regions = [{"region_code": k, "name": names.get(k), **summary(k)} for k in sorted(acc) if k]
    return {"system": summary(""), "regions": regions, "units": units}


# -- the trend -------------------------------------------------------------------------------------


def period_range(start: dt.date, end: dt.date, by: str) -> list[tuple[int, int, str, dt.date, dt.date]]:
    """(year, index, label, first day, last day) of each period of ``by`` from the one holding
    ``start`` to the one holding ``end``.

    >>> [p[2] for p in period_range(dt.date(2019, 11, 1), dt.date(2020, 2, 1), "quarter")]
    ['2019-Q4', '2020-Q1']
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
    found = []
    for year in range(start.year, end.year + 1):
        for i in range(period_count(by)):
            first, last = period_bounds(year, by, i)
            if last >= start and first <= end:
                found.append((year, i, period_label(year, by, i), first, last))
    return found


def trend(
    store: Store,
    start: dt.date,
    end: dt.date,
    by: str = "month",
    *,
    level: str | None = None,
    region_code: str | None = None,
    rules: Sequence[_rules.Rule] | None = None,
) -> dict[str, Any]:
    """Contacts the rules count and coverage to date, per period, overall and by level, rule and
    region group.

    For each period: ``contacts`` (the sum of the observed counts of every requirement in the
    period: the links the rules count), ``expected`` (requirements of the period's year), ``met``
    (those met as of the period's last day) and ``coverage`` (met ÷ expected); the same per
    ``by_level``, ``by_rule`` and ``by_region``. With ``by="year"`` coverage is the yearly one.
    """
    rules_ = list(rules) if rules is not None else _rules.load_rules()
    keep = _region_filter(store, region_code)
    regions = store.regions()
    groups = _rules.region_groups(regions)
    names = {r.code: r.name for r in regions}
    periods = period_range(start, end, by)
    rule_order = [r.id for r in rules_]
    out = []
    for year in sorted({p[0] for p in periods}):
        reqs = _rules.evaluate(store, year, rules_, as_of=dt.date(year, 12, 31))
        units = store.get_units({r.unit_id for r in reqs})
        reqs = [
            r for r in reqs
            if (level is None or units[r.unit_id].level == level)
            and (keep is None or (units[r.unit_id].region_code or "") in keep)
        ]  # fmt: skip
        prepared = [
            (r, units[r.unit_id].level, groups.get(units[r.unit_id].region_code or "", units[r.unit_id].region_code or ""),
             met_by_month(r.per, r.required, r.months))
            for r in reqs
        ]  # fmt: skip
        for y, _i, label, first, last in periods:
            if y != year:
                continue
            acc: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
            span = range((first.month - 1), last.month)
            for r, u_level, group, met in prepared:
                n = sum(r.months[m] for m in span)
                ok = met[last.month - 1]
                for key in (("all", ""), ("level", u_level), ("rule", r.rule), ("region_code", group)):
                    row = acc[key]
                    row[0] += n
                    row[1] += 1
                    row[2] += ok

            def rows(dim: str, order: Iterable[str] | None = None, acc: Any = acc) -> list[dict[str, Any]]:
                keys = [k for (d, k) in acc if d == dim]
                ordered = [k for k in order if k in keys] if order is not None else sorted(keys)
                result = []
                for k in ordered:
                    c, e, m = acc[(dim, k)]
                    row: dict[str, Any] = {dim: k}
                    if dim == "region_code":
                        row["name"] = names.get(k)
                    row.update(contacts=c, expected=e, met=m, coverage=_ratio(m, e))
                    result.append(row)
                return result

            c, e, m = acc[("all", "")]
            out.append({
                "period": label, "start": first.isoformat(), "end": last.isoformat(),
                "contacts": c, "expected": e, "met": m, "coverage": _ratio(m, e),
                "by_level": rows("level", ("national", "provincial", "prefecture", "county")),
                "by_rule": rows("rule", rule_order), "by_region": rows("region_code"),
            })  # fmt: skip
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "periods": out}


def _side_units(store: Store, unit_id: str) -> list[str]:
    """The unit and, for a bureau-side unit, every bureau-side unit below it (committee, branches)."""
    from ..model.vocabulary import vocabulary

    bureau_side = set(vocabulary().bureau_side_kinds)
    root = store.get_units([unit_id]).get(unit_id)
    if root is None:
        return []
    found, todo = [unit_id], [unit_id] if root.kind in bureau_side else []
    while todo:
        kids = store.children(todo)
        todo = [k.id for ks in kids.values() for k in ks if k.kind in bureau_side and k.kind != root.kind]
        found += todo
    return found


def contact_series(
    store: Store, unit_id: str, counterpart_id: str | None = None, by: str = "month"
) -> list[dict[str, Any]]:
    """A unit's timeline of contacts with each counterpart, per period of ``by``.

    The unit's side counts as one (a bureau with its party committee and their branches, as the
    rules count it); a counterpart is any unit outside that side linked to it. Each entry:
    ``counterpart_id`` and ``points``, one per period from the first to the last year with any
    link of the unit, ``{"period", "start", "end", "count", "records"}`` (zero where silent).
    """
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, got {by!r}")
    own = _side_units(store, unit_id)
    mine = set(own)
    per_cp: dict[str, dict[tuple[int, int], list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    years: set[int] = set()
    for uid in own:
        for link in store.find_links(LinkQuery(unit_id=uid)).items:
            other = link.target_id if link.source_id in mine else link.source_id
            if other in mine:
                continue
            d = link.date
            years.add(d.year)  # the timeline spans the unit's years, whichever counterpart is shown
            if counterpart_id is not None and other != counterpart_id:
                continue
            cell = per_cp[other][(d.year, period_of_month(by, d.month))]
            cell[0] += link.count
            cell[1] += 1
    if not years:
        return []
    periods = period_range(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31), by)
    series = []
    for cp in sorted(per_cp):
        cells = per_cp[cp]
        points = [
            {"period": label, "start": first.isoformat(), "end": last.isoformat(),
             "count": cells.get((y, i), [0, 0])[0], "records": cells.get((y, i), [0, 0])[1]}
            for y, i, label, first, last in periods
        ]  # fmt: skip
        series.append({"counterpart_id": cp, "points": points})
    return series
