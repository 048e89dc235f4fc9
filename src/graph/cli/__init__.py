"""The ``tiaokuai`` command: thin wrappers that parse options and call the library."""

from __future__ import annotations

import click

from .. import __version__
from .analysis import analyse, report
from .data import clear, export, load, sample
from .keys import audit, keys
from .migrate import migrate
from .reports import coverage, gaps, stats
from .serve import schema, serve
from .trend import trend

__all__ = ["main", "cli"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tiaokuai")
def cli() -> None:
    """tiaokuai (条块): vertical lines and horizontal blocks.

    Load party-building ledgers into a graph, then ask which bureaus keep the horizontal contact
    with their localities that the rules expect. The store is an embedded file by default, or
    Neo4j with --store bolt://… (or TIAOKUAI_STORE).
    """


for command in (
    load,
    clear,
    stats,
    coverage,
    gaps,
    trend,
    export,
    sample,
    serve,
    schema,
    analyse,
    report,
    migrate,
):
    cli.add_command(command)
cli.add_command(keys)  # the keys file: who may call the API, over which regions (docs/security.md)
cli.add_command(audit)


def main() -> None:
    cli(prog_name="tiaokuai")
