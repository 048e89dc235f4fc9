"""``--system`` on the commands that ask about coverage (stats, coverage, gaps, analyse, report)
and ``coverage --by system``: the locality's view across systems (issue 20).

Why decorators: the option means the same everywhere (only that system's rules, so only its units'
requirements), and the commands' bodies stay as they were; analyses and the report read the rules
themselves, so the selection is carried by :func:`graph.rules.spec.only_system`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from .. import rules
from ..model.vocabulary import vocabulary
from ..queries.systems import system_stats, unit_system
from ..rules.spec import only_system, selected_system
from ..store.base import Store
from .common import open_from
from .output import emit_csv, emit_json, emit_table, percent

__all__ = ["system_option", "by_system_option", "stats_for", "cross_system"]


def _check(system: str | None) -> str | None:
    if system is None:
        return None
    known = list(vocabulary().systems)
    if system not in known:
        raise click.BadParameter(
            f"unknown system {system!r}; systems are: {', '.join(known)}", param_hint="--system"
        )
    return system


def system_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--system ID``: only that vertical system's units and rules (schema/systems/ID.yaml)."""

    @functools.wraps(command)
    def run(*args: Any, system: str | None = None, **kwargs: Any) -> Any:
        with only_system(_check(system)):
            return command(*args, **kwargs)

    return click.option(
        "--system",
        "system",
        metavar="ID",
        help="Only this vertical system (tax, meteorology, customs … see docs/systems.md).",
    )(run)


def stats_for(store: Store, year: int) -> dict[str, Any]:
    """``stats``, for the system ``--system`` selected (or the whole store)."""
    return system_stats(store, year, selected_system())


def cross_system(store: Store, year: int, region_code: str | None, level: str | None) -> dict[str, Any]:
    """Every vertical unit in the region across systems, with its coverage, and the totals per system."""
    cov = rules.coverage(store, year, level=level, region_code=region_code)
    units = store.get_units({u["unit_id"] for u in cov.units})
    vocab = vocabulary()
    rows = []
    for u in cov.units:
        unit = units[u["unit_id"]]
        system = unit_system(unit) or ""
        rows.append({"system": system, "system_name": vocab.system_name(system), "unit_id": unit.id,
                     "name": unit.name, "kind": unit.kind, "level": unit.level, "region_code": unit.region_code,
                     "expected": u["expected"], "met": u["met"], "ratio": u["ratio"]})  # fmt: skip
    rows.sort(key=lambda r: (r["system"], r["unit_id"]))
    return {"year": year, "region_code": region_code, "by_system": cov.by_system, "units": rows}


def by_system_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``coverage --by system``: the cross-system view instead of the usual report."""

    @functools.wraps(command)
    def run(*args: Any, by: str | None = None, **kwargs: Any) -> Any:
        if by is None:
            return command(*args, **kwargs)
        year = kwargs.get("year") or (kwargs["as_of"].year if kwargs.get("as_of") else None)
        if year is None:
            raise click.UsageError("--by system needs --year.")
        with open_from(kwargs.get("store_location")) as store:
            data = cross_system(store, year, kwargs.get("region_code"), kwargs.get("level"))
        if kwargs.get("fmt") == "json":
            emit_json(data)
            return None
        if kwargs.get("fmt") == "csv":
            emit_csv(data["units"], ["system", "unit_id", "name", "kind", "level", "region_code", "expected", "met",
                                     "ratio"])  # fmt: skip
            return None
        where = data["region_code"] or "all regions"
        click.echo(f"Vertical units in {where}, {year}, by system (条条 in one 块)\n")
        emit_table(
            [
                (r["system"], r["name"], r["expected"], r["met"], percent(r["ratio"]))
                for r in data["by_system"]
            ],
            ["system", "名称", "expected", "met", "ratio"],
            title="By system",
            right=(2, 3, 4),
        )
        click.echo()
        emit_table(
            [(r["system"], r["unit_id"], r["name"], r["level"], r["expected"], r["met"], percent(r["ratio"]))
             for r in data["units"]],
            ["system", "unit", "名称", "level", "expected", "met", "ratio"],
            title="Units",
            right=(4, 5, 6),
        )  # fmt: skip
        return None

    return click.option(
        "--by",
        "by",
        type=click.Choice(["system"]),
        help="system: every vertical unit in the region (--region) across systems, with its coverage.",
    )(run)
