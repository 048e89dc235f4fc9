"""``analyse`` and ``report``: the network analyses of one year, for people, scripts and offices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import handle_errors, open_from, store_option, year_option
from .output import emit_json, emit_table, percent

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
@store_option
@handle_errors
def analyse(year: int, fmt: str, threshold: float, top: int, store_location: str | None) -> None:
    """Network analysis of horizontal contact in the year.

    Gaps (the rules), lapsed channels, one-sided pairs, reciprocity, isolated bureaus and those far
    below their peers, the "four threes" mechanism profile, horizontal/vertical balance, E-I index,
    density, Gould–Fernandez brokerage and betweenness. See docs/analysis.md for definitions.
    """
    from ..analysis import analyse as run

    with open_from(store_location) as store:
        result = run(store, year, threshold=threshold, top=None if fmt == "json" else top)
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
def report(
    year: int,
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
    """
    from ..report import write_report

    pdf_path = None if pdf is None else (Path(pdf) if pdf else out.with_suffix(".pdf"))
    with open_from(store_location) as store:
        info = write_report(store, year, out, lang=lang, issuer=issuer, region=region_code, pdf=pdf_path)
    if info["font"] is None:
        click.echo(
            "warning: no CJK font found, Chinese in the charts will show as boxes; install the Python "
            "package noto-cjk-sans-otc (or the Debian package fonts-noto-cjk)",
            err=True,
        )
    if info["pdf"]:
        click.echo(f"wrote {info['pdf']}", err=True)
    click.echo(f"wrote {out}: {info['gaps']} gaps, coverage {percent(info['ratio'])}", err=True)
