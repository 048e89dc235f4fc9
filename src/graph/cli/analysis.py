"""``analyse`` and ``report``: the network analyses of one year, for people, scripts and offices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click

from .common import handle_errors, open_from, store_option, year_option
from .output import emit_json, emit_table, percent
from .systems import system_option
from .timing import DATE, as_of_option, optional_year_option, year_of

__all__ = ["analyse", "report"]


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


#: the Chinese name of each section, printed before its English title (the JSON key it shows)
SECTIONS_ZH = {
    "gaps": "缺口",
    "lapsed": "中断的渠道",
    "one_sided": "单向联系",
    "reciprocity": "互惠",
    "isolated": "孤立的税务局",
    "below_peers": "远低于同级",
    "mechanisms": "“四个三”机制",
    "balance": "条块平衡",
    "ei_index and density": "E-I 指数与密度",
    "brokerage": "中介角色",
    "betweenness": "中介中心度",
    "dormant": "沉寂的联系",
    "unexpected": "规则之外的联系",
    "congruence": "一致度",
}


def _section(title: str, count: int | None = None, shown: int | None = None) -> None:
    click.echo()
    more = (
        f" (first {shown} of {count}; --format json lists all)" if count and shown and count > shown else ""
    )
    zh = SECTIONS_ZH.get(title.split(":", 1)[0])
    click.secho(f"{zh} {title}{more}" if zh else f"{title}{more}", bold=True)


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, how to read a row's cell, and whether to right-align."""

    header: str
    cell: Callable[[Any], Any]
    right: bool = False


def _key(name: str) -> Callable[[Any], Any]:
    return lambda row: row[name]


def _columns(
    *specs: tuple[str, str | Callable[[Any], Any]] | tuple[str, str | Callable[[Any], Any], bool],
) -> tuple[Column, ...]:
    """``("header", "key")``, ``("header", function)``, with ``True`` third for right-aligned."""
    return tuple(
        Column(s[0], _key(s[1]) if isinstance(s[1], str) else s[1], len(s) > 2 and bool(s[2])) for s in specs
    )


@dataclass(frozen=True)
class TableSpec:
    """One section of ``analyse``'s table output, declared rather than written out.

    ``title(report, year)``, ``rows(report, year)`` (all of them) and ``columns(year)``; ``top``
    says how ``--top`` applies: "noted" (cut, and the title says so), "silent" (cut) or "all".
    """

    title: Callable[[dict[str, Any], int], str]
    rows: Callable[[dict[str, Any], int], list[Any]]
    columns: Callable[[int], tuple[Column, ...]]
    top: Literal["noted", "silent", "all"] = "noted"
    only_if_rows: bool = False  # print the title alone when there is nothing to list
    footer: Callable[[dict[str, Any], int], str] | None = None


def _one_sided_title(r: dict[str, Any], year: int) -> str:
    one = r["one_sided"]
    by_bureau = sum(1 for x in one if x["initiated_by"] == "bureau")
    own = sum(1 for x in one if x["same_region"])
    return (
        f"one_sided: {len(one)} pairs with links one way only ({by_bureau} only the bureau acts, "
        f"{len(one) - by_bureau} only the locality; {own} with the bureau's own locality), "
        f"{r['window'][0]}–{year}"
    )


def _reciprocity_title(r: dict[str, Any], year: int) -> str:
    sysr = r["reciprocity"]["system"]
    return (
        f"reciprocity: {sysr['mutual']} of {sysr['dyads']} bureau–local pairs mutual "
        f"({percent(sysr['dyad_reciprocity'])}); lowest bureaus"
    )


def _lowest_reciprocity(r: dict[str, Any], year: int) -> list[Any]:
    return sorted(
        (x for x in r["reciprocity"]["bureaus"] if x["reciprocity"] is not None),
        key=lambda x: (x["reciprocity"], x["bureau_id"]),
    )


def _mechanism_bureaus(x: dict[str, Any]) -> str:
    if x["status"] == "not_modelled":
        return "no evidence possible in the data model"
    return f"{x['bureaus']}/{x['applicable']}"


