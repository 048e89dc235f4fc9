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

The steps, and why they overlap where they do (docs/performance.md, "Bulk load"):

1. the target is checked (local, empty) and the input was validated in full before this module
   runs: nothing reaches the database on a bad row;
2. ``scripts/neo4j stop`` starts in the background while the CSVs are written: the database is
   empty, so stopping it early loses nothing, and its shutdown (a checkpoint and the connectors,
   several seconds) runs while Python formats a million rows. Should the CSVs fail (disk full),
   the server is started again and the error says so;
3. ``scripts/neo4j admin-import``: ``neo4j-admin database import full``, the baseline itself;
4. ``scripts/neo4j start``, which returns once the server answers a query;
5. the schema in one transaction, so that the server populates the new indexes in one scan of
   the store instead of one scan per index, then ``db.awaitIndexes``: the load ends with every
   index online, as after a transactional load.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import StoreError
from ..model import Link
from ..resources import schema_path
from . import cypher, cypher_load
from .load_queue import in_chunks

if TYPE_CHECKING:
    from .neo4j import Neo4jStore

__all__ = ["check_bulk_target", "write_csvs", "bulk_write", "apply_schema", "neo4j_script", "LOCAL_HOSTS"]

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")

#: after the schema: every index online (a constraint is online once its transaction commits)
AWAIT_INDEXES = "CALL db.awaitIndexes($timeout)"

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
    links: Iterable[Link],
    rel_of: dict[str, str],
) -> None:
    """The import files of the graph these rows make (see the module docstring). ``links`` (each id
    once) may be a load's stream, read once: the client never holds more than a chunk of them."""
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
    with (folder / "relationships_links.csv").open("w", encoding="utf-8", newline="") as f:
        _write_links(f, links, rel_of)


#: links formatted per write call: big enough that the file calls cost nothing, small enough that
#: the text in memory stays a few MB
_CHUNK = 20_000


def _write_links(f: IO[str], links: Iterable[Link], rel_of: dict[str, str]) -> None:
    """The links file, written as :func:`_write` would write it (same cells) but about twice as
    fast: one f-string per link instead of a generic cell function per field, because at a
    million links the CSV is the biggest step of a bulk load on the client."""

    def q(text: str) -> str:
        return '"' + text.replace('"', '""') + '"' if '"' in text else '"' + text + '"'

    def opt(value: Any) -> str:
        return "" if value is None else (q(value) if isinstance(value, str) else str(value))

    f.write(LINK_HEADER + "\n")
    for chunk in in_chunks(links, _CHUNK):
        f.write(
            "".join(
                f"{q(lk.source_id)},{q(lk.target_id)},{rel_of[lk.family]},{q(lk.id)},{q(lk.kind)},"
                f"{lk.date.isoformat()},{lk.date.year},{opt(lk.count)},{opt(lk.participants)},"
                f"{opt(lk.title)},{opt(lk.source_file)},{opt(lk.source_row)}\n"
                for lk in chunk
            )
        )


def _script(*args: str, quiet: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(neo4j_script()), *args], capture_output=quiet, text=True, check=False)


def _tail(done: subprocess.CompletedProcess[str] | subprocess.Popen[str], err: str | None = None) -> str:
    text = err if err is not None else (getattr(done, "stderr", None) or getattr(done, "stdout", None) or "")
    return "\n".join(text.strip().splitlines()[-8:])


def _restarted(why: str) -> str:
    """Start the server again after a failed bulk step; the sentence that says how that went."""
    started = _script("start")
    if started.returncode == 0:
        return f"{why}; the server, stopped for the import, has been started again"
    return f"{why}; the server, stopped for the import, did not start again:\n{_tail(started)}"


def bulk_write(
    store: Neo4jStore,
    folder: Path,
    region_rows: list[dict[str, Any]],
    unit_rows: dict[str, list[dict[str, Any]]],
    links: Iterable[Link],
    rel_of: dict[str, str],
) -> dict[str, float]:
    """Check the target, write the CSVs into ``folder`` while the server stops, import, start,
    apply the schema (see the module docstring). Returns the seconds each step took: ``csv``,
    ``stop`` (the part of the stop not hidden behind the CSVs), ``import``, ``start``, ``schema``."""
    check_bulk_target(store)
    took: dict[str, float] = {}
    t0 = time.monotonic()
    # the database is empty (just checked): stopping it now loses nothing
    stopping = subprocess.Popen(
        [str(neo4j_script()), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        write_csvs(folder, region_rows, unit_rows, links, rel_of)
    except BaseException as exc:
        stopping.communicate()
        if isinstance(exc, OSError):
            raise StoreError(
                _restarted(f"writing the import CSVs into {folder} failed ({exc}); nothing was imported")
            ) from exc
        _restarted("interrupted")
        raise
    took["csv"] = time.monotonic() - t0
    t1 = time.monotonic()
    _, err = stopping.communicate()
    took["stop"] = time.monotonic() - t1
    if stopping.returncode != 0:
        raise StoreError(f"scripts/neo4j stop failed before the import:\n{_tail(stopping, err)}")
    t2 = time.monotonic()
    done = _script("admin-import", str(folder), store.database)
    took["import"] = time.monotonic() - t2
    if done.returncode != 0:
        raise StoreError(_restarted(f"neo4j-admin import into {store.location} failed:\n{_tail(done)}"))
    t3 = time.monotonic()
    started = _script("start")
    took["start"] = time.monotonic() - t3
    if started.returncode != 0:
        raise StoreError(f"the import finished but the server did not start again:\n{_tail(started)}")
    t4 = time.monotonic()
    apply_schema(store)
    took["schema"] = time.monotonic() - t4
    return took


def apply_schema(store: Neo4jStore, timeout_s: int = 3600) -> None:
    """``schema/constraints.cypher`` in one transaction, then wait for the indexes to be online.

    Why one transaction: the statements of a transaction are populated together, in one scan of
    the imported store, where one statement at a time scans a million relationships once per
    index (the store's ensure_schema does that, on an empty database, where it costs nothing)."""
    path = schema_path("constraints.cypher")
    try:
        statements = cypher.schema_statements(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StoreError(f"cannot read the Neo4j schema {path}: {exc}") from exc
    with (
        store._translate("applying the schema after the import"),
        store._driver.session(database=store.database) as session,
    ):
        with session.begin_transaction() as tx:
            for statement in statements:
                tx.run(statement).consume()
            tx.commit()
        session.run(AWAIT_INDEXES, timeout=timeout_s).consume()
    store._schema_ready = True
