"""The embedded store: a networkx MultiDiGraph in memory, persisted to one file.

Why this shape: the default store must work with nothing installed, answer the same questions as
Neo4j, and never lose a user's data. So the file is written whole to a temporary sibling, fsynced
and renamed over the old one (readers see the old or the new graph, never half of one), and writers
take an exclusive lock on ``<file>.lock`` so that two loads queue instead of overwriting each other.
Each write re-reads the file under the lock, so a writer never loses what another wrote since it
opened the store.

The file is a versioned pickle of plain tuples (fast to write and read at a million links); the
networkx graph and the lookup indexes are rebuilt from it on open.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import gc
import glob
import os
import pickle
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import networkx as nx

from ..errors import GapWriteUnsupported, StoreBusy, StoreError, StoreUnavailable
from ..gcpause import collector_paused
from ..model import Dataset, Link, Region, Unit, regions_within
from .base import GapsWritten, LinkQuery, LinkTotal, Page, PairCount, Store, UnitQuery, WriteSummary
from .where_eval import Access

__all__ = ["EmbeddedStore", "FORMAT"]

FORMAT = "tiaokuai-embedded/2"
LOCK_TIMEOUT_S = float(os.environ.get("TIAOKUAI_LOCK_TIMEOUT", "60"))

_UNIT_FIELDS = ("id", "name", "kind", "level", "region_code", "parent_id", "name_en", "extra")

# A link is kept as the tuple it is persisted as; Link objects are made only for what a query
# returns. Field positions:
_ID: Final = 0
_KIND: Final = 1
_FAMILY: Final = 2
_ORDINAL: Final = 3
_YEAR: Final = 4
_SOURCE: Final = 5
_TARGET: Final = 6
_COUNT: Final = 7
_PARTICIPANTS: Final = 8
_TITLE: Final = 9
_FILE: Final = 10
_ROW: Final = 11
LinkRow = tuple[str, str, str, int, int, str, str, int, int | None, str | None, str | None, int | None]


def _row_of(link: Link) -> LinkRow:
    return (link.id, link.kind, link.family, link.date.toordinal(), link.date.year, link.source_id,
            link.target_id, link.count, link.participants, link.title, link.source_file, link.source_row)  # fmt: skip


def _link_of(row: LinkRow) -> Link:
    return Link(row[_ID], row[_KIND], row[_FAMILY], dt.date.fromordinal(row[_ORDINAL]), row[_SOURCE],
                row[_TARGET], row[_COUNT], row[_PARTICIPANTS], row[_TITLE], row[_FILE], row[_ROW])  # fmt: skip


class _State:
    """Everything the file holds, with the indexes queries need.

    Why tuples and dicts rather than only a networkx graph: opening a store with a million links
    must take seconds, and building frozen dataclasses and networkx edge dicts for every link on
    every CLI call does not. The networkx view is built on first use (:attr:`graph`).
    """

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.units: dict[str, Unit] = {}
        self.links: dict[str, LinkRow] = {}
        self.children: dict[str, set[str]] = defaultdict(set)
        self.links_by_year: dict[int, set[str]] = defaultdict(set)
        self.links_of_unit: dict[str, set[str]] = defaultdict(set)
        self._graph: nx.MultiDiGraph | None = None
        #: the store generation (Store.generation), persisted with the graph; bumped by write()
        self.generation = 0
        # pair_counts results by (sorted years, kinds or None); emptied by every put_*.
        self.pair_cache: dict[tuple[tuple[int, ...], frozenset[str] | None], list[PairCount]] = {}

    @property
    def graph(self) -> nx.MultiDiGraph:
        """Units as nodes, links as edges keyed by link id (built on first use)."""
        if self._graph is None:
            g = nx.MultiDiGraph()
            g.add_nodes_from((u.id, {"kind": u.kind, "level": u.level}) for u in self.units.values())
            g.add_edges_from((r[_SOURCE], r[_TARGET], r[_ID]) for r in self.links.values())
            self._graph = g
        return self._graph

    # -- building ------------------------------------------------------------------------------
    def put_region(self, region: Region) -> None:
        self.regions[region.code] = region

    def put_unit(self, unit: Unit) -> None:
        old = self.units.get(unit.id)
        if old is not None and old.parent_id:
            self.children[old.parent_id].discard(unit.id)
        self.units[unit.id] = unit
        if unit.parent_id:
            self.children[unit.parent_id].add(unit.id)
        self._graph = None
        self.pair_cache = {}

    def put_link(self, row: LinkRow) -> bool:
        """Add or replace a link; True when it is new."""
        link_id = row[_ID]
        old = self.links.get(link_id)
        if old is not None:
            self.links_by_year[old[_YEAR]].discard(link_id)
            self.links_of_unit[old[_SOURCE]].discard(link_id)
            self.links_of_unit[old[_TARGET]].discard(link_id)
        self._index_link(row)
        self._graph = None
        self.pair_cache = {}
        return old is None

    def _index_link(self, row: LinkRow) -> None:
        link_id = row[_ID]
        self.links[link_id] = row
        self.links_by_year[row[_YEAR]].add(link_id)
        self.links_of_unit[row[_SOURCE]].add(link_id)
        self.links_of_unit[row[_TARGET]].add(link_id)

    # -- persistence ---------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "regions": [(r.code, r.name, r.level, r.parent_code) for r in self.regions.values()],
            "units": [tuple(getattr(u, f) for f in _UNIT_FIELDS) for u in self.units.values()],
            "links": list(self.links.values()),
            "generation": self.generation,
        }

    @classmethod
    def restore(cls, data: dict[str, Any]) -> _State:
        # The cyclic collector would walk the growing million-entry dicts many times over while
        # they are built (and nothing built here is cyclic garbage): pause it meanwhile.
        with collector_paused():
            state = cls()
            for code, name, level, parent in data["regions"]:
                state.put_region(Region(code, name, level, parent))
            for row in data["units"]:
                state.put_unit(Unit(*row))
            for row in data["links"]:
                state._index_link(row)
            state.generation = int(data.get("generation", 0))  # absent in files of earlier versions
            return state


class EmbeddedStore(Store):
    """The default store: one file, no server. Safe for many readers and queued writers."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.location = str(self.path)
        self._state: _State | None = None
        self._mtime: int | None = None

    # -- file handling -------------------------------------------------------------------------
    @property
    def state(self) -> _State:
        """The graph as last read; re-read when another process replaced the file."""
        mtime = self._file_mtime()
        if self._state is None or mtime != self._mtime:
            self._state = self._read()
            self._mtime = mtime
        return self._state

    def _file_mtime(self) -> int | None:
        try:
            return self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _read(self) -> _State:
        if not self.path.exists():
            return _State()
        try:
            with self.path.open("rb") as f:
                data = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            raise StoreUnavailable(f"cannot read the embedded store {self.path}: {exc}") from exc
        found = data.get("format") if isinstance(data, dict) else None
        if isinstance(found, str) and found.startswith("tiaokuai-embedded/") and found != FORMAT:
            raise StoreError(
                f"{self.path} was written by another version of tiaokuai ({found}; this one reads "
                f"{FORMAT}); move it aside and load your ledgers again"
            )
        if found != FORMAT:
            raise StoreError(f"{self.path} is not a tiaokuai embedded store (format {FORMAT})")
        state = _State.restore(data)
        # Move the million link tuples out of the cyclic collector's sight: otherwise every full
        # collection (five per national gaps call) walks them all. Collect first so that no garbage
        # is pinned; the frozen objects are still freed by reference counting when a reload drops
        # this state. Measured: first rules.gaps of a 1M-link store 2.6 -> 1.7 s CPU.
        gc.collect()
        gc.freeze()
        return state

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            deadline = time.monotonic() + LOCK_TIMEOUT_S
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise StoreBusy(
                            f"another load holds {lock_path} for more than {LOCK_TIMEOUT_S:.0f} s; "
                            "try again when it has finished"
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _persist(self, state: _State) -> None:
        """Write the whole state to a temporary sibling, fsync it, and rename it into place.

        Temporaries of writers killed mid-write (SIGKILL, power loss) are removed first: only the
        holder of the write lock, which we are, ever writes one."""
        for stale in self.path.parent.glob(glob.escape(f".{self.path.name}.") + "*.tmp"):
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(state.dump(), f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    # -- Store ---------------------------------------------------------------------------------
    def ping(self) -> None:
        _ = self.state
        if not os.access(self.path.parent if not self.path.exists() else self.path, os.R_OK):
            raise StoreUnavailable(f"cannot read {self.path}")

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        """Refused: the embedded store computes gaps on the fly and has no Browser to show them."""
        raise GapWriteUnsupported(
            f"--write needs a Neo4j store (--store bolt://127.0.0.1:7687 or TIAOKUAI_STORE); "
            f"{self.location} is the embedded store, where gaps are computed on the fly and "
            "there is no Browser to show them in"
        )

    def write(self, dataset: Dataset) -> WriteSummary:
        with self._write_lock():
            # Under the lock, start from the file as it is now: another writer may have replaced it
            # since we read it. Our cached copy is reused when the file has not changed.
            if self._state is None or self._file_mtime() != self._mtime:
                self._state, self._mtime = self._read(), self._file_mtime()
            state = self._state
            self._state = None  # until the new file is in place, the cache is not trusted
            summary = WriteSummary(
                regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
            )
            for region in dataset.regions:
                state.put_region(region)
            for unit in dataset.units:
                state.put_unit(unit)
            dangling = sorted(
                {
                    end
                    for lk in dataset.links
                    for end in (lk.source_id, lk.target_id)
                    if end not in state.units
                }
            )
            if dangling:  # loaders never let this through; as Neo4j does, refuse rather than invent units
                raise StoreError(f"links refer to units that do not exist: {', '.join(dangling[:10])}")
            for link in dataset.links:
                row = _row_of(link)
                if state.links.get(link.id) != row:
                    summary.links_created += state.put_link(row)
            # the generation travels in the file it describes: renamed into place with the graph.
            # A new file starts from the clock (ms), so a store removed and written again does not
            # repeat a generation that a cache has seen.
            state.generation = (state.generation or int(time.time() * 1000)) + 1
            try:
                self._persist(state)
            except OSError as exc:  # disk full, read-only file system, quota
                raise StoreError(
                    f"cannot write the embedded store {self.path}: {exc.strerror or exc}; nothing was written"
                ) from exc
            self._state, self._mtime = state, self._file_mtime()
        return summary

    def generation(self) -> int:
        return self.state.generation

    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        units = self.state.units
        return {i: units[i] for i in ids if i in units}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        regions = self.state.regions
        return {c: regions[c] for c in codes if c in regions}

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        links = self.state.links
        return {i: _link_of(links[i]) for i in ids if i in links}

    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        st = self.state
        return {i: [st.units[c] for c in sorted(st.children.get(i, ()))] for i in ids}

    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        st = self.state
        out: dict[str, set[str]] = {}
        for i in ids:
            if i not in st.units:
                out[i] = set()
                continue
            near = set(st.graph.successors(i)) | set(st.graph.predecessors(i))
            near |= st.children.get(i, set())
            parent = st.units[i].parent_id
            if parent and parent in st.units:
                near.add(parent)
            near.discard(i)
            out[i] = near
        return out

    def count_units(self) -> int:
        return len(self.state.units)

    def regions(self) -> list[Region]:
        return sorted(self.state.regions.values(), key=lambda r: r.code)

    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        wanted = set(kinds)
        return sorted((u for u in self.state.units.values() if u.kind in wanted), key=lambda u: u.id)

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        units: Iterable[Unit] = self.state.units.values()
        if query.kind:
            units = (u for u in units if u.kind == query.kind)
        if query.level:
            units = (u for u in units if u.level == query.level)
        if query.region_code:
            within = regions_within(self.state.regions.values(), query.region_code)
            units = (u for u in units if u.region_code in within)
        if query.name_contains:
            needle = query.name_contains.lower()
            units = (u for u in units if needle in u.name.lower() or needle in (u.name_en or "").lower())
        ordered = sorted(units, key=lambda u: u.id)
        return Page(ordered[offset : None if limit is None else offset + limit], len(ordered))

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        st = self.state
        ids: Iterable[str]
        if query.unit_id is not None:
            ids = st.links_of_unit.get(query.unit_id, ())
        elif query.year is not None:
            ids = st.links_by_year.get(query.year, ())
        else:
            ids = st.links.keys()
        rows: Iterable[LinkRow] = (st.links[i] for i in ids)
        if query.other_id is not None:
            ends = {query.unit_id, query.other_id}
            rows = (r for r in rows if {r[_SOURCE], r[_TARGET]} == ends)
        if query.year is not None:
            rows = (r for r in rows if r[_YEAR] == query.year)
        if query.family:
            rows = (r for r in rows if r[_FAMILY] == query.family)
        if query.kind:
            rows = (r for r in rows if r[_KIND] == query.kind)
        ordered = sorted(rows, key=lambda r: (r[_ORDINAL], r[_ID]))
        page = ordered[offset : None if limit is None else offset + limit]
        return Page([_link_of(r) for r in page], len(ordered))

    def years(self) -> list[int]:
        return sorted(y for y, ids in self.state.links_by_year.items() if ids)

    def _where_access(self) -> Access:
        """filters/orderings/aggregates (Store.find_units_where …) over the in-memory indexes."""
        st = self.state
        memo: dict[str, list[Link]] = {}

        def links_of(uid: str) -> list[Link]:
            found = memo.get(uid)
            if found is None:
                found = memo[uid] = [_link_of(st.links[i]) for i in st.links_of_unit.get(uid, ())]
            return found

        def links(years: frozenset[int] | None) -> Iterator[Link]:
            ids: Iterable[str] = (
                st.links.keys() if years is None else (i for y in years for i in st.links_by_year.get(y, ()))
            )
            return (_link_of(st.links[i]) for i in ids)

        return Access(st.units, links_of, links, lambda code: regions_within(st.regions.values(), code))

    def link_totals(self, year: int) -> list[LinkTotal]:
        st = self.state
        acc: dict[str, list[int]] = {}
        family: dict[str, str] = {}
        for i in st.links_by_year.get(year, ()):
            r = st.links[i]
            row = acc.setdefault(r[_KIND], [0, 0, 0])
            row[0] += 1
            row[1] += r[_COUNT]
            row[2] += r[_PARTICIPANTS] or 0
            family[r[_KIND]] = r[_FAMILY]
        return [LinkTotal(k, family[k], *acc[k]) for k in sorted(acc)]

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        st = self.state
        key = (tuple(sorted(set(years))), frozenset(kinds) if kinds is not None else None)
        cached = st.pair_cache.get(key)
        if cached is None:
            cached = st.pair_cache[key] = self._pair_counts(st, years, kinds)
        return list(cached)

    @staticmethod
    def _pair_counts(st: _State, years: Sequence[int], kinds: Sequence[str] | None) -> list[PairCount]:
        wanted = set(kinds) if kinds is not None else None
        acc: dict[tuple[str, str, str, int], list[int]] = {}
        for year in set(years):
            for i in st.links_by_year.get(year, ()):
                r = st.links[i]
                if wanted is not None and r[_KIND] not in wanted:
                    continue
                row = acc.setdefault((r[_SOURCE], r[_TARGET], r[_KIND], year), [0, 0, 0])
                row[0] += r[_COUNT]
                row[1] += r[_PARTICIPANTS] or 0
                row[2] += 1
        return [PairCount(*key, *vals) for key, vals in sorted(acc.items())]