def _ei_density(r: dict[str, Any], year: int) -> list[Any]:
    ei, dn = r["ei_index"], r["density"]
    cp = dn["counterparts"]
    return [
        ("ei_index (line + links)", _num(ei["ei_index"], 3)),
        ("ei_index expected (complete graph)", _num(ei["expected"], 3)),
        ("ei_index (links only)", _num(ei["links_only"]["ei_index"], 3)),
        ("ties external / internal tax / internal local",
         f"{ei['external']} / {ei['internal_tax']} / {ei['internal_local']}"),
        ("density overall", _num(dn["overall"], 4)),
        ("density between sides", _num(dn["between"], 4)),
        ("density bureau × own-region local bodies", f"{_num(cp['density'], 3)} ({cp['tied']}/{cp['pairs']})"),
    ]  # fmt: skip


TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        title=lambda r, y: f"gaps: {len(r['gaps'])} expected contacts missing",
        rows=lambda r, y: r["gaps"],
        columns=lambda y: _columns(
            ("unit", "unit_id"), ("名称", "name"), ("规则 rule", "rule"),
            ("counterpart", lambda g: g["counterpart_id"] or "(missing)"),
        ),
    ),
    TableSpec(
        title=lambda r, y: f"lapsed: {len(r['lapsed'])} channels alive in {y - 1}, none in {y}",
        rows=lambda r, y: r["lapsed"],
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("名称", "name"), ("counterpart", "counterpart_id"), ("family", "family"),
            (f"{y - 1}", f"count_{y - 1}", True),
        ),
        footer=lambda r, y: (
            f"lapsed_requirements: {len(r['lapsed_requirements'])} rules met in {y - 1} and unmet in {y}; "
            f"revived: {len(r['revived'])} channels back in {y}"
        ),
    ),
    TableSpec(
        title=_one_sided_title,
        rows=lambda r, y: r["one_sided"],
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("counterpart", "counterpart_id"), ("only", "initiated_by"),
            ("links", lambda x: x["bureau_to_local"] + x["local_to_bureau"], True),
            ("kinds", lambda x: ",".join(x["kinds"])),
        ),
    ),
    TableSpec(
        title=_reciprocity_title,
        rows=_lowest_reciprocity,
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("名称", "name"), ("partners", "partners", True), ("mutual", "mutual", True),
            ("reciprocity", lambda x: percent(x["reciprocity"]), True),
            ("initiative", lambda x: percent(x["initiative"]), True),
        ),
        top="silent",
    ),
    TableSpec(
        title=lambda r, y: f"isolated: {len(r['isolated'])} bureaus without any horizontal tie",
        rows=lambda r, y: r["isolated"],
        columns=lambda y: _columns(("bureau", "bureau_id"), ("名称", "name"), ("level", "level")),
        top="all",
        only_if_rows=True,
    ),
    TableSpec(
        title=lambda r, y: (
            f"below_peers: {len(r['below_peers'])} bureaus far below the peers of their level (robust z)"
        ),
        rows=lambda r, y: r["below_peers"],
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("名称", "name"), ("level", "level"), ("links", "value", True),
            ("median", "median", True), ("z", lambda x: _num(x["z"]), True),
        ),
    ),
    TableSpec(
        title=lambda r, y: "mechanisms: the four threes (四个三), bureaus with evidence",
        rows=lambda r, y: r["mechanisms"]["mechanisms"],
        columns=lambda y: _columns(
            ("group", "group_zh"), ("机制", "zh"), ("id", "id"), ("bureaus", _mechanism_bureaus),
            ("links", lambda x: x["events"] if x["status"] != "not_modelled" else "", True),
        ),
        top="all",
    ),
    TableSpec(
        title=lambda r, y: "balance: horizontal vs vertical ties per prefecture group",
        rows=lambda r, y: r["balance"]["prefectures"],
        columns=lambda y: _columns(
            ("region", "region_code"), ("名称", "name"), ("bureaus", "bureaus", True),
            ("horizontal", "horizontal_ties", True), ("vertical", "vertical_ties", True),
            ("balance", lambda x: percent(x["balance"]), True),
        ),
        top="all",
    ),
    TableSpec(
        title=lambda r, y: "ei_index and density: tax side vs local side",
        rows=_ei_density,
        columns=lambda y: _columns(("measure", lambda x: x[0]), ("value", lambda x: x[1], True)),
        top="all",
    ),
    TableSpec(
        title=lambda r, y: "brokerage: Gould–Fernandez roles (tax / local groups), top bureaus",
        rows=lambda r, y: r["brokerage"],
        columns=lambda y: _columns(
            ("bureau", "id"), ("名称", "name"), ("coord.", "coordinator", True), ("itin.", "itinerant", True),
            ("repr.", "representative", True), ("gatek.", "gatekeeper", True), ("liaison", "liaison", True),
            ("total", "total", True),
        ),
    ),
    TableSpec(
        title=lambda r, y: "betweenness: undirected tie graph, normalised",
        rows=lambda r, y: r["betweenness"],
        columns=lambda y: _columns(
            ("unit", "id"), ("名称", "name"), ("side", "group"), ("betweenness", lambda x: _num(x["betweenness"], 4), True)
        ),
        top="silent",
    ),
    TableSpec(
        title=lambda r, y: (
            f"dormant: {len(r['dormant'])} ties silent for more than k × their own median interval, "
            f"as of {r['as_of']}"
        ),
        rows=lambda r, y: r["dormant"],
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("名称", "name"), ("counterpart", "counterpart_id"), ("对象", "counterpart_name"),
            ("last contact", "last_contact"), ("median days", lambda x: _num(x["median_interval_days"], 1), True),
            ("days silent", "days_silent", True),
        ),
    ),
    TableSpec(
        title=lambda r, y: f"unexpected: {len(r['unexpected'])} bureau–local pairs with contact no rule expects",
        rows=lambda r, y: r["unexpected"],
        columns=lambda y: _columns(
            ("bureau", "bureau_id"), ("名称", "name"), ("counterpart", "counterpart_id"), ("对象", "counterpart_name"),
            ("reason", "reason"), ("links", "count", True),
        ),
    ),
    TableSpec(
        title=lambda r, y: (
            f"congruence: {r['congruence']['system']['contacted_pairs']} of "
            f"{r['congruence']['system']['expected_pairs']} expected pairs with contact "
            f"({percent(r['congruence']['system']['congruence'])}; coverage "
            f"{percent(r['congruence']['system']['coverage'])}), per prefecture group"
        ),
        rows=lambda r, y: r["congruence"]["regions"],
        columns=lambda y: _columns(
            ("region", "region_code"), ("名称", "name"), ("expected pairs", "expected_pairs", True),
            ("contacted", "contacted_pairs", True), ("congruence", lambda x: percent(x["congruence"]), True),
            ("coverage", lambda x: percent(x["coverage"]), True),
        ),
        top="all",
    ),
)  # fmt: skip


