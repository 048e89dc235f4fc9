"""The embedded store: one SQLite file (Python's ``sqlite3``), no server.

Why SQLite: the default store must work with nothing installed, answer the same questions as
Neo4j, never lose a user's data, and let a running ``tiaokuai serve`` read while a ``tiaokuai
load`` writes. SQLite gives all of it: WAL mode (readers beside one writer, each statement reads
the last committed state), atomic commits (a load killed at any moment leaves the file as it was;
the next open rolls the unfinished transaction back by itself), and a file a user can open with
``sqlite3`` or ``datasette``. The schema and its versions are in :mod:`.sqlschema`, the file and
its connections in :mod:`.sqlfile`, the writes in :mod:`.embedded_write`; this module answers
the questions.

Every question is one or two SQL statements that aggregate in SQLite (pair counts per year from the
``pair_totals`` summary every write keeps, totals with ``GROUP BY``, subtrees of regions with
recursive CTEs); nothing loops over every link in Python, and no networkx graph is built here
(analysis builds its own from :meth:`pair_counts`).

A load is one transaction that writes only rows that are new or differ from the stored ones, and
bumps the store generation (``meta``). Connections are per thread (the
API answers from a thread pool); each re-opens when the file at the path was replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from ..model import Link, Region, Unit
from .base import LinkQuery, LinkTotal, Page, PairCount, PairDates, PairMonthCount, Store, UnitQuery
from .embedded_where import EmbeddedWhere
from .embedded_write import IDS as _IDS
from .embedded_write import LINK_COLS as _LINK_COLS
from .embedded_write import UNIT_COLS as _UNIT_COLS
from .embedded_write import EmbeddedWrites
from .embedded_write import ids_json as _ids_json
from .sqlschema import APPLICATION_ID

__all__ = ["EmbeddedStore", "APPLICATION_ID"]


def _unit(row: Sequence[Any]) -> Unit:
    extra = json.loads(row[7]) if row[7] is not None else {}
    return Unit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], extra, row[8])


def _link(row: Sequence[Any]) -> Link:
    return Link(row[0], row[1], row[2], dt.date.fromisoformat(row[3]), row[5], row[6], row[7], row[8],
                row[9], row[10], row[11])  # fmt: skip


def _page_bounds(total: int, offset: int, limit: int | None) -> tuple[int, int]:
    """(OFFSET, LIMIT) that give ``items[offset:offset + limit]`` exactly as Python slices."""
    start, stop, _ = slice(offset, None if limit is None else offset + limit).indices(total)
    return start, max(0, stop - start)


def _years_and_kinds(years: Sequence[int], kinds: Sequence[str] | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) that pair_counts and pair_month_counts share: links of
    ``years``, and of ``kinds`` when given."""
    where = f"year IN ({', '.join('?' * len(years))})"
    params: list[Any] = list(years)
    if kinds is not None:
        where += f" AND kind IN {_IDS}"
        params.append(_ids_json(kinds))
    return where, params


