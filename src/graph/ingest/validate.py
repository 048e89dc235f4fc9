"""Validating ledger rows and turning them into a :class:`~graph.model.Dataset`.

Every problem of a load is collected (never raised one by one) so that a user fixes a ledger in
one pass. References to units and regions outside the load are checked with one batched store call
per table, because on Neo4j each call is a network round trip and ledgers run to 100,000 rows.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from operator import itemgetter
from typing import Any, TypeVar

from ..errors import RowProblem
from ..model import Dataset, Link, Region, Unit
from ..model.vocabulary import vocabulary
from ..store.base import Store
from .cells import DATE_FORMATS, cell_text, parse_date, parse_int
from .ids import link_id, link_key
from .references import Defined, Ref, check_region_levels, find_cycles, resolve
from .tables import Table
from .unitsystem import resolve_system

__all__ = ["LoadBuilder", "PROGRESS_EVERY"]

PROGRESS_EVERY = 5000
Progress = Callable[[int, int], None]
T = TypeVar("T", Unit, Region)
# a valid link row: (row, id, explicit id?, kind, date, source id, target id, count, participants, title)
_Parsed = tuple[int, str, bool, str, dt.date, str, str, int, "int | None", "str | None"]

_UNIT_FIELDS = ("name", "kind", "level", "region_code", "parent_id", "name_en", "system")
_REGION_FIELDS = ("name", "level", "parent_code")
_LINK_FIELDS = ("date", "kind", "source_id", "target_id", "count", "participants", "title")
_LINK_PICK = ("date", "kind", "source_id", "target_id", "count", "participants", "title", "id")

# C0 controls other than tab, line feed and carriage return, DEL, and lone surrogates (which API
# rows can carry): no output can hold them (GraphML/GEXF are XML 1.0; CSV, JSON, HTML are UTF-8).
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _picker(table: Table, columns: tuple[str, ...]) -> Callable[[Any], list[str]]:
    """A function giving a row's cells for ``columns`` as trimmed text ("" where absent).

    Rows may be shorter than the header (CSV) and columns may be missing (API rows), so each row is
    padded; the absent columns then point at a padding cell. itemgetter keeps this in C.
    """
    indexes = table.header.columns
    width = max(indexes.values(), default=-1) + 1
    get = itemgetter(*(indexes.get(c, width) for c in columns))
    if table.text_only:  # CSV: every cell is already a str
        strip, text_pad = str.strip, [""] * (width + 1)
        return lambda row: list(map(strip, get(row + text_pad)))
    pad = ("",) * (width + 1)

    def pick(row: Any) -> list[str]:
        return [c.strip() if c.__class__ is str else cell_text(c) for c in get((*row, *pad))]

    return pick


def _region_parent(region: Region) -> str | None:
    return region.parent_code


def _unit_parent(unit: Unit) -> str | None:
    return unit.parent_id


def _integer(text: str) -> int | None:
    return int(text) if len(text) < 19 and text.isdecimal() else parse_int(text)  # 19 digits may not fit


def _is_region_code(text: str) -> bool:
    return len(text) == 6 and text.isascii() and text.isdigit()


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class LoadBuilder:
    """Collects rows of all tables, then checks what needs the whole load (references, cycles)."""

    def __init__(self, store: Store | None, progress: Progress | None, total: int):
        self.store = store
        self.vocab = vocabulary()
        self.progress = progress
        self.total = total
        self.done = 0
        self.problems: list[RowProblem] = []
        self.warnings: list[str] = []
        # id -> (object, where, label of its parent column); first definition wins
        self.regions: dict[str, Defined[Region]] = {}
        self.units: dict[str, Defined[Unit]] = {}
        # links are not kept: a national load has a million. Pass one keeps what must be global:
        # a 64-bit hash of each link id (in 256 arrays by its low byte, 8 bytes a link) to find
        # repeated ids, the units the links name, and the link tables to read again
        self.link_tables: list[Table] = []
        self.link_count = 0
        self._id_hashes = [array("q") for _ in range(256)]
        self.link_refs: set[str] = set()  # unit ids named by link rows, not defined when read
        self.ends: set[str] = set()  # unit ids at the ends of valid links
        self.skip: set[tuple[str, int]] = set()  # (table, row) of rows that repeat an earlier link
        self._occurrences: dict[str, int] = {}  # pass one's occurrence counts of the current file
        # ids defined by rows with problems: references to them are not reported a second time
        self.bad_regions: set[str] = set()
        self.bad_units: set[str] = set()
        self.region_refs: list[tuple[str, str, int, str]] = []  # (code, table, row, column label)
        self.unit_refs: list[tuple[str, str, int, str]] = []
        self.repeats: dict[tuple[str, str], int] = defaultdict(int)
        self._words: dict[tuple[str, str], str | None] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def problem(self, table: Table, row: int, column: str, message: str) -> None:
        self.problems.append(RowProblem(table.name, row, table.header.labels.get(column, column), message))

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % PROGRESS_EVERY == 0:
            self.progress(self.done, self.total)

    def word(self, what: str, text: str) -> str | None:
        """Canonical kind or level for a ledger word, cached: ledgers repeat a few words a lot."""
        key = (what, text)
        if key not in self._words:
            v = self.vocab
            if what == "unit_kind":
                self._words[key] = v.unit_kind(text)
            elif what == "link_kind":
                self._words[key] = v.link_kind(text)
            else:
                self._words[key] = v.level(text, v.unit_levels if what == "unit_level" else v.region_levels)
        return self._words[key]

    def kind(self, table: Table, row: int, text: str, what: str) -> str | None:
        if not text:
            self.problem(table, row, "kind", "missing value")
            return None
        kind = self.word(what, text)
        if kind is None:
            kinds = self.vocab.unit_kinds if what == "unit_kind" else self.vocab.link_kinds
            names = list(kinds)
            hint = _suggest(text, names + [k.zh for k in kinds.values()])
            noun = "unit" if what == "unit_kind" else "link"
            self.problem(
                table, row, "kind",
                f'unknown {noun} kind "{text}"{hint}; valid kinds: {", ".join(names)} '
                "(or their Chinese names)",
            )  # fmt: skip
        return kind

    def level(self, table: Table, row: int, text: str, what: str) -> str | None:
        if not text:
            self.problem(table, row, "level", "missing value")
            return None
        level = self.word(what, text)
        if level is None:
            allowed = self.vocab.unit_levels if what == "unit_level" else self.vocab.region_levels
            self.problem(
                table, row, "level",
                f'unknown level "{text}"; use {", ".join(allowed)} (Chinese such as 省, 市, 县 accepted)',
            )  # fmt: skip
        return level

    def writable(self, table: Table, row: int, values: Mapping[str, str]) -> bool:
        """False (with a problem per cell) when a cell holds a character no output can hold."""
        ok = True
        for column, text in values.items():
            m = _UNWRITABLE.search(text)
            if m is not None:
                self.problem(table, row, column, f"contains the control character U+{ord(m.group()):04X}")
                ok = False
        return ok

    def required(self, table: Table, row: int, values: Mapping[str, str], *columns: str) -> bool:
        ok = True
        for column in columns:
            if not values.get(column):
                self.problem(table, row, column, "missing value")
                ok = False
        return ok

    @staticmethod
    def values(table: Table, row: Any) -> dict[str, str]:
        n = len(row)
        return {c: cell_text(row[i]) if i < n else "" for c, i in table.header.columns.items()}

    # -- tables ----------------------------------------------------------------------------------
    def add_table(self, table: Table) -> None:
        {"regions": self.add_regions, "units": self.add_units, "links": self.add_links}[table.table](table)

    def add_regions(self, table: Table) -> None:
        parent_label = table.header.labels.get("parent_code", "parent_code")
        for number, row in table.rows:
            self.tick()
            v = self.values(table, row)
            ok = self.required(table, number, v, "code", "name") & self.writable(table, number, v)
            code, parent = v.get("code", ""), v.get("parent_code", "")
            if code and not _is_region_code(code):
                self.problem(table, number, "code", f'"{code}" is not a six-digit region code (GB/T 2260)')
                ok = False
            level = self.level(table, number, v.get("level", ""), "region_level")
            if parent and not _is_region_code(parent):
                self.problem(table, number, "parent_code", f'"{parent}" is not a six-digit region code')
                ok = False
            elif parent:
                self.region_refs.append((parent, table.name, number, parent_label))
            if not ok or level is None:
                if code:
                    self.bad_regions.add(code)
                continue
            region = Region(code, v["name"], level, parent or None)
            self.merge(self.regions, region, code, (table, number), parent_label, _REGION_FIELDS, "code")

    def add_units(self, table: Table) -> None:
        labels = table.header.labels
        parent_label = labels.get("parent_id", "parent_id")
        region_label = labels.get("region_code", "region_code")
        extras = table.header.extras
        for number, row in table.rows:
            self.tick()
            v = self.values(table, row)
            ok = self.required(table, number, v, "id", "name") & self.writable(table, number, v)
            kind = self.kind(table, number, v.get("kind", ""), "unit_kind")
            level = self.level(table, number, v.get("level", ""), "unit_level")
            region, parent = v.get("region_code", ""), v.get("parent_id", "")
            if region:
                self.region_refs.append((region, table.name, number, region_label))
            elif level is not None and level != "national":
                self.problem(table, number, "region_code", f"missing value (required for a {level} unit)")
                ok = False
            if parent:
                self.unit_refs.append((parent, table.name, number, parent_label))
            uid = v.get("id", "")
            system: str | None = None
            if kind is not None and level is not None:
                system, wrong = resolve_system(self.vocab, kind, level, v.get("system", ""))
                for column, message in wrong:
                    self.problem(table, number, column, message)
                ok &= not wrong
            if not ok or kind is None or level is None:
                if uid:
                    self.bad_units.add(uid)
                continue
            n = len(row)
            extra = {text: t for text, i in extras if i < n and (t := cell_text(row[i]))}
            if not self.writable(table, number, extra):
                self.bad_units.add(uid)
                continue
            name_en = v.get("name_en") or None
            unit = Unit(uid, v["name"], kind, level, region or None, parent or None, name_en, extra, system)
            self.merge(self.units, unit, uid, (table, number), parent_label, _UNIT_FIELDS, "id")

    def merge(
        self,
        seen: dict[str, Defined[T]],
        item: T,
        key: str,
        at: tuple[Table, int],
        parent_label: str,
        fields: tuple[str, ...],
        id_column: str,
    ) -> None:
        """Keep the first definition of an id; identical repeats collapse, different ones are errors.

        Unit ``extra`` columns from several files are merged unless they disagree on a value.
        """
        table, number = at
        if key not in seen:
            seen[key] = (item, (table.name, number), parent_label)
            return
        old, where, old_label = seen[key]
        differ = [f for f in fields if getattr(old, f) != getattr(item, f)]
        if "kind" in differ and "system" in differ:
            differ.remove("system")  # a different kind is the news; its system follows from it
        if isinstance(item, Unit) and isinstance(old, Unit):
            differ += [k for k, val in item.extra.items() if k in old.extra and old.extra[k] != val]
            if not differ and item.extra.keys() - old.extra.keys():
                seen[key] = (replace(old, extra={**item.extra, **old.extra}), where, old_label)  # type: ignore[arg-type]
        if differ:
            self.problem(
                table, number, id_column,
                f"{key} is already defined at {where[0]}:{where[1]} with a different {', '.join(differ)}",
            )  # fmt: skip

    def add_links(self, table: Table) -> None:
        """Pass one over a link table: every row checked, nothing kept but id hashes and unit ids.

        The hot loop of a load (ledgers run to a million rows), so cells are picked by index."""
        hashes, ends, tick = self._id_hashes, self.ends, self.tick
        n = 0
        if not self.link_tables or self.link_tables[-1].file != table.file:
            self._occurrences = {}
        self.link_tables.append(table)
        rows = self.parse_links(table, self._occurrences, check=True)
        for _number, lid, _explicit, _kind, _date, source, target, *_ in rows:
            tick()
            n += 1
            h = hash(lid)
            hashes[h & 255].append(h)
            ends.add(source)
            ends.add(target)
        self.link_count += n

    def parse_links(
        self, table: Table, occurrences: dict[str, int], *, check: bool = False
    ) -> Iterator[_Parsed]:
        """The valid link rows of ``table``, parsed, with their ids (deterministic ones counted per
        file, see :func:`link_id`). With ``check`` (pass one), invalid rows become problems and
        the unit ids named that the load has not defined yet are noted."""
        defined, refs, word_of = self.units, self.link_refs, self.word
        kinds: dict[str, str | None] = {}
        dates: dict[str, dt.date | None] = {}  # a ledger has a few hundred distinct dates at most
        pick = _picker(table, _LINK_PICK)
        unwritable = _UNWRITABLE.search
        for number, row in table.rows:
            cells = pick(row)
            if unwritable("".join(cells)):
                if check:
                    self.tick()
                    self.writable(table, number, dict(zip(_LINK_PICK, cells, strict=True)))
                continue
            date_text, word, source, target, count_text, people_text, title, lid = cells
            date = (
                dates[date_text] if date_text in dates else dates.setdefault(date_text, parse_date(date_text))
            )
            kind = kinds[word] if word in kinds else kinds.setdefault(word, word_of("link_kind", word))
            count = _integer(count_text) if count_text else 1
            participants = _integer(people_text) if people_text else None
            if check:
                # a reference to a unit this load defines always resolves: only the others are
                # noted, by id (where they are is found again only if one is unknown)
                if source and source not in defined:
                    refs.add(source)
                if target and target not in defined:
                    refs.add(target)
            if (
                date is None or kind is None or not source or not target or count is None or count < 1
                or (people_text and (participants is None or participants < 0))
            ):  # fmt: skip
                if check:
                    self.tick()
                    self.link_problems(
                        table, number, date_text, word, source, target, count_text, people_text
                    )
                continue
            explicit = bool(lid)
            if not explicit:
                key = link_key(date, kind, source, target, title or None)
                occurrence = occurrences[key] = occurrences.get(key, 0) + 1
                lid = link_id(key, occurrence)
            yield number, lid, explicit, kind, date, source, target, count, participants, title or None

    def per_file(self) -> Iterator[tuple[Table, dict[str, int]]]:
        """The link tables, each with the occurrence counts of its file (the sheets of a workbook
        count on from each other; each pass over the files starts from nothing)."""
        file: str | None = None
        occurrences: dict[str, int] = {}
        for table in self.link_tables:
            if table.file != file:
                file, occurrences = table.file, {}
            yield table, occurrences

    def link(self, table: Table, parsed: _Parsed) -> Link:
        number, lid, _, kind, date, source, target, count, participants, title = parsed
        return Link(
            lid, kind, self.vocab.family_of(kind), date, source, target, count, participants, title,
            table.name, number,
        )  # fmt: skip

    def links(self) -> Iterator[Link]:
        """Pass two: the load's links, each id once (the first row of a repeated one), in the order
        of the rows, read from the tables again."""
        skip = self.skip
        for table, occurrences in self.per_file():
            name = table.name
            for parsed in self.parse_links(table, occurrences):
                if skip and (name, parsed[0]) in skip:
                    continue
                yield self.link(table, parsed)

    def repeated_ids(self) -> None:
        """Rows whose link id another row has: identical repeats are skipped (and counted for a
        warning), different ones are problems. Only the rows whose id hash repeats are read into
        links, in a pass over the link tables that runs only when there are some."""
        repeated: set[int] = set()
        for hashes in self._id_hashes:
            if len(set(hashes)) != len(hashes):
                seen: set[int] = set()
                for h in hashes:
                    if h in seen:
                        repeated.add(h)
                    seen.add(h)
        if not repeated:
            return
        first: dict[str, Link] = {}
        for table, occurrences in self.per_file():
            for parsed in self.parse_links(table, occurrences):
                lid = parsed[1]
                if hash(lid) not in repeated:
                    continue
                link = self.link(table, parsed)
                if lid in first:
                    self.merge_link(first[lid], link, table, parsed[0], parsed[2])
                else:
                    first[lid] = link

    def link_ref_rows(self, unknown: set[str]) -> Iterator[Ref]:
        """Where link rows name one of the ``unknown`` units (read again: only when there are some)."""
        for table in self.link_tables:
            labels = table.header.labels
            columns = ((2, labels.get("source_id", "source_id")), (3, labels.get("target_id", "target_id")))
            pick = _picker(table, _LINK_PICK)
            for number, row in table.rows:
                cells = pick(row)
                if _UNWRITABLE.search("".join(cells)):
                    continue
                for i, label in columns:
                    if cells[i] in unknown:
                        yield cells[i], table.name, number, label

    def link_problems(
        self, table: Table, number: int, date_text: str, word: str, source: str, target: str,
        count_text: str, people_text: str,
    ) -> None:  # fmt: skip
        """Say what is wrong with a link row (kept off the fast path: only bad rows come here)."""
        if not date_text:
            self.problem(table, number, "date", "missing value")
        elif parse_date(date_text) is None:
            self.problem(table, number, "date", f'"{date_text}" is not a date; use {DATE_FORMATS}')
        self.kind(table, number, word, "link_kind")
        self.required(table, number, {"source_id": source, "target_id": target}, "source_id", "target_id")
        count = parse_int(count_text) if count_text else 1
        if count is None or count < 1:
            self.problem(table, number, "count", f'"{count_text}" is not a positive integer')
        participants = parse_int(people_text) if people_text else None
        if people_text and (participants is None or participants < 0):
            self.problem(table, number, "participants", f'"{people_text}" is not a non-negative integer')

    def merge_link(self, old: Link, link: Link, table: Table, number: int, explicit: bool) -> None:
        """A second row with the same link id: collapse if identical, otherwise report it."""
        where = (old.source_file or "", old.source_row or 0)
        differ = [f for f in _LINK_FIELDS if getattr(old, f) != getattr(link, f)]
        if not differ:
            self.skip.add((table.name, number))
            if where[0] != table.name:
                self.repeats[(table.name, where[0])] += 1
            return
        if explicit:
            message = (f"{link.id} is already used at {where[0]}:{where[1]} by a different link "
                       f"({', '.join(differ)})")  # fmt: skip
            self.problem(table, number, "id", message)
        else:
            message = (f"same date, kind, units and title as {where[0]}:{where[1]} but a different "
                       f"{', '.join(differ)}; give the rows distinct ids or titles")  # fmt: skip
            self.problem(table, number, differ[0], message)

    def finish(self) -> Dataset:
        """The checks that need the whole load; the regions and units (the links stay in the files:
        :class:`~graph.ingest.passes.LinkStream`)."""
        store = self.store
        get_regions = store.get_regions if store is not None else None
        get_units = store.get_units if store is not None else None
        problems = self.problems
        self.repeated_ids()
        regions_found = resolve(
            self.region_refs,
            self.regions.keys() | self.bad_regions,
            self.regions,
            get_regions,
            "region",
            problems,
        )
        units_found = resolve(
            self.unit_refs, self.units.keys() | self.bad_units, self.units, get_units, "unit", problems,
            more=(self.link_refs, self.link_ref_rows),
        )  # fmt: skip
        check_region_levels(self.regions, regions_found, self.vocab.region_levels, problems)
        find_cycles(self.regions, regions_found, _region_parent, get_regions, "region", problems)
        find_cycles(self.units, units_found, _unit_parent, get_units, "unit", problems)
        for (later, earlier), n in self.repeats.items():
            self.warnings.append(
                f"{later}: {n} link row(s) repeat rows of {earlier} (same date, kind, units, title, "
                "count) and were loaded once"
            )
        if self.progress is not None:
            self.progress(self.total, self.total)
        return Dataset(
            regions=[r for r, _, _ in self.regions.values()],
            units=[u for u, _, _ in self.units.values()],
        )