def _emit_tables(r: dict[str, Any], top: int) -> None:
    year = r["year"]
    click.echo(f"网络分析 Network analysis {year}（窗口 window {r['window'][0]}–{r['window'][-1]}）")
    for spec in TABLES:
        rows = spec.rows(r, year)
        if spec.top == "noted":
            _section(spec.title(r, year), len(rows), top)
        else:
            _section(spec.title(r, year))
        shown = rows if spec.top == "all" else rows[:top]
        if shown or not spec.only_if_rows:
            columns = spec.columns(year)
            emit_table(
                [tuple(c.cell(x) for c in columns) for x in shown],
                [c.header for c in columns],
                right=tuple(i for i, c in enumerate(columns) if c.right),
            )
        if spec.footer is not None:
            click.echo(spec.footer(r, year))


@click.command()
@year_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json (every row, keys named after the analyses) for scripts.",
)
@click.option(
    "--threshold",
    type=float,
    default=2.0,
    show_default=True,
    help="below_peers: flag bureaus whose robust z-score is at or below minus this.",
)
@click.option(
    "--top", type=int, default=15, show_default=True, help="Rows per table (table format; json lists all)."
)
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Date the dormant ties, unexpected contact and congruence are judged at (default: the end of "
    "--year); contact after it is not counted.",
)
@click.option(
    "--dormant-factor",
    type=click.FloatRange(min=0, min_open=True),
    default=8.0,
    show_default=True,
    help="dormant: a tie with at least three contacts is dormant when silent for more than this many "
    "times its median interval.",
)
@store_option
@handle_errors
@system_option
def analyse(
    year: int,
    fmt: str,
    threshold: float,
    top: int,
    as_of: dt.date | None,
    dormant_factor: float,
    store_location: str | None,
) -> None:
    """Network analysis of horizontal contact in the year.

    Gaps (the rules), lapsed channels, one-sided pairs, reciprocity, isolated bureaus and those far
    below their peers, the "four threes" mechanism profile, horizontal/vertical balance, E-I index,
    density, Gould–Fernandez brokerage and betweenness; and over time, as of --as-of: dormant ties
    (silent by their own rhythm), unexpected contact (no rule expects it) and congruence (expected
    pairs with contact, beside coverage). See docs/analysis.md for definitions.
    """
    from ..analysis import analyse as run

    with open_from(store_location) as store:
        result = run(
            store,
            year,
            threshold=threshold,
            top=None if fmt == "json" else top,
            as_of=as_of,
            dormant_factor=dormant_factor,
        )
    if fmt == "json":
        emit_json(result)
        return
    _emit_tables(result, top)


