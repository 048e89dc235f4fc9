"""``analyse`` and ``report``: the network analyses of one year, for people, scripts and offices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from .common import handle_errors, open_from, store_option, year_option
from .output import emit_json, emit_table, percent
from .timing import DATE

__all__ = ["analyse", "report"]


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _section(title: str, count: int | None = None, shown: int | None = None) -> None:
    click.echo()
    more = (
        f" (first {shown} of {count}; --format json lists all)" if count and shown and count > shown else ""
    )
    click.secho(f"{title}{more}", bold=True)


def _emit_tables(r: dict[str, Any], top: int) -> None:
    year = r["year"]
    click.echo(f"Network analysis {year} (window {r['window'][0]}–{r['window'][-1]})")

    _section(f"gaps: {len(r['gaps'])} expected contacts missing", len(r["gaps"]), top)
    emit_table(
        [(g["unit_id"], g["name"], g["rule"], g["counterpart_id"] or "(missing)") for g in r["gaps"][:top]],
        ["unit", "名称", "rule", "counterpart"],
    )

    _section(
        f"lapsed: {len(r['lapsed'])} channels alive in {year - 1}, none in {year}", len(r["lapsed"]), top
    )
    emit_table(
        [(x["bureau_id"], x["name"], x["counterpart_id"], x["family"], x[f"count_{year - 1}"])
         for x in r["lapsed"][:top]],
        ["bureau", "名称", "counterpart", "family", f"{year - 1}"], right=(4,),
    )  # fmt: skip
    click.echo(
        f"lapsed_requirements: {len(r['lapsed_requirements'])} rules met in {year - 1} and unmet in {year}; "
        f"revived: {len(r['revived'])} channels back in {year}"
    )

    one = r["one_sided"]
    by_bureau = sum(1 for x in one if x["initiated_by"] == "bureau")
    own = sum(1 for x in one if x["same_region"])
    _section(
        f"one_sided: {len(one)} pairs with links one way only ({by_bureau} only the bureau acts, "
        f"{len(one) - by_bureau} only the locality; {own} with the bureau's own locality), "
        f"{r['window'][0]}–{year}",
        len(one),
        top,
    )
    emit_table(
        [(x["bureau_id"], x["counterpart_id"], x["initiated_by"], x["bureau_to_local"] + x["local_to_bureau"],
          ",".join(x["kinds"])) for x in one[:top]],
        ["bureau", "counterpart", "only", "links", "kinds"], right=(3,),
    )  # fmt: skip

    sysr = r["reciprocity"]["system"]
    _section(
        f"reciprocity: {sysr['mutual']} of {sysr['dyads']} bureau–local pairs mutual "
        f"({percent(sysr['dyad_reciprocity'])}); lowest bureaus"
    )
    low = sorted(
        (x for x in r["reciprocity"]["bureaus"] if x["reciprocity"] is not None),
        key=lambda x: (x["reciprocity"], x["bureau_id"]),
    )[:top]
    emit_table(
        [(x["bureau_id"], x["name"], x["partners"], x["mutual"], percent(x["reciprocity"]),
          percent(x["initiative"])) for x in low],
        ["bureau", "名称", "partners", "mutual", "reciprocity", "initiative"], right=(2, 3, 4, 5),
    )  # fmt: skip

    _section(f"isolated: {len(r['isolated'])} bureaus without any horizontal tie")
    if r["isolated"]:
        emit_table(
            [(x["bureau_id"], x["name"], x["level"]) for x in r["isolated"]], ["bureau", "名称", "level"]
        )

    bp = r["below_peers"]
    _section(f"below_peers: {len(bp)} bureaus far below the peers of their level (robust z)", len(bp), top)
    emit_table(
        [(x["bureau_id"], x["name"], x["level"], x["value"], x["median"], _num(x["z"])) for x in bp[:top]],
        ["bureau", "名称", "level", "links", "median", "z"], right=(3, 4, 5),
    )  # fmt: skip

    m = r["mechanisms"]
    _section("mechanisms: the four threes (四个三), bureaus with evidence")
    emit_table(
        [(x["group_zh"], x["zh"], x["id"],
          "no evidence possible in the data model" if x["status"] == "not_modelled"
          else f"{x['bureaus']}/{x['applicable']}", x["events"] if x["status"] != "not_modelled" else "")
         for x in m["mechanisms"]],
        ["group", "机制", "id", "bureaus", "links"], right=(4,),
    )  # fmt: skip

    _section("balance: horizontal vs vertical ties per prefecture group")
    emit_table(
        [(x["region_code"], x["name"], x["bureaus"], x["horizontal_ties"], x["vertical_ties"],
          percent(x["balance"])) for x in r["balance"]["prefectures"]],
        ["region", "名称", "bureaus", "horizontal", "vertical", "balance"], right=(2, 3, 4, 5),
    )  # fmt: skip

    ei, dn = r["ei_index"], r["density"]
    cp = dn["counterparts"]
    _section("ei_index and density: tax side vs local side")
    emit_table(
        [
            ("ei_index (line + links)", _num(ei["ei_index"], 3)),
            ("ei_index expected (complete graph)", _num(ei["expected"], 3)),
            ("ei_index (links only)", _num(ei["links_only"]["ei_index"], 3)),
            ("ties external / internal tax / internal local",
             f"{ei['external']} / {ei['internal_tax']} / {ei['internal_local']}"),
            ("density overall", _num(dn["overall"], 4)),
            ("density between sides", _num(dn["between"], 4)),
            ("density bureau × own-region local bodies",
             f"{_num(cp['density'], 3)} ({cp['tied']}/{cp['pairs']})"),
        ],
        ["measure", "value"], right=(1,),
    )  # fmt: skip

    _section("brokerage: Gould–Fernandez roles (tax / local groups), top bureaus", len(r["brokerage"]), top)
    emit_table(
        [(x["id"], x["name"], x["coordinator"], x["itinerant"], x["representative"], x["gatekeeper"],
          x["liaison"], x["total"]) for x in r["brokerage"][:top]],
        ["bureau", "名称", "coord.", "itin.", "repr.", "gatek.", "liaison", "total"],
        right=(2, 3, 4, 5, 6, 7),
    )  # fmt: skip

    _section("betweenness: undirected tie graph, normalised")
    emit_table(
        [(x["id"], x["name"], x["group"], _num(x["betweenness"], 4)) for x in r["betweenness"][:top]],
        ["unit", "名称", "side", "betweenness"],
        right=(3,),
    )
    _emit_time_tables(r, top)


def _emit_time_tables(r: dict[str, Any], top: int) -> None:
    dormant = r["dormant"]
    _section(
        f"dormant: {len(dormant)} ties silent for more than k × their own median interval, as of {r['as_of']}",
        len(dormant),
        top,
    )
    emit_table(
        [(x["bureau_id"], x["name"], x["counterpart_id"], x["counterpart_name"], x["last_contact"],
          _num(x["median_interval_days"], 1), x["days_silent"]) for x in dormant[:top]],
        ["bureau", "名称", "counterpart", "对象", "last contact", "median days", "days silent"],
        right=(5, 6),
    )  # fmt: skip
    une = r["unexpected"]
    _section(f"unexpected: {len(une)} bureau–local pairs with contact no rule expects", len(une), top)
    emit_table(
        [(x["bureau_id"], x["name"], x["counterpart_id"], x["counterpart_name"], x["reason"], x["count"])
         for x in une[:top]],
        ["bureau", "名称", "counterpart", "对象", "reason", "links"], right=(5,),
    )  # fmt: skip
    cg = r["congruence"]
    sysc = cg["system"]
    _section(
        f"congruence: {sysc['contacted_pairs']} of {sysc['expected_pairs']} expected pairs with contact "
        f"({percent(sysc['congruence'])}; coverage {percent(sysc['coverage'])}), per prefecture group"
    )
    emit_table(
        [(x["region_code"], x["name"], x["expected_pairs"], x["contacted_pairs"], percent(x["congruence"]),
          percent(x["coverage"])) for x in cg["regions"]],
        ["region", "名称", "expected pairs", "contacted", "congruence", "coverage"], right=(2, 3, 4, 5),
    )  # fmt: skip


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
@year_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="HTML file to write (self-contained: charts and font embedded).",
)
@store_option
@handle_errors
def report(year: int, out: Path, store_location: str | None) -> None:
    """Write a self-contained HTML coverage report for the year, ready to send on.

    Headline coverage against last year, the gaps, a heatmap of coverage by prefecture and rule,
    the coverage trend over the years in the store and the bureaus most behind their peers.
    """
    from ..report import write_report

    with open_from(store_location) as store:
        info = write_report(store, year, out)
    if info["font"] is None:
        click.echo(
            "warning: no CJK font found, Chinese in the charts will show as boxes; install the Python "
            "package noto-cjk-sans-otc (or the Debian package fonts-noto-cjk)",
            err=True,
        )
    click.echo(f"wrote {out}: {info['gaps']} gaps, coverage {percent(info['ratio'])}", err=True)
