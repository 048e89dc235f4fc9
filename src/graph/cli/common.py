"""Options shared by subcommands, and the one place where errors become exit codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import ConfigError, LoadError, NotFound, StoreUnavailable, TiaokuaiError
from ..store import Store, open_store

__all__ = ["store_option", "format_option", "year_option", "level_option", "region_option", "handle_errors",
           "open_from", "EXIT_INVALID", "EXIT_UNAVAILABLE"]  # fmt: skip

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INVALID = 1  # invalid input (contract: load exits 1)
EXIT_UNAVAILABLE = 2  # store unreachable or misconfigured

store_option = click.option(
    "--store",
    "store_location",
    envvar="TIAOKUAI_STORE",
    metavar="PATH|URI",
    help="Embedded store file (default ~/.local/share/tiaokuai/graph.tkg) or a bolt:// / neo4j:// URI. "
    "Env: TIAOKUAI_STORE.",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="table for people, json or csv for scripts.",
)
year_option = click.option("--year", type=int, required=True, help="Calendar year, e.g. 2020.")
level_option = click.option(
    "--level",
    type=click.Choice(["national", "provincial", "prefecture", "county"]),
    help="Only bureaus of this level.",
)
region_option = click.option(
    "--region", "region_code", metavar="CODE", help="Only bureaus in this region (six-digit code) or below."
)


def open_from(location: str | None, timeout: float | None = None) -> Store:
    return open_store(location, timeout=timeout)


def handle_errors(func: F) -> F:
    """Turn expected failures into a message on stderr and an exit code: never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LoadError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            n = len(exc.problems)
            click.echo(f"error: {n} problem{'s' if n != 1 else ''} found; nothing was written.", err=True)
            sys.exit(EXIT_INVALID)
        except (StoreUnavailable, ConfigError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_UNAVAILABLE)
        except (NotFound, TiaokuaiError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INVALID)

    return wrapper  # type: ignore[return-value]
