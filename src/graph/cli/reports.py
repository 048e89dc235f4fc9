"""``stats``, ``coverage`` and ``gaps``: the year's figures for people and scripts."""

from __future__ import annotations

import click

from .. import rules
from ..model.vocabulary import vocabulary
from ..queries.stats import stats as compute_stats
from ..rules import gapwrite
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

GAP_COLUMNS = ["unit_id", "rule", "family", "counterpart_kind", "counterpart_id", "required", "observed"]


@click.command()
@year_option
@format_option
@store_option
@handle_errors
def stats(year: int, fmt: str, store_location: str | None) -> None:
    """Totals for the year: units, link records, counts and participants by family and kind."""
    with open_from(store_location) as store:
        data = compute_stats(store, year)
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
@year_option
@level_option
@region_option
@format_option
@store_option
@handle_errors
def coverage(
    year: int, level: str | None, region_code: str | None, fmt: str, store_location: str | None
) -> None:
    """Coverage report: met / expected requirements, by level, rule, region and bureau."""
    with open_from(store_location) as store:
        cov = rules.coverage(store, year, level=level, region_code=region_code).as_dict()
    if fmt == "json":
        emit_json(cov)
        return
    if fmt == "csv":
        emit_csv(
            [{"unit_id": u["unit_id"], "name": u["name"], **u} for u in cov["units"]],
            ["unit_id", "name", "expected", "met", "ratio"],
        )
        return
    click.echo(
        f"Coverage {year}: {cov['met']} of {cov['expected']} requirements met ({percent(cov['ratio'])})\n"
    )
    emit_table(
        [(r["level"], r["expected"], r["met"], percent(r["ratio"])) for r in cov["by_level"]],
        ["level", "expected", "met", "ratio"],
        title="By level",
        right=(1, 2, 3),
    )
    click.echo()
    emit_table(
        [(r["rule"], r["expected"], r["met"], percent(r["ratio"])) for r in cov["by_rule"]],
        ["rule", "expected", "met", "ratio"],
        title="By rule",
        right=(1, 2, 3),
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
@year_option
@level_option
@region_option
@click.option("--rule", "rule_id", metavar="RULE", help="Only this rule (see schema/expectations.yaml).")
@click.option(
    "--write",
    is_flag=True,
    help="Also store the year's gaps and coverage in the store: in Neo4j as :Gap and :Coverage nodes "
    "(docs/browser.md), in the embedded file as the gaps and coverage tables (docs/stores.md).",
)
@format_option
@store_option
@handle_errors
def gaps(
    year: int,
    level: str | None,
    region_code: str | None,
    rule_id: str | None,
    write: bool,
    fmt: str,
    store_location: str | None,
) -> None:
    """Unmet requirements: which bureau lacks which horizontal contact in the year."""
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
        )
        names = store.get_units(
            {g.unit_id for g in found} | {g.counterpart_id for g in found if g.counterpart_id}
        )
    rows = [g.as_gap() for g in found]
    if fmt == "json":
        emit_json(rows)
        return
    if fmt == "csv":
        emit_csv(rows, GAP_COLUMNS)
        return
    vocab = vocabulary()
    click.echo(f"Gaps {year}: {len(rows)} unmet requirement{'s' if len(rows) != 1 else ''}\n")
    emit_table(
        [
            (
                g["unit_id"],
                names[g["unit_id"]].name,
                g["rule"],
                g["counterpart_id"] or "(missing)",
                names[g["counterpart_id"]].name
                if g["counterpart_id"]
                else vocab.unit_kinds[g["counterpart_kind"]].zh,
                f"{g['observed']}/{g['required']}",
            )
            for g in rows
        ],
        ["unit", "名称", "rule", "counterpart", "对象", "seen/needed"],
    )
