"""The embedded store's file: a SQLite schema, its versions, and how a file is recognised.

Everything SQL that defines the file lives here (the questions' SQL is in ``embedded.py``). The
file is a SQLite 3 database whose header carries ``PRAGMA application_id`` = :data:`APPLICATION_ID`
(the bytes ``tkg1``) and ``PRAGMA user_version`` = the schema version. Versions only move
forward: :data:`MIGRATIONS` ``[n]`` takes a file from version ``n`` to ``n + 1``, in one
transaction, and a file of a newer version than :data:`SCHEMA_VERSION` is refused, never changed.

Indexes are named for the question they answer (``links_of_source``, ``pairs_by_year`` …), so that
``EXPLAIN QUERY PLAN`` reads like the store's methods. ``pair_totals`` is a summary of ``links``
that every write keeps up to date in its own transaction (a materialised ``GROUP BY``).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.vocabulary import vocabulary

__all__ = [
    "APPLICATION_ID",
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "ADDED_COLUMNS",
    "system_fill",
    "upgraded_units_view",
    "LINK_INDEXES",
    "LINK_STATS",
    "PIN_LINK_STATS",
    "Header",
    "read_header",
]

#: ``PRAGMA application_id`` of a tiaokuai store: b"tkg1" read as a big-endian integer
APPLICATION_ID = int.from_bytes(b"tkg1", "big")

SQLITE_MAGIC = b"SQLite format 3\x00"

#: the version 1 schema, as executed (tables first, then the indexes of each question)
SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('generation', 0);

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    parent_code TEXT
) WITHOUT ROWID;

CREATE TABLE units (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    level       TEXT NOT NULL,
    region_code TEXT,
    parent_id   TEXT,
    name_en     TEXT,
    extra       TEXT  -- the ledger's extra columns, one JSON object (keys sorted); NULL for none
) WITHOUT ROWID;

CREATE TABLE links (
    id           TEXT NOT NULL,
    kind         TEXT NOT NULL,
    family       TEXT NOT NULL,
    date         TEXT NOT NULL,     -- ISO 8601, YYYY-MM-DD
    year         INTEGER NOT NULL,  -- the year of date
    source_id    TEXT NOT NULL REFERENCES units (id),
    target_id    TEXT NOT NULL REFERENCES units (id),
    count        INTEGER NOT NULL,
    participants INTEGER,
    title        TEXT,
    source_file  TEXT,              -- provenance: the ledger file and spreadsheet row
    source_row   INTEGER
);

-- links summed per (year, source, target, kind), kept by every write in its transaction: what
-- coverage, gaps and the network analysis read (Store.pair_counts), without re-reading the links
CREATE TABLE pair_totals (
    year         INTEGER NOT NULL,
    source_id    TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    count        INTEGER NOT NULL,  -- sum of the links' count
    participants INTEGER NOT NULL,  -- sum of participants (none counts 0)
    records      INTEGER NOT NULL,  -- number of links
    PRIMARY KEY (year, source_id, target_id, kind)
) WITHOUT ROWID;

CREATE INDEX units_by_parent ON units (parent_id, id);
CREATE INDEX units_by_kind ON units (kind, id);
CREATE INDEX units_by_region ON units (region_code, id);
CREATE INDEX regions_by_parent ON regions (parent_code, code);
"""

#: the links' indexes of schema version 1 (as that version created them; see :data:`LINK_INDEXES`)
V1_LINK_INDEXES: tuple[tuple[str, str], ...] = (
    ("link_by_id", "CREATE UNIQUE INDEX link_by_id ON links (id)"),
    ("links_by_year", "CREATE INDEX links_by_year ON links (year, kind, family, count, participants)"),
    ("links_by_date", "CREATE INDEX links_by_date ON links (date, id)"),
    ("links_of_source", "CREATE INDEX links_of_source ON links (source_id, target_id)"),
    ("links_of_target", "CREATE INDEX links_of_target ON links (target_id, source_id)"),
)  # fmt: skip