@click.command()
@optional_year_option
@as_of_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write (self-contained: charts and font embedded); the gaps go to OUT-gaps.csv beside it.",
)
@click.option(
    "--pdf",
    "pdf",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[FILE]",
    help="Also print the report to PDF (A4) with headless Chromium; FILE defaults to OUT with .pdf.",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of the report."
)
@click.option(
    "--issuer",
    metavar="TEXT",
    help="The issuing unit, printed in every page's header (e.g. 某某局党委办公室).",
)
@click.option(
    "--region",
    "region_code",
    metavar="CODE",
    help="Only this region (e.g. a prefecture, 230100): its bureaus ranked.",
)
@store_option
@handle_errors
@system_option
def report(
    year: int | None,
    as_of: dt.date | None,
    out: Path,
    pdf: str | None,
    lang: str,
    issuer: str | None,
    region_code: str | None,
    store_location: str | None,
) -> None:
    """Write the coverage report for the year as HTML (and PDF), ready to print or send on.

    First page: a summary in Chinese (or English with --lang en) and the prefectures ranked; then
    coverage by prefecture and requirement, the gaps as a matrix per prefecture, lapsed channels,
    bureaus meeting every requirement, one-sided contact, bureaus far behind their peers and the
    "four threes" mechanisms. See docs/analysis.md.

    With --as-of, a monitoring page: it leads with the standing as of that date (the year defaults to
    the date's) — the requirements behind and the ties gone quiet by their own rhythm, per
    prefecture — with contact month by month, the rule × region status grid and congruence.
    """
    from ..report import write_report

    year = year_of(year, as_of)
    pdf_path = None if pdf is None else (Path(pdf) if pdf else out.with_suffix(".pdf"))
    with open_from(store_location) as store:
        info = write_report(
            store, year, out, lang=lang, issuer=issuer, region=region_code, pdf=pdf_path, as_of=as_of
        )
    if info["font"] is None:
        click.echo(
            "warning: no CJK font found, Chinese in the charts will show as boxes; install the Python "
            "package noto-cjk-sans-otc (or the Debian package fonts-noto-cjk)",
            err=True,
        )
    if info["pdf"]:
        click.echo(f"wrote {info['pdf']}", err=True)
    standing = (
        f"; as of {as_of.isoformat()}: {info['behind']} requirements behind, {info['dormant']} dormant ties"
        if as_of is not None
        else ""
    )
    click.echo(f"wrote {out}: {info['gaps']} gaps, coverage {percent(info['ratio'])}{standing}", err=True)
