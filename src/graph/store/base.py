"""The store interface: small, batch-shaped questions that both stores answer identically.

Rules, coverage, gaps, analysis and the API sit above this interface and never learn which store
they talk to. Each method is one round trip on Neo4j (the aggregation happens in Cypher there), so
callers batch ids instead of asking per item. Every list comes back in a defined order (ids
ascending, links by date then id) so that both stores give byte-identical answers.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, Protocol, TypeVar

from ..errors import GapWriteUnsupported, StoreError
from ..model import Dataset, Link, Region, Unit

if TYPE_CHECKING:
    from .filters import Cond, LinkGroup, Order, UnitsAggregate, YearFamilyTotal
    from .where_eval import Access

__all__ = [
    "Store",
    "Page",
    "UnitQuery",
    "LinkQuery",
    "LinkTotal",
    "PairCount",
    "PairMonthCount",
    "PairDates",
    "WriteSummary",
    "Replace",
    "LinkSource",
    "UnitsWith",
    "LinksWith",
    "LinksOfUnits",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer, ordered list, and the length of the whole list."""

    items: list[T]
    total: int


@dataclass(frozen=True)
class UnitQuery:
    """Filters for :meth:`Store.find_units`; None means no filter. Results are ordered by id."""

    kind: str | None = None
    level: str | None = None
    region_code: str | None = None  # the region itself or any region within it
    name_contains: str | None = None  # case-insensitive, matched against name and name_en


@dataclass(frozen=True)
class LinkQuery:
    """Filters for :meth:`Store.find_links`. Results are ordered by (date, id)."""

    unit_id: str | None = None  # links with this unit at either end
    other_id: str | None = None  # with unit_id: only links between the two units
    family: str | None = None
    kind: str | None = None
    year: int | None = None

    def __post_init__(self) -> None:
        if self.other_id is not None and self.unit_id is None:
            raise ValueError("LinkQuery.other_id needs unit_id: it selects links between the two")


@dataclass(frozen=True)
class LinkTotal:
    """Links dated in one year, summed by kind."""

    kind: str
    family: str
    records: int
    count: int
    participants: int


class PairCount(NamedTuple):
    """Links between one ordered pair of units of one kind in one year, summed.

    A named tuple rather than a frozen dataclass: a national year has about 118,000 of them, and
    building them was a sixth of a Neo4j gaps call (a frozen dataclass sets each field through
    ``object.__setattr__``). Ordered and compared as the tuple of its fields."""

    source_id: str
    target_id: str
    kind: str
    year: int
    count: int  # type: ignore[assignment]  # the field shadows tuple.count, as intended
    participants: int
    records: int


class PairMonthCount(NamedTuple):
    """Links between one ordered pair of units of one kind in one calendar month, their counts summed.

    The time dimension of coverage (issue 21): periodic rules and coverage as of a date read the
    months of a year; ordered and compared as the tuple of its fields."""

    source_id: str
    target_id: str
    kind: str
    year: int
    month: int  # 1..12
    count: int  # type: ignore[assignment]  # the field shadows tuple.count, as intended


class PairDates(NamedTuple):
    """The distinct dates on which any link ran from one unit to another, ascending."""

    source_id: str
    target_id: str
    dates: tuple[dt.date, ...]


@dataclass(frozen=True)
class UnitsWith:
    """A page of units and, for the units on it, what a listing shows beside each one.

    ``parents`` and ``regions`` hold those that exist, by id and code; ``children`` has every unit
    of the page as a key (children ordered by id), as :meth:`Store.children`. What was not asked for
    is empty.
    """

    page: Page[Unit]
    parents: dict[str, Unit] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)
    children: dict[str, list[Unit]] = field(default_factory=dict)


@dataclass(frozen=True)
class LinksWith:
    """A page of links and, when asked for (``ends``), the units at their ends by id."""

    page: Page[Link]
    units: dict[str, Unit] = field(default_factory=dict)


@dataclass(frozen=True)
class LinksOfUnits:
    """A page of links per unit asked about (every id a key), and when asked for (``ends``) the
    units at their ends by id."""

    pages: dict[str, Page[Link]]
    units: dict[str, Unit] = field(default_factory=dict)