class EmbeddedStore(EmbeddedWhere, EmbeddedWrites, Store):
    """The default store: one SQLite file. Many readers and one writer at a time, across processes."""

    def __init__(self, path: Path):
        super().__init__(path)

    # -- lifecycle ---------------------------------------------------------------------------------
    def ping(self) -> None:
        with self._reading() as conn:
            conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if self.path.exists() and not os.access(self.path, os.R_OK):
            raise self._unreadable("permission denied")

    def generation(self) -> int:
        """The store generation: bumped by every committed write, in its transaction (0: never written)."""
        rows = self._rows("SELECT value FROM meta WHERE key = 'generation'")
        return int(rows[0][0]) if rows else 0

    # -- point lookups -----------------------------------------------------------------------------
    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        wanted = list(dict.fromkeys(ids))
        found = {
            r[0]: _unit(r)
            for r in self._rows(f"SELECT {_UNIT_COLS} FROM units WHERE id IN {_IDS}", (_ids_json(wanted),))
        }
        return {i: found[i] for i in wanted if i in found}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        wanted = list(dict.fromkeys(codes))
        found = {
            r[0]: Region(*r)
            for r in self._rows(
                f"SELECT code, name, level, parent_code FROM regions WHERE code IN {_IDS}",
                (_ids_json(wanted),),
            )
        }
        return {c: found[c] for c in wanted if c in found}

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        wanted = list(dict.fromkeys(ids))
        found = {
            r[0]: _link(r)
            for r in self._rows(f"SELECT {_LINK_COLS} FROM links WHERE id IN {_IDS}", (_ids_json(wanted),))
        }
        return {i: found[i] for i in wanted if i in found}

    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, list[Unit]] = {i: [] for i in wanted}
        for row in self._rows(
            f"SELECT {_UNIT_COLS} FROM units WHERE parent_id IN {_IDS} ORDER BY parent_id, id",
            (_ids_json(wanted),),
        ):
            out[row[5]].append(_unit(row))
        return out

    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, set[str]] = {i: set() for i in wanted}
        sql = f"""
            WITH asked(id) AS (SELECT id FROM units WHERE id IN {_IDS})
            SELECT u.id, u.parent_id FROM units u JOIN asked USING (id) JOIN units p ON p.id = u.parent_id
            UNION SELECT c.parent_id, c.id FROM units c JOIN asked a ON c.parent_id = a.id
            UNION SELECT l.source_id, l.target_id FROM links l JOIN asked a ON l.source_id = a.id
            UNION SELECT l.target_id, l.source_id FROM links l JOIN asked a ON l.target_id = a.id
        """
        for uid, other in self._rows(sql, (_ids_json(wanted),)):
            if other != uid:
                out[uid].add(other)
        return out

    # -- listings ----------------------------------------------------------------------------------
    def count_units(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM units")[0][0])

    def regions(self) -> list[Region]:
        return [
            Region(*r) for r in self._rows("SELECT code, name, level, parent_code FROM regions ORDER BY code")
        ]

    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        # many kinds (the rules' catalogue: nearly every unit) read the table in id order; few, the index
        kind = "+kind" if len(set(kinds)) > 2 else "kind"
        rows = self._rows(
            f"SELECT {_UNIT_COLS} FROM units WHERE {kind} IN {_IDS} ORDER BY id", (_ids_json(kinds),)
        )
        return [_unit(r) for r in rows]

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        where, params = ["1"], []
        with_sql = ""
        if query.kind:
            where.append("kind = ?")
            params.append(query.kind)
        if query.level:
            where.append("level = ?")
            params.append(query.level)
        if query.region_code:
            # the region and every region below it; the code itself counts even if no such region exists
            with_sql = (
                "WITH RECURSIVE within(code) AS (SELECT ? UNION "
                "SELECT r.code FROM regions r JOIN within w ON r.parent_code = w.code) "
            )
            where.append("region_code IN (SELECT code FROM within)")
        if query.name_contains:
            where.append("(instr(py_lower(name), ?) > 0 OR instr(py_lower(coalesce(name_en, '')), ?) > 0)")
            needle = query.name_contains.lower()
            params += [needle, needle]
        all_params = ([query.region_code] if query.region_code else []) + params
        condition = " AND ".join(where)
        with self._reading() as conn:
            total = int(
                conn.execute(
                    f"{with_sql}SELECT COUNT(*) FROM units WHERE {condition}", all_params
                ).fetchone()[0]
            )
            start, count = _page_bounds(total, offset, limit)
            if not count:
                return Page([], total)
            rows = conn.execute(
                f"{with_sql}SELECT {_UNIT_COLS} FROM units WHERE {condition} ORDER BY id LIMIT ? OFFSET ?",
                [*all_params, count, start],
            ).fetchall()
        return Page([_unit(r) for r in rows], total)

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        where, params = [], []
        if query.unit_id is not None:
            if query.other_id is not None:
                where.append("((source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?))")
                params += [query.unit_id, query.other_id, query.other_id, query.unit_id]
            else:
                where.append("(source_id = ? OR target_id = ?)")
                params += [query.unit_id, query.unit_id]
        if query.year is not None:
            where.append("date >= ? AND date < ?")
            params += [f"{query.year:04d}-01-01", f"{query.year + 1:04d}-01-01"]
        if query.family:
            where.append("family = ?")
            params.append(query.family)
        if query.kind:
            where.append("kind = ?")
            params.append(query.kind)
        condition = " AND ".join(where) or "1"
        with self._reading() as conn:
            total = int(conn.execute(f"SELECT COUNT(*) FROM links WHERE {condition}", params).fetchone()[0])
            start, count = _page_bounds(total, offset, limit)
            if not count:
                return Page([], total)
            rows = conn.execute(
                f"SELECT {_LINK_COLS} FROM links WHERE {condition} ORDER BY date, id LIMIT ? OFFSET ?",
                [*params, count, start],
            ).fetchall()
        return Page([_link(r) for r in rows], total)

    # -- aggregates --------------------------------------------------------------------------------
    def years(self) -> list[int]:
        # one index seek per distinct year (SQLite has no loose index scan of its own)
        rows = self._rows(
            "WITH RECURSIVE y(year) AS (SELECT MIN(year) FROM links UNION ALL "
            "SELECT (SELECT MIN(year) FROM links WHERE year > y.year) FROM y WHERE y.year IS NOT NULL) "
            "SELECT year FROM y WHERE year IS NOT NULL"
        )
        return [int(r[0]) for r in rows]

    def link_totals(self, year: int) -> list[LinkTotal]:
        rows = self._rows(
            "SELECT kind, MAX(family), COUNT(*), SUM(count), SUM(coalesce(participants, 0)) "
            "FROM links WHERE year = ? GROUP BY kind ORDER BY kind",
            (year,),
        )
        return [LinkTotal(*r) for r in rows]

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        wanted = sorted(set(years))
        if not wanted:
            return []
        where, params = _years_and_kinds(wanted, kinds)
        sql = (
            "SELECT source_id, target_id, kind, year, count, participants, records FROM pair_totals "
            f"WHERE {where} ORDER BY source_id, target_id, kind, year"  # for one year, the key's order: no sort
        )
        make = partial(tuple.__new__, PairCount)  # PairCount._make without its per-row length check
        with self._reading() as conn:
            return list(map(make, conn.execute(sql, params)))

    def pair_month_counts(
        self, years: Sequence[int], kinds: Sequence[str] | None = None, until: dt.date | None = None
    ) -> list[PairMonthCount]:
        wanted = sorted(set(years))
        if not wanted:
            return []
        where, params = _years_and_kinds(wanted, kinds)
        sql = (
            "SELECT source_id, target_id, kind, year, CAST(substr(date, 6, 2) AS INTEGER) AS month, SUM(count) "
            f"FROM links WHERE {where}"
        )
        if until is not None:
            sql += " AND date <= ?"  # ISO dates compare as text
            params.append(until.isoformat())
        sql += " GROUP BY source_id, target_id, kind, year, month ORDER BY source_id, target_id, kind, year, month"
        make = partial(tuple.__new__, PairMonthCount)
        with self._reading() as conn:
            return list(map(make, conn.execute(sql, params)))

    def pair_dates(self, kinds: Sequence[str] | None = None, until: dt.date | None = None) -> list[PairDates]:
        sql = "SELECT source_id, target_id, group_concat(DISTINCT date) FROM links WHERE 1"
        params: list[Any] = []
        if kinds is not None:
            sql += f" AND kind IN {_IDS}"
            params.append(_ids_json(kinds))
        if until is not None:
            sql += " AND date <= ?"
            params.append(until.isoformat())
        sql += " GROUP BY source_id, target_id ORDER BY source_id, target_id"
        with self._reading() as conn:
            rows = conn.execute(sql, params).fetchall()
        day = dt.date.fromisoformat
        return [PairDates(s, t, tuple(map(day, sorted(dates.split(","))))) for s, t, dates in rows]
