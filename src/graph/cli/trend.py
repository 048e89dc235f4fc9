"""``trend``: contact and coverage to date month by month (or by quarter, year); a unit's timeline."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import click

from ..rules.names import rule_names
from .common import format_option, handle_errors, level_option, open_from, region_option, store_option
from .output import emit_csv, emit_json, emit_table, percent
from .timing import MONTH

__all__ = ["trend"]

_BARS = " ▁▂▃▄▅▆▇█"


def _spark(values: list[int]) -> str:
    top = max(values) if values else 0
    if top == 0:
        return _BARS[0] * len(values)
    return "".join(_BARS[0] if v == 0 else _BARS[max(1, round(v / top * 8))] for v in values)


def _flat(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for p in data["periods"]:
        base = {"period": p["period"], "start": p["start"], "end": p["end"]}
        rows.append({**base, "dimension": "all", "key": "", "name": "", **_figures(p)})
        for dim, field in (("level", "level"), ("rule", "rule"), ("region", "region_code")):
            for r in p[f"by_{dim}"]:
                rows.append({**base, "dimension": dim, "key": r[field], "name": r.get("name") or "",
                             **_figures(r)})  # fmt: skip
    return rows


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    return {"contacts": r["contacts"], "expected": r["expected"], "met": r["met"], "coverage": r["coverage"]}


@click.command()
@click.option(
    "--from", "start", type=MONTH, help="First month, e.g. 2019-01 (default: the first year's January)."
)
@click.option("--to", "end", type=MONTH, help="Last month, e.g. 2021-12 (default: the last year's December).")
@click.option(
    "--by", type=click.Choice(["month", "quarter", "year"]), default="month", show_default=True,
    help="Resolution of the periods.",
)  # fmt: skip
@level_option
@region_option
@click.option(
    "--unit", "unit_id", metavar="UNIT",
    help="Instead: this unit's timeline of contacts with each counterpart (a bureau with its party "
    "committee and branches).",
)  # fmt: skip
@click.option("--counterpart", "counterpart_id", metavar="UNIT", help="With --unit: only this counterpart.")
@format_option
@store_option
@handle_errors
def trend(
    start: dt.date | None,
    end: dt.date | None,
    by: str,
    level: str | None,
    region_code: str | None,
    unit_id: str | None,
    counterpart_id: str | None,
    fmt: str,
    store_location: str | None,
) -> None:
    """Contact and coverage to date per month, quarter or year, overall and by level, rule, region.

    contacts: the links the expectation rules count, dated in the period; coverage: the share of the
    year's requirements met as of the period's last day (by year: the yearly coverage). With --unit,
    the unit's contacts with each counterpart per period instead.
    """
    from ..analysis.timing import contact_series
    from ..analysis.timing import trend as compute

    if counterpart_id is not None and unit_id is None:
        raise click.UsageError("--counterpart needs --unit.")
    with open_from(store_location) as store:
        if unit_id is not None:
            if not store.get_units([unit_id]):
                raise click.BadParameter(f"no unit {unit_id!r}", param_hint="--unit")
            series = contact_series(store, unit_id, counterpart_id, by)
            names = store.get_units({s["counterpart_id"] for s in series})
            for s in series:
                cp = names.get(s["counterpart_id"])
                s["counterpart_name"], s["counterpart_kind"] = (cp.name, cp.kind) if cp else (None, None)
            _emit_series(unit_id, series, start, end, fmt)
            return
        years = store.years()
        if start is None:
            start = dt.date(years[0] if years else dt.date.today().year, 1, 1)
        if end is None:
            end = dt.date(years[-1] if years else start.year, 12, 1)
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        if end < start:
            raise click.BadParameter("--to is before --from", param_hint="--to")
        data = compute(store, start, end, by, level=level, region_code=region_code)
    if fmt == "json":
        emit_json(data)
        return
    if fmt == "csv":
        emit_csv(_flat(data), ["period", "start", "end", "dimension", "key", "name", "contacts", "expected",
                               "met", "coverage"])  # fmt: skip
        return
    zh_by = {"month": "按月", "quarter": "按季", "year": "按年"}[by]
    click.echo(
        f"联系与累计覆盖率，{data['from']} 至 {data['to']}，{zh_by} · "
        f"Contact and coverage to date, {data['from']} to {data['to']}, by {by}\n"
    )
    emit_table(
        [
            (p["period"], p["contacts"], p["expected"], p["met"], percent(p["coverage"]))
            for p in data["periods"]
        ],
        ["period", "contacts", "expected", "met to date", "coverage"],
        right=(1, 2, 3, 4),
    )
    rules = [r["rule"] for r in data["periods"][0]["by_rule"]] if data["periods"] else []
    rule_heads = rule_names()
    click.echo()
    emit_table(
        [
            (p["period"], *(percent(next((r["coverage"] for r in p["by_rule"] if r["rule"] == rule), None))
                            for rule in rules))
            for p in data["periods"]
        ],
        ["period", *(_short_name(rule, rule_heads) for rule in rules)],
        title="Coverage to date by rule",
        right=range(1, len(rules) + 1),
    )  # fmt: skip


def _short_name(rule: str, names: dict[str, dict[str, str]]) -> str:
    """A rule's column heading: its short Chinese name (the id where its file has none)."""
    return names.get(rule, {}).get("zh_short") or rule


def _emit_series(
    unit_id: str, series: list[dict[str, Any]], start: dt.date | None, end: dt.date | None, fmt: str
) -> None:
    lo = start.isoformat() if start else ""
    hi = end.replace(day=calendar.monthrange(end.year, end.month)[1]).isoformat() if end else "9999"
    for s in series:
        s["points"] = [p for p in s["points"] if p["end"] >= lo and p["start"] <= hi]
    if fmt == "json":
        emit_json({"unit_id": unit_id, "counterparts": series})
        return
    if fmt == "csv":
        emit_csv(
            [{"counterpart_id": s["counterpart_id"], "counterpart_name": s["counterpart_name"], **p}
             for s in series for p in s["points"]],
            ["counterpart_id", "counterpart_name", "period", "start", "end", "count", "records"],
        )  # fmt: skip
        return
    first = series[0]["points"] if series else []
    span = f"{first[0]['period']} to {first[-1]['period']}" if first else "no links"
    click.echo(f"Contacts of {unit_id} with each counterpart, {span}\n")
    emit_table(
        [
            (s["counterpart_id"], s["counterpart_name"], sum(p["count"] for p in s["points"]),
             _spark([p["count"] for p in s["points"]]))
            for s in series
        ],
        ["counterpart", "对象", "links", "timeline"],
        right=(2,),
    )  # fmt: skip
