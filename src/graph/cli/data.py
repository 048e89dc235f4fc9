"""``load``, ``export`` and ``sample``: getting data in and out."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from ..store import Store
from ..store.base import Replace
from .common import EXIT_INVALID, handle_errors, open_from, store_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    envvar="TIAOKUAI_LOAD_JOBS",
    help="Neo4j: concurrent write transactions of a load above 100,000 links "
    "(default: the CPUs here, 2 to 8; 1 writes one stream of batches). Env: TIAOKUAI_LOAD_JOBS.",
)
@click.option(
    "--recover",
    is_flag=True,
    help="Neo4j: first remove what an interrupted load left (invisible to queries), or finish a "
    "committed one; then load PATHS, if any. Run it only when no other load is running.",
)
@click.option(
    "--replace",
    metavar="year=YYYY|region=CODE",
    callback=lambda _ctx, _param, value: _parse_replace(value),
    help="Replace a slice of the stored links by the files' links: those dated in YYYY, or those "
    "with an end unit in region CODE or a region within it. Stored links of the slice that the "
    "files do not carry are deleted, in the same all-or-nothing load: readers see the old slice "
    "or the new one. 替换某年或某地区的联系记录。",
)
@click.option(
    "--bulk",
    is_flag=True,
    help="Neo4j: a first load into an EMPTY LOCAL database (the one scripts/neo4j runs) through "
    "neo4j-admin import: writes its CSVs (kept in TIAOKUAI_BULK_DIR if set), stops the server, "
    "imports, starts it and applies the schema. Refused, with exit status 1, for any other store.",
)
@store_option
@handle_errors
def load(
    paths: tuple[Path, ...], dry_run: bool, quiet: bool, jobs: int | None, recover: bool,
    replace: Replace | None, bulk: bool, store_location: str | None,
) -> None:  # fmt: skip
    """Validate and load ledger files (CSV or XLSX) or folders of them, all or nothing.

    Problems are printed as FILE:ROW: column: message, all at once; with any problem nothing is
    written and the exit status is 1. Into Neo4j, a load above 100,000 links is written in
    batches, in parallel (--jobs), that queries see only once all of them are written: a load that
    fails or is killed leaves nothing visible, and the next load (or --recover) removes it. Such a
    load ends with the time of each step (各步用时 steps) above its summary line.
    """
    from ..ingest import load_parsed, reader
    from .progress import progress_callback

    if not paths and not recover:
        raise click.UsageError("give ledger files or folders to load (or --recover)")
    started = time.monotonic()
    with open_from(store_location) as store, progress_callback(enabled=not quiet) as progress:
        if recover:
            _recover(store, quiet)
        if not paths:
            return
        store.configure_writes(jobs=jobs, progress=progress, replace=replace, bulk=bulk and not dry_run)
        report = load_parsed(store, reader()(list(paths)), dry_run=dry_run, progress=progress)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    extra = report.summary.extra if report.summary is not None else {}
    if bulk and "bulk_csv_ms" in extra and not quiet:
        s = {k: extra.get(f"bulk_{k}_ms", 0) / 1000 for k in ("csv", "stop", "import", "start", "schema")}
        click.echo(
            f"bulk: CSVs written in {s['csv']:.1f} s while the server stopped (then {s['stop']:.1f} s "
            f"more for the stop), imported in {s['import']:.1f} s, server started in {s['start']:.1f} s, "
            f"schema in {s['schema']:.1f} s",
            err=True,
        )
    steps = {k[5:-3]: v / 1000 for k, v in extra.items() if k.startswith("step_") and k.endswith("_ms")}
    if steps and not quiet:  # a batched Neo4j load: where its time went
        times = {"validate": report.validate_s, **steps}
        line = ", ".join(f"{_STEP_NAMES.get(k, k)} {v:.1f} s" for k, v in times.items())
        click.echo(f"各步用时 steps: {line}", err=True)
    if replace is not None and report.summary is not None and not quiet:
        gone = report.summary.extra.get("links_replaced", 0)
        click.echo(
            f"replaced the links of {replace.describe()}: {gone} stored link(s) not in the files deleted",
            err=True,
        )
    if not quiet:
        verb = "validated (dry run, nothing written)" if dry_run else f"loaded into {store.location}"
        took = time.monotonic() - started
        click.echo(
            f"{report.files} file(s) {verb}: {report.regions} regions, {report.units} units, "
            f"{report.links} links ({report.links_created} new) in {took:.1f} s "
            f"({report.links / max(took, 1e-9):,.0f} links/s)",
            err=True,
        )


#: the steps of a batched Neo4j load (graph.store.neo4j_load), as the summary names them
_STEP_NAMES = {
    "validate": "校验 validate",
    "begin": "开始 begin",
    "stage": "暂存单位 stage units",
    "write": "写入联系 write links",
    "hide": "隐藏被替换 hide replaced",
    "switch": "切换 switch",
    "finish": "收尾 finish",
}


def _parse_replace(value: str | None) -> Replace | None:
    """``year=2020`` or ``region=230100`` (also 年=, 地区=); a usage error otherwise."""
    if value is None:
        return None
    key, sep, arg = value.partition("=")
    key, arg = key.strip().lower(), arg.strip()
    if sep and key in ("year", "年") and arg.isdigit() and len(arg) == 4:
        return Replace(year=int(arg))
    if sep and key in ("region", "地区") and arg:
        return Replace(region=arg)
    raise click.BadParameter(f"{value!r}: give year=YYYY or region=CODE", param_hint="--replace")


def _recover(store: Store, quiet: bool) -> None:
    handled = store.recover()
    if not quiet:
        click.echo(f"recovered {len(handled)} interrupted load(s) in {store.location}", err=True)


@click.command()
@click.option("--yes", is_flag=True, help="Really delete everything in the store.")
@store_option
@handle_errors
def clear(yes: bool, store_location: str | None) -> None:
    """Delete every region, unit, link and gap record of the store (in batches, any size).

    清空图库。Without --yes nothing is deleted and the exit status is 1.
    """
    if not yes:
        click.echo("error: clear deletes everything in the store; add --yes to confirm", err=True)
        sys.exit(EXIT_INVALID)
    with open_from(store_location) as store:
        n = store.clear()
        click.echo(f"cleared {store.location}: {n} regions, units and other records deleted", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--year", "years", type=int, multiple=True, help="Only links dated in this year (repeatable).")
@store_option
@handle_errors
def export(fmt: str, out: Path, years: tuple[int, ...], store_location: str | None) -> None:
    """Write the graph for Gephi (gexf), yEd/Cytoscape (graphml) or networkx (json node-link)."""
    from ..queries.export import write_graph

    with open_from(store_location) as store:
        n_nodes, n_edges = write_graph(store, out, fmt, list(years) or None)
    click.echo(f"wrote {out}: {n_nodes} nodes, {n_edges} edges", err=True)


@click.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write into."
)
@click.option("--seed", type=int, help="Generator seed (default 2020; 1 with --national).")
@click.option(
    "--national",
    is_flag=True,
    help="The national synthetic system the benchmarks load (about 4,000 bureaus and 1,000,000 links "
    "over 2019–2023 at scale 1.0) instead of the Heilongjiang sample; the links are written as they "
    "are drawn, so memory does not grow with --scale.",
)
@click.option(
    "--scale", type=click.FloatRange(min=0, min_open=True, max=7.0), default=1.0, show_default=True,
    help="With --national: multiplies bureaus and links.",
)  # fmt: skip
@click.option(
    "--system",
    "system",
    type=click.Choice(["tax", "meteorology", "customs", "all"]),
    default="tax",
    show_default=True,
    help="Which system's Heilongjiang sample: tax (the case study), meteorology, customs (with the shared "
    "regions and local side), or all three in one folder.",
)
def sample(out: Path, seed: int | None, national: bool, scale: float, system: str) -> None:
    """Write the bundled Heilongjiang sample (2019–2021), or with --national the national
    synthetic dataset, as ledger CSV files."""
    if national:
        if system != "tax":
            raise click.UsageError(
                "--national is the tax system's national dataset; it does not take --system."
            )
        from ..synthetic.national import write_national

        paths = write_national(out, scale=scale, seed=1 if seed is None else seed)
    else:
        from ..synthetic.systems_sample import write_samples

        paths = write_samples(out, system, seed=2020 if seed is None else seed)
    for p in paths:
        click.echo(str(p))
    click.echo(f"wrote {len(paths)} ledger files to {out}; load them with: tiaokuai load {out}", err=True)
    sys.stdout.flush()