#: the links' indexes now: ``(name, definition)``. A big load drops and rebuilds the non-unique ones
#: inside its transaction (sorting once beats a million random inserts into each B-tree).
#:
#: A unit's links are indexed year first (version 3): a load of new links (a new month's ledger)
#: then writes into its year's part of each index, which is small and at the end, instead of into
#: a thousand random leaves of a million-entry B-tree: 1,000 new links into the national store
#: wrote 2,200 pages (9 MB of WAL, checkpointed with an fsync), now about what they write into an
#: empty store. The questions by unit still seek: SQLite's skip-scan visits each year (a handful)
#: of the index, which the planner does when ``sqlite_stat1`` says the year column has few
#: values, see :data:`LINK_STATS`.
LINK_INDEXES: tuple[tuple[str, str], ...] = (
    ("link_by_id", "CREATE UNIQUE INDEX link_by_id ON links (id)"),
    # link_totals, years: one year's links by kind, covering
    ("links_by_year", "CREATE INDEX links_by_year ON links (year, kind, family, count, participants)"),
    # find_links: every link, or a year's (a date range), in (date, id) order
    ("links_by_date", "CREATE INDEX links_by_date ON links (date, id)"),
    # find_links(unit_id), neighbours: a unit's links at either end, year by year
    ("links_of_source", "CREATE INDEX links_of_source ON links (year, source_id, target_id)"),
    ("links_of_target", "CREATE INDEX links_of_target ON links (year, target_id, source_id)"),
)  # fmt: skip

#: what the query planner is told about the links' indexes (``sqlite_stat1`` rows, as ``ANALYZE``
#: measured them on the national store of a million links over five years), pinned rather than
#: measured per file: the plans are then the same for every store, small or large, and a load
#: never pays for an ``ANALYZE`` (1.3 s on a million links). Without these rows SQLite assumes 10
#: rows per value of an index's first column and never skip-scans the year-first indexes, so a
#: unit's links would be found by scanning every link. (SQLite documents writing sqlite_stat1 as
#: the way to fix plans: https://www.sqlite.org/optoverview.html#manual_control_of_query_plans_using_sqlite_stat_tables)
LINK_STATS: tuple[tuple[str, str, str], ...] = (
    ("links", "link_by_id", "999947 1"),
    ("links", "links_by_year", "999947 199990 12500 12500 3334 1005"),
    ("links", "links_by_date", "999947 784 1"),
    ("links", "links_of_source", "999947 199990 7 3"),
    ("links", "links_of_target", "999947 199990 7 3"),
)

#: the SQL that (re)writes :data:`LINK_STATS` (``ANALYZE meta``, of a one-row table, creates
#: ``sqlite_stat1`` where it does not exist yet; a connection reads the rows when it loads the schema)
PIN_LINK_STATS = (
    "ANALYZE meta;\nDELETE FROM sqlite_stat1 WHERE tbl = 'links';\n"
    + "\n".join(
        f"INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('{t}', '{i}', '{st}');" for t, i, st in LINK_STATS
    )
    + "\nANALYZE sqlite_schema;"
)  # this connection re-reads them now


#: ``MIGRATIONS[n]`` is the SQL script that takes a file from version ``n`` to ``n + 1`` (run in one
#: transaction with the new ``user_version``); append, never edit a released one
MIGRATIONS: list[str] = [
    SCHEMA_V1 + "\n".join(definition + ";" for _, definition in V1_LINK_INDEXES),
    # version 2: the year's gaps and coverage as `tiaokuai gaps --write` stores them
    """
CREATE TABLE gaps (
    id               TEXT PRIMARY KEY,  -- GAP-<year>-<unit>-<rule>[-<subordinate>]
    year             INTEGER NOT NULL,
    unit_id          TEXT NOT NULL REFERENCES units (id),
    rule             TEXT,
    family           TEXT,
    counterpart_kind TEXT,
    counterpart_id   TEXT REFERENCES units (id),
    subject_id       TEXT REFERENCES units (id),  -- the subordinate bureau of a per-subordinate rule
    required         INTEGER,
    observed         INTEGER,
    name             TEXT  -- a caption such as 缺联络·宣传部
) WITHOUT ROWID;
CREATE INDEX gaps_of_year ON gaps (year, unit_id);

CREATE TABLE coverage (
    id       TEXT PRIMARY KEY,  -- COV-<year>-<unit>
    year     INTEGER NOT NULL,
    unit_id  TEXT NOT NULL REFERENCES units (id),
    expected INTEGER NOT NULL,
    met      INTEGER NOT NULL,
    ratio    REAL,
    name     TEXT
) WITHOUT ROWID;
CREATE INDEX coverage_of_year ON coverage (year, unit_id);
""",
    # version 3: a unit's links indexed year first (see LINK_INDEXES), with the planner's statistics
    "DROP INDEX links_of_source;\nDROP INDEX links_of_target;\n"
    + "\n".join(definition + ";" for name, definition in LINK_INDEXES if name.startswith("links_of_"))
    + "\n"
    + PIN_LINK_STATS,
]

SCHEMA_VERSION = len(MIGRATIONS)