@dataclass
class WriteSummary:
    """What a write changed (created vs. already present with the same content, or updated)."""

    regions: int = 0
    units: int = 0
    links: int = 0
    links_created: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class LinkSource(Protocol):
    """Links to write, read from a load's files again each time they are iterated (each id once):
    ``count`` of them, with ``ends`` the ids of the units at their ends. See
    :class:`graph.ingest.LinkStream`."""

    @property
    def count(self) -> int: ...

    @property
    def ends(self) -> AbstractSet[str]: ...

    def __iter__(self) -> Iterator[Link]: ...


@dataclass(frozen=True)
class Replace:
    """The slice of stored links a load replaces (``load --replace``): the links dated in ``year``,
    or those with an end unit in region ``region`` or a region within it. Stored links of the
    slice that the load does not carry are deleted, in the load's transaction (embedded) or by its
    switch (Neo4j), so readers see the old slice or the new one, never a mixture."""

    year: int | None = None
    region: str | None = None

    def describe(self) -> str:
        return f"year {self.year}" if self.year is not None else f"region {self.region}"


@dataclass(frozen=True)
class GapsWritten:
    """What :meth:`Store.write_gaps` did: gap and coverage records written, earlier gaps replaced."""

    gaps: int
    coverage: int
    replaced: int


