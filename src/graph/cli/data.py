"""``load``, ``export`` and ``sample``: getting data in and out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import handle_errors, open_from, store_option


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@store_option
@handle_errors
def load(paths: tuple[Path, ...], dry_run: bool, quiet: bool, store_location: str | None) -> None:
    """Validate and load ledger files (CSV or XLSX) or folders of them, all or nothing.

    Problems are printed as FILE:ROW: column: message, all at once; with any problem nothing is
    written and the exit status is 1.
    """
    from ..ingest import load_parsed, reader
    from .progress import progress_callback

    read = reader()
    with open_from(store_location) as store, progress_callback(enabled=not quiet) as progress:
        report = load_parsed(store, read(list(paths)), dry_run=dry_run, progress=progress)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        verb = "validated (dry run, nothing written)" if dry_run else f"loaded into {store.location}"
        click.echo(
            f"{report.files} file(s) {verb}: {report.regions} regions, {report.units} units, "
            f"{report.links} links ({report.links_created} new)",
            err=True,
        )


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
@click.option("--seed", type=int, default=2020, show_default=True, help="Generator seed.")
@click.option(
    "--system",
    "system",
    type=click.Choice(["tax", "meteorology", "customs", "all"]),
    default="tax",
    show_default=True,
    help="Which system's sample: tax (the case study), meteorology, customs (with the shared regions and "
    "local side), or all three in one folder.",
)
def sample(out: Path, seed: int, system: str) -> None:
    """Write the bundled Heilongjiang sample (2019–2021) as ledger CSV files."""
    from ..synthetic.systems_sample import write_samples

    paths = write_samples(out, system, seed=seed)
    for p in paths:
        click.echo(str(p))
    click.echo(f"wrote {len(paths)} ledger files to {out}; load them with: tiaokuai load {out}", err=True)
    sys.stdout.flush()