#: Columns added to a table without a new version: ``(table, column, script)``. The first write to
#: a file adds the missing ones in one transaction (a file of any version gains them; until then its
#: reads see :func:`upgraded_units_view`, and a read changes nothing), because a new nullable
#: column changes no existing row or query: readers of older files see it NULL-filled. Why not a
#: version: a file written by this release stays readable by the last one, which names its columns
#: in every read (its unit writes then stop with a clear "refused the write" and change nothing).
ADDED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    # issue 20: a unit's vertical system, NULL for the local side; an older file's bureau-side
    # units (all tax's) are filled in by system_fill right after
    ("units", "system", """
ALTER TABLE units ADD COLUMN system TEXT;
CREATE INDEX units_by_system ON units (system, id);
"""),
)  # fmt: skip


def system_fill() -> tuple[str, str, list[str]] | None:
    """(probe, update, parameters) giving every bureau-side unit that stores no system the one its
    kind implies (model.Unit), or None when no kind is bureau-side.

    Why on a file's first write (SQLiteFile._bring_forward) and not as a version: a file written before issue 20 gains the column empty
    (ADDED_COLUMNS), and one written by issue 20's first release stored NULL for tax's units (the
    default system was implied then); both are brought forward the same way, and the probe (the
    NULL-system rows, by ``units_by_system``: the local side) is cheap once they are filled.
    Filling changes no answer: readers resolved the same system before."""
    implied = vocabulary().implied_system
    if not implied:
        return None
    kinds = list(implied)
    marks = ", ".join("?" * len(kinds))
    cases = " ".join("WHEN ? THEN ?" for _ in kinds)
    probe = f"SELECT 1 FROM units WHERE system IS NULL AND kind IN ({marks}) LIMIT 1"
    update = f"UPDATE units SET system = CASE kind {cases} END WHERE system IS NULL AND kind IN ({marks})"
    params = [x for kind in kinds for x in (kind, implied[kind])] + kinds
    return probe, update, params


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgraded_units_view(columns: Sequence[str]) -> str:
    """``CREATE TEMP VIEW units`` showing ``main.units`` (whose columns are ``columns``) as it will
    read once :data:`ADDED_COLUMNS` and :func:`system_fill` have brought it forward.

    Why a view: a command that only reads (``tiaokuai stats``) must not change a user's file, so an
    older file is brought forward on its first write; until then a connection's reads see this
    view, which SQLite finds before the file's table (the temp schema is searched first) and which
    lives in the connection, not the file. The values are the ones the fill stores: the system a
    unit states, else the one its kind implies (model.Unit)."""
    implied = vocabulary().implied_system
    cases = " ".join(f"WHEN {_literal(kind)} THEN {_literal(system)}" for kind, system in implied.items())
    resolved = f"CASE kind {cases} END" if implied else "NULL"
    if "system" in columns:
        resolved = f"COALESCE(system, {resolved})"
    cells = [f"{resolved} AS system" if c == "system" else c for c in columns]
    if "system" not in columns:
        cells.append(f"{resolved} AS system")
    return f"CREATE TEMP VIEW units AS SELECT {', '.join(cells)} FROM main.units"


@dataclass(frozen=True)
class Header:
    """What the first 100 bytes of a file say (see https://www.sqlite.org/fileformat.html)."""

    size: int  # of the file, in bytes
    kind: str  # "empty" | "sqlite" | "pickle" | "other" | "short"
    page_size: int = 0
    pages: int = 0  # the header's database size, when valid (else 0)
    user_version: int = 0
    application_id: int = 0
    pickle_format: str | None = None  # "tiaokuai-embedded/2" for an old store file

    @property
    def expected_size(self) -> int:
        return self.page_size * self.pages


def read_header(path: Path) -> Header:
    """Recognise a file without opening it with SQLite (which could change it) or unpickling it."""
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(100)
    if not head:
        return Header(size, "empty")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):  # a pickle
        found = None
        at = head.find(b"tiaokuai-embedded/")
        if at >= 0:
            found = head[at : at + 24].split(b"\x94", 1)[0].decode("ascii", "replace")
            found = "".join(ch for ch in found if ch.isprintable())
        return Header(size, "pickle", pickle_format=found)
    if not head.startswith(SQLITE_MAGIC[: len(head)]):
        return Header(size, "other")
    if len(head) < 100:
        return Header(size, "short")
    (page_size,) = struct.unpack(">H", head[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, pages = struct.unpack(">II", head[24:32])
    (user_version, application_id) = struct.unpack(">iI", head[60:64] + head[68:72])
    (valid_for,) = struct.unpack(">I", head[92:96])
    return Header(
        size,
        "sqlite",
        page_size=page_size,
        pages=pages if valid_for == change_counter else 0,
        user_version=user_version,
        application_id=application_id,
    )