class Store(abc.ABC):
    """A graph of regions, units and links. Implementations: embedded (SQLite) and Neo4j."""

    #: how the store was opened (a path or a URI without credentials), for messages and /readyz
    location: str

    # -- lifecycle ------------------------------------------------------------------------------
    @abc.abstractmethod
    def ping(self) -> None:
        """Raise :class:`~graph.errors.StoreUnavailable` unless the store answers."""

    def close(self) -> None:  # noqa: B027 - optional for stores that hold nothing open
        """Release connections and files."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def generation(self) -> int:
        """A counter that every committed write bumps, in the same transaction as the write.

        Two reads that see the same generation see the same data, so caches of answers (the
        API's, per process) key on it: a write through any process or worker changes it, and the
        next read anywhere sees the new value. Reads never change it; a write that fails changes
        nothing, this included. An empty store that was never written answers 0; a fresh store
        may start its counter at any larger value (Neo4j starts from the clock, so a database
        emptied and written again does not repeat a generation).
        """

    # -- writes ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def write(self, dataset: Dataset) -> WriteSummary:
        """Upsert regions, units and links, all or nothing.

        The dataset is already validated (references resolve, kinds are known). Units and regions
        are replaced by id; links are keyed by id, so writing the same dataset twice changes
        nothing.
        """

    def write_stream(self, dataset: Dataset, links: LinkSource) -> WriteSummary:
        """:meth:`write` of ``dataset`` (regions and units) with ``links``, which a load reads from
        its files as it goes (every row already validated): all or nothing, as :meth:`write`.

        This default gathers the links and makes one :meth:`write`; Neo4j writes a big load in
        batches as they are read, so the client's memory does not grow with the input."""
        from ..gcpause import collector_paused

        with collector_paused():
            everything = Dataset(dataset.regions, dataset.units, list(links))
        return self.write(everything)

    def configure_writes(  # noqa: B027 - optional: a store that writes in one go has nothing to configure
        self, *, jobs: int | None = None, progress: Callable[[int, int], None] | None = None,
        replace: Replace | None = None, bulk: bool = False,
    ) -> None:  # fmt: skip
        """How the next writes go: ``jobs`` concurrent transactions, ``progress(done, total)`` after
        each batch (Neo4j's batched loads; the embedded store writes one transaction), the
        slice of stored links they ``replace`` (None: links are only added or updated), and
        ``bulk``: through neo4j-admin import into an empty local Neo4j (StoreError elsewhere)."""
        if bulk:
            raise StoreError(f"load --bulk is for an empty local Neo4j database, not {self.location}")

    def recover(self) -> list[int]:
        """Remove what interrupted loads left (``load --recover``); the loads handled. A store whose
        loads are one transaction (the embedded store) has nothing to recover."""
        return []

    def clear(self) -> int:
        """Delete every region, unit, link and gap record (``tiaokuai clear``); returns how many
        regions, units and other records were deleted. Bumps the generation. Neo4j deletes in
        batches, so a store of any size can be emptied on the default heap."""
        raise StoreError(f"{self.location} cannot be cleared")

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        """Replace the year's stored gap and coverage records by these, in one transaction.

        ``gaps``: one row per unmet requirement, ``{unit_id, counterpart_id, subject_id, props}``
        (``props`` are the record's own fields, ``props["id"]`` unique); ``coverage``: one row per
        bureau, ``{id, year, unit_id, expected, met, ratio, name}``. Both are built by
        :func:`graph.rules.gapwrite.write_gaps`. Other years are untouched; writing the same rows
        twice changes nothing. A store that has no place for them raises
        :class:`~graph.errors.GapWriteUnsupported` (the default).
        """
        raise GapWriteUnsupported(f"{self.location} cannot store gap records; use a Neo4j store")

    # -- point lookups --------------------------------------------------------------------------
    @abc.abstractmethod
    def get_units(self, ids: Iterable[str]) -> dict[str, Unit]:
        """The units among ``ids`` that exist."""

    @abc.abstractmethod
    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        """The regions among ``codes`` that exist."""

    @abc.abstractmethod
    def get_links(self, ids: Iterable[str]) -> dict[str, Link]:
        """The links among ``ids`` that exist."""

    @abc.abstractmethod
    def children(self, ids: Iterable[str]) -> dict[str, list[Unit]]:
        """Units whose parent is each of ``ids`` (every id present as a key), ordered by id."""

    @abc.abstractmethod
    def neighbours(self, ids: Iterable[str]) -> dict[str, set[str]]:
        """Units adjacent to each of ``ids`` through UNDER or any link, in either direction."""

    # -- listings -------------------------------------------------------------------------------
    @abc.abstractmethod
    def count_units(self) -> int: ...

    @abc.abstractmethod
    def regions(self) -> list[Region]:
        """Every region, ordered by code (a few thousand at most nationally)."""

    @abc.abstractmethod
    def units_of_kinds(self, kinds: Sequence[str]) -> list[Unit]:
        """Every unit of the given kinds, ordered by id: the rule engine's catalogue."""

    @abc.abstractmethod
    def find_units(self, query: UnitQuery, offset: int = 0, limit: int | None = None) -> Page[Unit]: ...

    def find_units_with(
        self, query: UnitQuery, offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        """:meth:`find_units` and, for the page's units, their parents, regions and children.

        A listing that shows each unit's parent and region would otherwise ask three more
        questions after the page; Neo4j answers all of it in one statement (one round trip). This
        default composes the point lookups, which costs nothing extra in memory.
        """
        page = self.find_units(query, offset, limit)
        items = page.items
        return UnitsWith(
            page,
            parents=self.get_units(dict.fromkeys(u.parent_id for u in items if u.parent_id))
            if parents
            else {},
            regions=self.get_regions(dict.fromkeys(u.region_code for u in items if u.region_code))
            if regions
            else {},
            children=self.children(dict.fromkeys(u.id for u in items)) if children else {},
        )

    @abc.abstractmethod
    def find_links(self, query: LinkQuery, offset: int = 0, limit: int | None = None) -> Page[Link]: ...

    # -- aggregates -----------------------------------------------------------------------------
    @abc.abstractmethod
    def years(self) -> list[int]:
        """Years in which any link is dated, ascending."""

    @abc.abstractmethod
    def link_totals(self, year: int) -> list[LinkTotal]:
        """Links dated in ``year`` summed by kind, ordered by kind; kinds with no link omitted."""

    @abc.abstractmethod
    def pair_counts(self, years: Sequence[int], kinds: Sequence[str] | None = None) -> list[PairCount]:
        """Links dated in ``years`` (of ``kinds``, if given) summed per (source, target, kind, year).

        Ordered by (source_id, target_id, kind, year). This is what coverage, gaps and network
        analysis are computed from, so Neo4j returns compact rows instead of every link.
        """

    @abc.abstractmethod
    def pair_month_counts(
        self, years: Sequence[int], kinds: Sequence[str] | None = None, until: dt.date | None = None
    ) -> list[PairMonthCount]:
        """Links dated in ``years`` (of ``kinds``, if given; on or before ``until``, if given) with
        their ``count`` summed per (source, target, kind, year, month).

        Ordered by (source_id, target_id, kind, year, month); months without links are omitted.
        Summed over the months, the rows are :meth:`pair_counts`' ``count``. Periodic rules, coverage
        as of a date and the contact trend are computed from these rows (graph.rules.periods).
        """

    @abc.abstractmethod
    def pair_dates(self, kinds: Sequence[str] | None = None, until: dt.date | None = None) -> list[PairDates]:
        """For every ordered (source, target) pair with links (of ``kinds``, on or before ``until``,
        if given), the distinct dates of those links, ascending; pairs ordered by (source, target).

        The history each tie's own rhythm is read from (dormant ties, graph.analysis.dormant).
        """

    # -- filters, orderings, aggregates (graph.store.filters) ------------------------------------
    # The defaults below evaluate the trees in Python over the point lookups above (correct, and
    # slow on a big store: they read every unit and link). Neo4j compiles each call to one Cypher
    # statement and the embedded store evaluates over its indexes; both override them.
    def _where_access(self) -> Access:
        from ..model import regions_within
        from .where_eval import Access

        units = {u.id: u for u in self.units_of_kinds(list(_unit_kinds()))}
        every = self.find_links(LinkQuery()).items
        of_unit: dict[str, list[Link]] = {}
        for lk in every:
            of_unit.setdefault(lk.source_id, []).append(lk)
            if lk.target_id != lk.source_id:
                of_unit.setdefault(lk.target_id, []).append(lk)
        regions = self.regions()
        return Access(
            units=units,
            links_of=lambda uid: of_unit.get(uid, ()),
            links=lambda years: every if years is None else [lk for lk in every if lk.date.year in years],
            within=lambda code: regions_within(regions, code),
        )

    def find_units_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        parents: bool = False, regions: bool = False, children: bool = False,
    ) -> UnitsWith:  # fmt: skip
        """Units matching ``where`` in ``order`` (then by id), one page and the total, with the
        page's parents, regions and children as :meth:`find_units_with`."""
        from . import where_eval

        page = where_eval.find_units(self._where_access(), where, order, offset, limit)
        return self._units_with(page, parents, regions, children)

    def _units_with(self, page: Page[Unit], parents: bool, regions: bool, children: bool) -> UnitsWith:
        items = page.items
        return UnitsWith(
            page,
            parents=self.get_units(dict.fromkeys(u.parent_id for u in items if u.parent_id))
            if parents
            else {},
            regions=self.get_regions(dict.fromkeys(u.region_code for u in items if u.region_code))
            if regions
            else {},
            children=self.children(dict.fromkeys(u.id for u in items)) if children else {},
        )

    def find_links_where(
        self, where: Cond | None, order: Sequence[Order] = (), offset: int = 0, limit: int | None = None, *,
        ends: bool = False,
    ) -> LinksWith:  # fmt: skip
        """Links matching ``where`` (no ``counterpart``/``direction``: no unit to see them from)
        in ``order`` (then by date and id), one page and the total; with ``ends``, their units."""
        from . import where_eval

        page = where_eval.find_links(self._where_access(), where, order, offset, limit)
        return LinksWith(page, self._ends(page.items) if ends else {})

    def _ends(self, links: Iterable[Link]) -> dict[str, Unit]:
        return self.get_units(dict.fromkeys(e for lk in links for e in (lk.source_id, lk.target_id)))

    def links_of_units(
        self, ids: Iterable[str], where: Cond | None, order: Sequence[Order] = (), offset: int = 0,
        limit: int | None = None, *, ends: bool = False,
    ) -> LinksOfUnits:  # fmt: skip
        """For each unit of ``ids``, its links (either end, each once) matching ``where`` seen from
        it, in ``order`` (then by date and id): one page and the total per unit."""
        from . import where_eval

        pages = where_eval.links_of_units(self._where_access(), list(ids), where, order, offset, limit)
        return LinksOfUnits(pages, self._ends(lk for p in pages.values() for lk in p.items) if ends else {})

    def aggregate_units(self, where: Cond | None) -> UnitsAggregate:
        """How many units match ``where``, by kind, level and region code."""
        from . import where_eval

        return where_eval.aggregate_units(self._where_access(), where)

    def aggregate_links(self, where: Cond | None, group_by: Sequence[str] = ()) -> list[LinkGroup]:
        """Links matching ``where`` grouped by ``group_by`` (filters.LINK_GROUPS; none: one group,
        or none when nothing matches): records, sums of count and participants, first and last
        date; ordered by the group's key (missing values last)."""
        from . import where_eval

        return where_eval.aggregate_links(self._where_access(), where, group_by)

    def unit_timelines(self, ids: Iterable[str], years: Sequence[int]) -> dict[str, list[YearFamilyTotal]]:
        """For each unit of ``ids``: its links (either end, each once) dated in ``years``, summed
        per (year, family), ordered so; empty lists for units without any."""
        from . import where_eval

        return where_eval.unit_timelines(self._where_access(), list(ids), years)


def _unit_kinds() -> Iterable[str]:
    from ..model.vocabulary import vocabulary

    return vocabulary().unit_kinds.keys()
