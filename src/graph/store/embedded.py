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

import fcntl
import os
import pickle
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import StoreBusy, StoreError, StoreUnavailable
from ..model import Dataset, Link, Region, Unit
from .base import LinkQuery, LinkTotal, Page, PairCount, Store, UnitQuery, WriteSummary

__all__ = ["EmbeddedStore", "FORMAT"]

FORMAT = "tiaokuai-embedded/1"
LOCK_TIMEOUT_S = float(os.environ.get("TIAOKUAI_LOCK_TIMEOUT", "60"))

_UNIT_FIELDS = ("id", "name", "kind", "level", "region_code", "parent_id", "name_en", "extra")
_LINK_FIELDS = (
    "id", "kind", "family", "date", "source_id", "target_id",
    "count", "participants", "title", "source_file", "source_row",
)  # fmt: skip


class _State:
    """Everything the file holds, with the indexes queries need."""

    def __init__(self) -> None:
        self.regions: dict[str, Region] = {}
        self.units: dict[str, Unit] = {}
        self.links: dict[str, Link] = {}
        self.graph = nx.MultiDiGraph()
        self.children: dict[str, set[str]] = defaultdict(set)
        self.links_by_year: dict[int, set[str]] = defaultdict(set)

    # -- building ------------------------------------------------------------------------------
    def put_region(self, region: Region) -> None:
        self.regions[region.code] = region

    def put_unit(self, unit: Unit) -> None:
        old = self.units.get(unit.id)
        if old is not None and old.parent_id:
            self.children[old.parent_id].discard(unit.id)
        self.units[unit.id] = unit
        self.graph.add_node(unit.id, kind=unit.kind, level=unit.level)
        if unit.parent_id:
            self.children[unit.parent_id].add(unit.id)

    def put_link(self, link: Link) -> bool:
        """Add or replace a link; True when it is new."""
        old = self.links.get(link.id)
        if old is not None:
            self.graph.remove_edge(old.source_id, old.target_id, key=old.id)
            self.links_by_year[old.year].discard(old.id)
        self.links[link.id] = link
        self.graph.add_edge(link.source_id, link.target_id, key=link.id)
        self.links_by_year[link.year].add(link.id)
        return old is None

    # -- persistence ---------------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "regions": [(r.code, r.name, r.level, r.parent_code) for r in self.regions.values()],
            "units": [tuple(getattr(u, f) for f in _UNIT_FIELDS) for u in self.units.values()],
            "links": [
                (lk.id, lk.kind, lk.family, lk.date.toordinal(), lk.source_id, lk.target_id,
                 lk.count, lk.participants, lk.title, lk.source_file, lk.source_row)
                for lk in self.links.values()
            ],
        }  # fmt: skip

    @classmethod
    def restore(cls, data: dict[str, Any]) -> _State:
        import datetime as dt

        state = cls()
        for code, name, level, parent in data["regions"]:
            state.put_region(Region(code, name, level, parent))
        for row in data["units"]:
            state.put_unit(Unit(*row))
        fromordinal = dt.date.fromordinal
        links = state.links
        by_year = state.links_by_year
        edges = []
        for row in data["links"]:
            date = fromordinal(row[3])
            link = Link(row[0], row[1], row[2], date, *row[4:])
            links[link.id] = link
            by_year[date.year].add(link.id)
            edges.append((link.source_id, link.target_id, link.id))
        state.graph.add_edges_from(edges)
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
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise StoreError(f"{self.path} is not a tiaokuai embedded store (format {FORMAT})")
        return _State.restore(data)

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
        """Write the whole state to a temporary sibling, fsync it, and rename it into place."""
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

    def write(self, dataset: Dataset) -> WriteSummary:
        with self._write_lock():
            # Re-read under the lock: another writer may have replaced the file since we opened it.
            state = self._read()
            summary = WriteSummary(
                regions=len(dataset.regions), units=len(dataset.units), links=len(dataset.links)
            )
            for region in dataset.regions:
                state.put_region(region)
            for unit in dataset.units:
                state.put_unit(unit)
            for link in dataset.links:
                if state.links.get(link.id) != link:
                    summary.links_created += state.put_link(link)
            self._persist(state)
            self._state, self._mtime = state, self._file_mtime()
        return summary

    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        units = self.state.units
        return {i: units[i] for i in ids if i in units}

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        regions = self.state.regions
        return {c: regions[c] for c in codes if c in regions}

    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        links = self.state.links
        return {i: links[i] for i in ids if i in links}

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

    def _regions_within(self, code: str) -> set[str]:
        """The region and every region below it (by parent_code)."""
        below: dict[str, list[str]] = defaultdict(list)
        for r in self.state.regions.values():
            if r.parent_code:
                below[r.parent_code].append(r.code)
        found, todo = {code}, [code]
        while todo:
            for child in below.get(todo.pop(), ()):
                if child not in found:
                    found.add(child)
                    todo.append(child)
        return found

    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]:
        units: Iterable[Unit] = self.state.units.values()
        if query.kind:
            units = (u for u in units if u.kind == query.kind)
        if query.level:
            units = (u for u in units if u.level == query.level)
        if query.region_code:
            within = self._regions_within(query.region_code)
            units = (u for u in units if u.region_code in within)
        if query.name_contains:
            needle = query.name_contains.lower()
            units = (u for u in units if needle in u.name.lower() or needle in (u.name_en or "").lower())
        ordered = sorted(units, key=lambda u: u.id)
        return Page(ordered[offset : None if limit is None else offset + limit], len(ordered))

    def _link_ids_of_unit(self, unit_id: str) -> Iterable[str]:
        g = self.state.graph
        if unit_id not in g:
            return ()
        out = (k for _, _, k in g.out_edges(unit_id, keys=True))
        inc = (k for _, _, k in g.in_edges(unit_id, keys=True))
        return {*out, *inc}

    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]:
        st = self.state
        if query.unit_id is not None:
            ids: Iterable[str] = self._link_ids_of_unit(query.unit_id)
        elif query.year is not None:
            ids = st.links_by_year.get(query.year, ())
        else:
            ids = st.links.keys()
        links: Iterable[Link] = (st.links[i] for i in ids)
        if query.other_id is not None:
            ends = {query.unit_id, query.other_id}
            links = (lk for lk in links if {lk.source_id, lk.target_id} == ends)
        if query.year is not None:
            links = (lk for lk in links if lk.date.year == query.year)
        if query.family:
            links = (lk for lk in links if lk.family == query.family)
        if query.kind:
            links = (lk for lk in links if lk.kind == query.kind)
        ordered = sorted(links, key=lambda lk: (lk.date, lk.id))
        return Page(ordered[offset : None if limit is None else offset + limit], len(ordered))

    def years(self) -> list[int]:
        return sorted(y for y, ids in self.state.links_by_year.items() if ids)

    def link_totals(self, year: int) -> list[LinkTotal]:
        st = self.state
        acc: dict[str, list[int]] = {}
        family: dict[str, str] = {}
        for i in st.links_by_year.get(year, ()):
            lk = st.links[i]
            row = acc.setdefault(lk.kind, [0, 0, 0])
            row[0] += 1
            row[1] += lk.count
            row[2] += lk.participants or 0
            family[lk.kind] = lk.family
        return [LinkTotal(k, family[k], *acc[k]) for k in sorted(acc)]

    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        st = self.state
        wanted = set(kinds) if kinds is not None else None
        acc: dict[tuple[str, str, str, int], list[int]] = {}
        for year in set(years):
            for i in st.links_by_year.get(year, ()):
                lk = st.links[i]
                if wanted is not None and lk.kind not in wanted:
                    continue
                row = acc.setdefault((lk.source_id, lk.target_id, lk.kind, year), [0, 0, 0])
                row[0] += lk.count
                row[1] += lk.participants or 0
                row[2] += 1
        return [PairCount(*key, *vals) for key, vals in sorted(acc.items())]
