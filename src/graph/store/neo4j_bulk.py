"""``tiaokuai load --bulk``: a first load into an empty local Neo4j database through
``neo4j-admin database import full``.

Why: the import tool writes the store files directly, without transactions, and is the fastest way
to put a national dataset into an empty database. It needs the server stopped, so only a database
that ``scripts/neo4j`` runs on this machine qualifies, and only an empty one (the import replaces
the whole database).

The CSVs describe exactly the graph a transactional load writes (graph.store.cypher): the same
labels (``:Unit`` plus the kind label, ``:Region``, ``:Meta``), the same properties and types
(integers as longs, ``date`` as a date, absent values absent), the structural edges where both ends
exist, and links without a ``load_id`` (visible, as after any finished load). The ``Meta`` node
gets a generation from the clock, as a new database's first write does. The schema
(``schema/constraints.cypher``) is applied after the restart.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import StoreError
from ..model import Link
from . import cypher_load

if TYPE_CHECKING:
    from .neo4j import Neo4jStore

__all__ = ["check_bulk_target", "write_csvs", "bulk_write", "neo4j_script", "LOCAL_HOSTS"]

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

LINK_HEADER = (
    ":START_ID(Unit),:END_ID(Unit),:TYPE,id,kind,date:date,year:long,count:long,participants:long,"
    "title,source_file,source_row:long"
)


def neo4j_script() -> Path:
    """``scripts/neo4j`` of this checkout (``TIAOKUAI_NEO4J_SCRIPT`` overrides)."""
    env = os.environ.get("TIAOKUAI_NEO4J_SCRIPT")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "scripts" / "neo4j"


def check_bulk_target(store: Neo4jStore) -> None:
    """Refuse (StoreError) a database that is not the local one ``scripts/neo4j`` runs, or not empty."""
    parts = urlsplit(store.uri)
    refuse = f"load --bulk refused for Neo4j at {store.location}"
    if parts.scheme not in ("bolt", "neo4j") or (parts.hostname or "") not in LOCAL_HOSTS:
        raise StoreError(
            f"{refuse}: bulk mode stops the server and writes its files, so it needs a local server "
            "(bolt://127.0.0.1:PORT, the one scripts/neo4j runs); load without --bulk"
        )
    script = neo4j_script()
    if not script.is_file():
        raise StoreError(f"{refuse}: {script} is missing (bulk mode runs it to stop, import and restart)")
    ours = subprocess.run([str(script), "uri"], capture_output=True, text=True, check=False).stdout.strip()
    if urlsplit(ours).port != parts.port:
        raise StoreError(
            f"{refuse}: scripts/neo4j runs the server at {ours or '?'} (TIAOKUAI_NEO4J_BOLT_PORT), not this one"
        )
    nodes = store._write_tx(
        lambda tx: tx.run(cypher_load.COUNT_ALL).single(strict=True)["n"], "counting nodes"
    )
    if nodes:
        raise StoreError(
            f"{refuse}: the database holds {nodes} nodes; bulk mode replaces the whole database, so it "
            "loads only into an empty one (tiaokuai clear --yes empties it; or load without --bulk)"
        )


def _cell(value: Any) -> str:
    """A CSV field for neo4j-admin: strings quoted (quotes doubled), None empty and unquoted (no
    property), numbers bare."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def _write(path: Path, header: str, rows: Iterable[Sequence[Any]]) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(",".join(_cell(v) for v in row) + "\n")
            n += 1
    return n


def write_csvs(
    folder: Path,
    region_rows: list[dict[str, Any]],
    unit_rows: dict[str, list[dict[str, Any]]],
    links: list[Link],
    rel_of: dict[str, str],
) -> None:
    """The import files of the graph these rows make (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    codes = {r["code"] for r in region_rows}
    ids = {r["id"] for rows in unit_rows.values() for r in rows}
    _write(
        folder / "nodes_meta.csv",
        "id,generation:long,:LABEL",
        [("store", time.time_ns() // 1_000_000, "Meta")],
    )
    _write(
        folder / "nodes_regions.csv", "code:ID(Region),name,level,parent_code,:LABEL",
        ((r["code"], r["name"], r["level"], r["parent_code"], "Region") for r in region_rows),
    )  # fmt: skip
    # every property of a unit row (graph.store.neo4j_write), as cypher.UNIT_MERGE sets them all
    props = [k for k in next((rows[0] for rows in unit_rows.values() if rows), {"id": None}) if k != "id"]
    _write(
        folder / "nodes_units.csv", ",".join(["id:ID(Unit)", *props, ":LABEL"]),
        (
            (r["id"], *(r[k] for k in props), f"Unit;{label}")
            for label, rows in unit_rows.items()
            for r in rows
        ),
    )  # fmt: skip
    _write(
        folder / "relationships_within.csv", ":START_ID(Region),:END_ID(Region),:TYPE",
        ((r["code"], r["parent_code"], "WITHIN") for r in region_rows if r["parent_code"] in codes),
    )  # fmt: skip
    units = [r for rows in unit_rows.values() for r in rows]
    _write(
        folder / "relationships_under.csv", ":START_ID(Unit),:END_ID(Unit),:TYPE",
        ((r["id"], r["parent_id"], "UNDER") for r in units if r["parent_id"] in ids),
    )  # fmt: skip
    _write(
        folder / "relationships_in_region.csv", ":START_ID(Unit),:END_ID(Region),:TYPE",
        ((r["id"], r["region_code"], "IN_REGION") for r in units if r["region_code"] in codes),
    )  # fmt: skip
    _write(
        folder / "relationships_links.csv", LINK_HEADER,
        (
            (lk.source_id, lk.target_id, rel_of[lk.family], lk.id, lk.kind, lk.date.isoformat(), lk.date.year,
             lk.count, lk.participants, lk.title, lk.source_file, lk.source_row)
            for lk in links
        ),
    )  # fmt: skip


def bulk_write(
    store: Neo4jStore,
    folder: Path,
    region_rows: list[dict[str, Any]],
    unit_rows: dict[str, list[dict[str, Any]]],
    links: list[Link],
    rel_of: dict[str, str],
) -> dict[str, float]:
    """Check the target, write the CSVs into ``folder``, run ``scripts/neo4j import`` (stop,
    import, start), apply the schema. Returns the seconds each step took."""
    check_bulk_target(store)
    took: dict[str, float] = {}
    t0 = time.monotonic()
    write_csvs(folder, region_rows, unit_rows, links, rel_of)
    took["csv"] = time.monotonic() - t0
    t1 = time.monotonic()
    done = subprocess.run(
        [str(neo4j_script()), "import", str(folder), store.database],
        capture_output=True,
        text=True,
        check=False,
    )
    took["import_and_restart"] = time.monotonic() - t1
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise StoreError(f"neo4j-admin import into {store.location} failed:\n{tail}")
    t2 = time.monotonic()
    store._schema_ready = False
    store.ensure_schema()
    took["schema"] = time.monotonic() - t2
    return took
