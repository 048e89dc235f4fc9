"""``migrate``: convert a store file of the old pickle format into a SQLite store.

The old embedded store (``tiaokuai-embedded/2``, before SQLite) was a Python pickle, which can run
any code when it is read. The store never reads one; this command does, on request, and only with
an unpickler that refuses every class and function (the old format holds nothing but dicts, lists,
tuples, strings and numbers), so a crafted file fails instead of running. Still: convert only a
file you or your own tools wrote. The safe way is always to load the ledgers again.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
from pathlib import Path
from typing import Any

import click

from ..errors import StoreError
from ..model import Dataset, Link, Region, Unit
from .common import handle_errors

__all__ = ["migrate", "read_old_store"]

OLD_FORMAT = "tiaokuai-embedded/2"


class _PlainData(pickle.Unpickler):
    """Builds only plain data: any class or function named in the file stops the read."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(
            f"the file names {module}.{name}; an old tiaokuai store holds only plain data"
        )


def read_old_store(path: Path) -> Dataset:
    """The regions, units and links of an old pickle store file (format ``tiaokuai-embedded/2``)."""
    try:
        data = _PlainData(io.BytesIO(path.read_bytes())).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise StoreError(f"{path} is not a readable old tiaokuai store: {exc}; nothing was written") from exc
    found = data.get("format") if isinstance(data, dict) else None
    if found != OLD_FORMAT:
        raise StoreError(f"{path} is not an old tiaokuai store of format {OLD_FORMAT} (found {found!r})")
    try:
        regions = [Region(*row) for row in data["regions"]]
        units = [Unit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], dict(r[7] or {})) for r in data["units"]]
        links = [
            Link(r[0], r[1], r[2], dt.date.fromordinal(r[3]), r[5], r[6], r[7], r[8], r[9], r[10], r[11])
            for r in data["links"]
        ]
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise StoreError(f"{path} holds rows this version cannot read ({exc}); nothing was written") from exc
    return Dataset(regions, units, links)


@click.command()
@click.argument("old", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def migrate(old: Path, new: Path) -> None:
    """Convert OLD, a store file of the old pickle format, into NEW, a SQLite store file.

    Run it only on a file you or your own tools wrote: the old format is a Python pickle. It is read
    with an unpickler that refuses every class and function, but the safe way is always to load
    your ledgers again (tiaokuai load LEDGERS --store NEW). NEW must not exist yet.
    """
    from ..store import is_neo4j_uri, open_store

    if new.exists() or is_neo4j_uri(str(new)):
        raise StoreError(
            f"{new} exists already (or is not a file); migrate writes a new file only, nothing was written"
        )
    dataset = read_old_store(old)
    with open_store(new) as store:  # a file path: the embedded SQLite store
        summary = store.write(dataset)
    click.echo(
        f"migrated {old} into {new}: {summary.regions} regions, {summary.units} units, {summary.links} links",
        err=True,
    )
