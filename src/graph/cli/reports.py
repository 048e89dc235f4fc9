"""``stats``, ``coverage`` and ``gaps``: the year's figures for people and scripts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from .. import rules
from ..model.vocabulary import vocabulary
from ..rules import gapwrite
from ..rules.names import rule_name_pair, rule_names
from .common import (
    format_option,
    handle_errors,
    level_option,
    open_from,
    region_option,
    store_option,
    year_option,
)
from .output import emit_csv, emit_json, emit_table, percent
from .systems import by_system_option, stats_for, system_option
from .timing import as_of_option, optional_year_option, year_of

GAP_COLUMNS = ["unit_id", "rule", "family", "counterpart_kind", "counterpart_id", "required", "observed"]
PERIOD_COLUMNS = ["per", "missed"]
STATUS_COLUMNS = ["status", "due", "expected_by_now"]
STATUS_KEYS = ["on_track", "behind", "unmet"]
#: a rule in a table: its Chinese name first, the English one beside (the ids are in --format json/csv)
RULE_HEADS = ["规则", "rule"]


@click.command()
@year_option
@format_option
@store_option
@handle_errors
@system_option
def stats(year: int, fmt: str, store_location: str | None) -> None:
    """Totals for the year: units, link records, counts and participants by family and kind."""
    with open_from(store_location) as store:
        data = stats_for(store, year)
    if fmt == "json":
        emit_json(data)
        return
    vocab = vocabulary()
    rows = [
        {"scope": "family", "name": fam, "zh": vocab.families[fam]["zh"], **v}
        for fam, v in data["by_family"].items()
    ] + [
        {"scope": "kind", "name": kind, "zh": vocab.link_kinds[kind].zh, **v}
        for kind, v in data["by_kind"].items()
    ]
    if fmt == "csv":
        emit_csv(rows, ["scope", "name", "zh", "count", "participants"])
        return
    click.echo(f"{year}: {data['units']} units in the store, {data['links']} link records dated in the year")
    emit_table(
        [(r["name"], r["zh"], r["count"], r["participants"]) for r in rows if r["scope"] == "family"],
        ["family", "中文", "count", "participants"],
        right=(2, 3),
    )
    click.echo()
    emit_table(
        [(r["name"], r["zh"], r["count"], r["participants"]) for r in rows if r["scope"] == "kind"],
        ["kind", "中文", "count", "participants"],
        right=(2, 3),
    )


@click.command()
@optional_year_option
@as_of_option
@level_option
@region_option
@format_option
@store_option
@handle_errors
@system_option
@by_system_option
def coverage(
    year: int | None,
    as_of: dt.date | None,
    level: str | None,
    region_code: str | None,
    fmt: str,
    store_location: str | None,
) -> None:
    """Coverage report: met / expected requirements, by level, rule, region and bureau.

    With --as-of, coverage so far: met counts the requirements met by that day, and every row adds
    how many are on_track, behind and unmet.
    """
    year = year_of(year, as_of)
    with open_from(store_location) as store:
        cov = rules.coverage(store, year, level=level, region_code=region_code, as_of=as_of).as_dict()
    if fmt == "json":
        emit_json(cov)
        return
    extra = STATUS_KEYS if as_of is not None else []
    if fmt == "csv":
        emit_csv(
            [{"unit_id": u["unit_id"], "name": u["name"], **u} for u in cov["units"]],
            ["unit_id", "name", "expected", "met", "ratio", *extra],
        )
        return
    if as_of is not None:
        _coverage_as_of_tables(cov)
        return
    click.echo(
        f"{year}年覆盖率 {percent(cov['ratio'])}：应有 {cov['expected']} 项，已达 {cov['met']} 项 · "
        f"Coverage {year}: {cov['met']} of {cov['expected']} requirements met ({percent(cov['ratio'])})\n"
    )
    emit_table(
        [(r["level"], r["expected"], r["met"], percent(r["ratio"])) for r in cov["by_level"]],
        ["level", "expected", "met", "ratio"],
        title="By level",
        right=(1, 2, 3),
    )
    click.echo()
    names = rule_names()
    emit_table(
        [
            (*rule_name_pair(r["rule"], names), r["expected"], r["met"], percent(r["ratio"]))
            for r in cov["by_rule"]
        ],
        [*RULE_HEADS, "expected", "met", "ratio"],
        title="By rule",
        right=(2, 3, 4),
    )
    click.echo()
    emit_table(
        [
            (r["region_code"], r["name"], r["expected"], r["met"], percent(r["ratio"]))
            for r in cov["by_region"]
        ],
        ["region", "名称", "expected", "met", "ratio"],
        title="By region (prefecture groups; the provincial bureau under the province)",
        right=(2, 3, 4),
    )
    behind = sorted(cov["units"], key=lambda u: (u["ratio"] if u["ratio"] is not None else 1, u["unit_id"]))
    behind = [u for u in behind if u["ratio"] is not None and u["ratio"] < 1][:15]
    if behind:
        click.echo()
        emit_table(
            [(u["unit_id"], u["name"], u["expected"], u["met"], percent(u["ratio"])) for u in behind],
            ["unit", "名称", "expected", "met", "ratio"],
            title=f"Bureaus furthest behind (first {len(behind)}; --format json lists all)",
            right=(2, 3, 4),
        )


@click.command()
@optional_year_option
@as_of_option
@level_option
@region_option
@click.option("--rule", "rule_id", metavar="RULE", help="Only this rule (see schema/expectations.yaml).")
@click.option(
    "--status",
    type=click.Choice(STATUS_KEYS),
    help="With --as-of: only requirements of this status.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Also store the year's gaps and coverage in the store: in Neo4j as :Gap and :Coverage nodes "
    "(docs/browser.md), in the embedded file as the gaps and coverage tables (docs/stores.md).",
)
@format_option
@store_option
@handle_errors
@system_option
def gaps(
    year: int | None,
    as_of: dt.date | None,
    level: str | None,
    region_code: str | None,
    rule_id: str | None,
    status: str | None,
    write: bool,
    fmt: str,
    store_location: str | None,
) -> None:
    """Unmet requirements: which bureau lacks which horizontal contact in the year.

    With --as-of, the requirements not met by that day, each with its status (on_track, behind,
    unmet), due (the end of the current or missed period) and expected_by_now (the contacts the
    periods ended so far required). Rules with a rhythm (per: quarter, ...) add per and the
    periods missed.
    """
    if status is not None and as_of is None:
        raise click.UsageError("--status needs --as-of.")
    if write and as_of is not None:
        raise click.UsageError("--write stores the year's gaps; it does not take --as-of.")
    year = year_of(year, as_of)
    known = rules.load_rules()
    if rule_id is not None and rule_id not in {r.id for r in known}:
        raise click.BadParameter(
            f"unknown rule {rule_id!r}; rules are: {', '.join(r.id for r in known)}", param_hint="--rule"
        )
    with open_from(store_location) as store:
        evaluated = rules.evaluate(store, year, known) if write else None  # once, for both
        if evaluated is not None:  # the whole year, replacing its records; filters only narrow the listing
            summary = gapwrite.write_gaps(store, year, rules=known, requirements=evaluated)
            click.echo(summary.message(), err=True)
        found = rules.gaps(
            store,
            year,
            level=level,
            region_code=region_code,
            rule=rule_id,
            rules=known,
            requirements=evaluated,
            as_of=as_of,
            status=status,
        )
        names = store.get_units(
            {g.unit_id for g in found} | {g.counterpart_id for g in found if g.counterpart_id}
        )
    rows = [g.as_gap() for g in found]
    if fmt == "json":
        emit_json(rows)
        return
    periodic = any(r.per != "year" for r in known)
    if fmt == "csv":
        columns = GAP_COLUMNS + (PERIOD_COLUMNS if periodic else []) + (STATUS_COLUMNS if as_of else [])
        emit_csv([{**r, "missed": ";".join(r["missed"])} if "missed" in r else r for r in rows], columns)
        return
    vocab = vocabulary()
    rule_names_ = rule_names()
    when = f" as of {as_of.isoformat()}" if as_of is not None else ""
    click.echo(
        f"{year}年缺口 {len(rows)} 项 · "
        f"Gaps {year}{when}: {len(rows)} unmet requirement{'s' if len(rows) != 1 else ''}\n"
    )
    emit_table(
        [
            (
                g["unit_id"],
                names[g["unit_id"]].name,
                rule_names_.get(g["rule"], {}).get("zh_short") or g["rule"],
                g["counterpart_id"] or "(missing)",
                names[g["counterpart_id"]].name
                if g["counterpart_id"]
                else vocab.unit_kinds[g["counterpart_kind"]].zh,
                f"{g['observed']}/{g['required']}",
                *([",".join(g.get("missed", []))] if periodic else []),
                *([g["status"], g["due"]] if as_of is not None else []),
            )
            for g in rows
        ],
        ["unit", "名称", "规则", "counterpart", "对象", "seen/needed"]
        + (["missed"] if periodic else [])
        + (["status", "due"] if as_of is not None else []),
    )


def _coverage_as_of_tables(cov: dict[str, Any]) -> None:
    click.echo(
        f"{cov['year']}年截至 {cov['as_of']} 覆盖率 {percent(cov['ratio'])} · "
        f"Coverage {cov['year']} as of {cov['as_of']}: {cov['met']} of {cov['expected']} requirements met so "
        f"far ({percent(cov['ratio'])}); {cov['on_track']} on track, {cov['behind']} behind, "
        f"{cov['unmet']} unmet\n"
    )
    heads = ["expected", "met", "on_track", "behind", "unmet", "ratio"]

    def cells(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r["expected"], r["met"], r["on_track"], r["behind"], r["unmet"], percent(r["ratio"]))

    emit_table([(r["level"], *cells(r)) for r in cov["by_level"]], ["level", *heads], title="By level",
               right=range(1, 7))  # fmt: skip
    click.echo()
    names = rule_names()
    emit_table([(*rule_name_pair(r["rule"], names), *cells(r)) for r in cov["by_rule"]], [*RULE_HEADS, *heads],
               title="By rule", right=range(2, 8))  # fmt: skip
    click.echo()
    emit_table(
        [(r["region_code"], r["name"], *cells(r)) for r in cov["by_region"]],
        ["region", "名称", *heads],
        title="By region (prefecture groups; the provincial bureau under the province)",
        right=range(2, 8),
    )
