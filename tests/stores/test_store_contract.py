"""The Store contract, run on both stores with exact expected answers (see store_data.small_dataset).

Units by id: DL-PC DL-TAX HEB-PC HEB-PROP HEB-TAX HLJ-ORG HLJ-PC HLJ-TAX HLJ-TAX-PB1 HLJ-TAX-PC
QQHR-TAX. Links by (date, id): L7 (2019-12-31) · L1 L10 L2 L8 (2020-03-01) · L3 L4 (2020-06-15) ·
L9 (2020-11-20) · L5 L6 (2021-01-10).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from store_data import small_dataset, snapshot

from graph.errors import StoreError
from graph.model import Dataset, Link, Region, Unit
from graph.store import GapsWritten, LinkQuery, LinkTotal, Page, PairCount, Store, UnitQuery, WriteSummary

ALL_UNITS = [
    "DL-PC", "DL-TAX", "HEB-PC", "HEB-PROP", "HEB-TAX", "HLJ-ORG", "HLJ-PC", "HLJ-TAX",
    "HLJ-TAX-PB1", "HLJ-TAX-PC", "QQHR-TAX",
]  # fmt: skip
ALL_LINKS = ["L7", "L1", "L10", "L2", "L8", "L3", "L4", "L9", "L5", "L6"]
CHILDREN = {
    "HLJ-TAX": ["HEB-TAX", "HLJ-TAX-PC", "QQHR-TAX"],
    "HLJ-TAX-PC": ["HLJ-TAX-PB1"],
    "HEB-TAX": ["DL-TAX"],
    "HLJ-PC": ["HEB-PC", "HLJ-ORG"],
    "HEB-PC": ["DL-PC", "HEB-PROP"],
}
NEIGHBOURS = {
    "HLJ-TAX": {"HEB-TAX", "HLJ-TAX-PC", "QQHR-TAX", "HLJ-ORG", "HEB-PC", "HLJ-PC"},
    "HLJ-TAX-PC": {"HLJ-TAX", "HLJ-TAX-PB1", "HLJ-PC"},
    "HLJ-TAX-PB1": {"HLJ-TAX-PC"},
    "HEB-TAX": {"HLJ-TAX", "DL-TAX", "HEB-PC"},
    "DL-TAX": {"HEB-TAX", "DL-PC"},
    "QQHR-TAX": {"HLJ-TAX"},
    "HLJ-PC": {"HEB-PC", "HLJ-ORG", "HLJ-TAX-PC", "HLJ-TAX"},
    "HLJ-ORG": {"HLJ-PC", "HLJ-TAX"},
    "HEB-PC": {"HLJ-PC", "DL-PC", "HEB-PROP", "HEB-TAX", "HLJ-TAX"},
    "HEB-PROP": {"HEB-PC"},
    "DL-PC": {"HEB-PC", "DL-TAX"},
}


@pytest.fixture
def data() -> Dataset:
    return small_dataset()


@pytest.fixture
def loaded(store: Store, data: Dataset) -> Store:
    store.write(data)
    return store


def ids(items: list[Unit] | list[Link] | Page[Unit] | Page[Link]) -> list[str]:
    return [x.id for x in (items.items if isinstance(items, Page) else items)]


def unit(data: Dataset, uid: str) -> Unit:
    return next(u for u in data.units if u.id == uid)


def link(data: Dataset, lid: str) -> Link:
    return next(lk for lk in data.links if lk.id == lid)


# -- empty store -----------------------------------------------------------------------------


def test_empty_store_answers_empty(store: Store) -> None:
    store.ping()
    assert store.count_units() == 0
    assert store.regions() == []
    assert store.units_of_kinds(["tax_bureau"]) == []
    assert store.years() == []
    assert store.link_totals(2020) == []
    assert store.pair_counts([2020]) == []
    assert store.find_units(UnitQuery()) == Page([], 0)
    assert store.find_links(LinkQuery()) == Page([], 0)
    assert store.find_links(LinkQuery(unit_id="x", year=2020)) == Page([], 0)
    assert store.get_units(["x"]) == {}
    assert store.get_regions(["230000"]) == {}
    assert store.get_links(["L1"]) == {}
    assert store.children(["x"]) == {"x": []}
    assert store.neighbours(["x"]) == {"x": set()}
    assert store.write(Dataset()) == WriteSummary()
    assert store.count_units() == 0


# -- writes ----------------------------------------------------------------------------------


def test_write_summary_and_reload_changes_nothing(store: Store, data: Dataset) -> None:
    assert store.write(data) == WriteSummary(regions=4, units=11, links=10, links_created=10)
    before = snapshot(store, data)
    assert store.write(small_dataset()) == WriteSummary(regions=4, units=11, links=10, links_created=0)
    assert snapshot(store, data) == before


def test_links_created_counts_only_new_ids(loaded: Store, data: Dataset) -> None:
    changed = replace(link(data, "L3"), participants=30)
    new = Link("L11", "visit", "liaison", dt.date(2022, 5, 5), "HEB-PROP", "HEB-TAX")
    again = replace(new, count=2)  # the same id twice in one load: the last row wins, created once
    summary = loaded.write(Dataset(links=[link(data, "L1"), changed, new, again]))
    assert summary == WriteSummary(regions=0, units=0, links=4, links_created=1)
    assert loaded.get_links(["L3", "L11"]) == {"L3": changed, "L11": again}


def test_units_and_regions_round_trip(loaded: Store, data: Dataset) -> None:
    assert loaded.get_units(ALL_UNITS) == {u.id: u for u in data.units}
    assert list(loaded.get_units(["QQHR-TAX", "nobody", "DL-PC", "QQHR-TAX"])) == ["QQHR-TAX", "DL-PC"]
    org = loaded.get_units(["HLJ-ORG"])["HLJ-ORG"]
    assert org.extra == {"address": "哈尔滨市南岗区", "phone": "0451-0000"}
    tax = loaded.get_units(["HLJ-TAX"])["HLJ-TAX"]
    assert (tax.parent_id, tax.name_en, tax.extra) == (None, "Heilongjiang Provincial Tax Service", {})
    assert loaded.get_units(iter(["DL-TAX"])) == {"DL-TAX": unit(data, "DL-TAX")}
    assert loaded.get_regions(["230102", "999999", "230000"]) == {
        "230102": Region("230102", "道里区", "county", "230100"),
        "230000": Region("230000", "黑龙江省", "province", None),
    }
    assert loaded.regions() == sorted(data.regions, key=lambda r: r.code)
    assert loaded.count_units() == 11


def test_links_round_trip(loaded: Store, data: Dataset) -> None:
    got = loaded.get_links([*ALL_LINKS, "nope"])
    assert got == {lk.id: lk for lk in data.links}
    assert list(got) == ALL_LINKS
    assert all(type(lk.date) is dt.date for lk in got.values())
    assert got["L1"].participants is None  # None stays None ...
    assert got["L4"].participants == 0  # ... and 0 stays 0
    assert (got["L7"].title, got["L7"].source_file, got["L7"].source_row) == ("调研座谈", "links-2019.csv", 5)
    assert got["L1"].source_file is None and got["L1"].source_row is None


def test_extra_properties_round_trip_exactly(store: Store) -> None:
    extra = {"地址": "南岗区 1 号", "z": "", "a-b c": "x\ny", "quote\"'": "{}"}
    u = Unit("U1", "单位", "party_school", "county", None, None, None, extra)
    store.write(Dataset(units=[u]))
    assert store.get_units(["U1"]) == {"U1": u}
    store.write(Dataset(units=[replace(u, extra={})]))
    assert store.get_units(["U1"])["U1"].extra == {}


# -- point lookups ---------------------------------------------------------------------------


def test_children(loaded: Store) -> None:
    got = loaded.children([*ALL_UNITS, "nobody"])
    assert list(got) == [*ALL_UNITS, "nobody"]
    assert {k: ids(v) for k, v in got.items()} == {u: CHILDREN.get(u, []) for u in [*ALL_UNITS, "nobody"]}
    assert got["HLJ-PC"][1] == loaded.get_units(["HLJ-ORG"])["HLJ-ORG"]


def test_neighbours(loaded: Store) -> None:
    got = loaded.neighbours([*ALL_UNITS, "nobody"])
    assert got == {**NEIGHBOURS, "nobody": set()}
    assert list(got) == [*ALL_UNITS, "nobody"]


def test_self_loop_is_no_neighbour(loaded: Store) -> None:
    loop = Link("L-loop", "visit", "liaison", dt.date(2020, 1, 1), "QQHR-TAX", "QQHR-TAX")
    loaded.write(Dataset(links=[loop]))
    assert loaded.neighbours(["QQHR-TAX"]) == {"QQHR-TAX": {"HLJ-TAX"}}
    assert ids(loaded.find_links(LinkQuery(unit_id="QQHR-TAX"))) == ["L-loop"]
    assert loaded.find_links(LinkQuery(unit_id="QQHR-TAX", other_id="QQHR-TAX")).total == 1


# -- listings --------------------------------------------------------------------------------


def test_units_of_kinds(loaded: Store) -> None:
    assert ids(loaded.units_of_kinds(["tax_bureau"])) == ["DL-TAX", "HEB-TAX", "HLJ-TAX", "QQHR-TAX"]
    assert ids(loaded.units_of_kinds(["party_branch", "local_party_committee", "nope"])) == [
        "DL-PC", "HEB-PC", "HLJ-PC", "HLJ-TAX-PB1",
    ]  # fmt: skip
    assert loaded.units_of_kinds([]) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (UnitQuery(), ALL_UNITS),
        (UnitQuery(kind="", level="", region_code="", name_contains=""), ALL_UNITS),
        (UnitQuery(kind="tax_bureau"), ["DL-TAX", "HEB-TAX", "HLJ-TAX", "QQHR-TAX"]),
        (UnitQuery(level="prefecture"), ["HEB-PC", "HEB-PROP", "HEB-TAX", "QQHR-TAX"]),
        (UnitQuery(region_code="230000"), ALL_UNITS),
        (UnitQuery(region_code="230100"), ["DL-PC", "DL-TAX", "HEB-PC", "HEB-PROP", "HEB-TAX"]),
        (UnitQuery(region_code="230102"), ["DL-PC", "DL-TAX"]),
        (UnitQuery(region_code="230200"), ["QQHR-TAX"]),
        (UnitQuery(region_code="999999"), []),
        (UnitQuery(name_contains="harbin"), ["HEB-PC", "HEB-TAX"]),
        (UnitQuery(name_contains="TAX SERVICE"), ["HEB-TAX", "HLJ-TAX"]),
        (UnitQuery(name_contains="哈尔滨"), ["DL-PC", "DL-TAX", "HEB-PC", "HEB-PROP", "HEB-TAX"]),
        (UnitQuery(kind="tax_bureau", region_code="230100"), ["DL-TAX", "HEB-TAX"]),
        (UnitQuery(kind="tax_bureau", level="county"), ["DL-TAX"]),
        (UnitQuery(kind="local_party_committee", name_contains="cpc"), ["HEB-PC"]),
        (UnitQuery(kind="nope"), []),
    ],
)
def test_find_units(loaded: Store, query: UnitQuery, expected: list[str]) -> None:
    page = loaded.find_units(query)
    assert (ids(page), page.total) == (expected, len(expected))


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, None, ALL_UNITS),
        (2, 3, ["HEB-PC", "HEB-PROP", "HEB-TAX"]),
        (9, 5, ["HLJ-TAX-PC", "QQHR-TAX"]),
        (10, None, ["QQHR-TAX"]),
        (11, 1, []),
        (50, 10, []),
        (0, 0, []),
        (0, 1, ["DL-PC"]),
    ],
)
def test_find_units_pages(loaded: Store, offset: int, limit: int | None, expected: list[str]) -> None:
    page = loaded.find_units(UnitQuery(), offset, limit)
    assert (ids(page), page.total) == (expected, 11)
    page = loaded.find_units(UnitQuery(region_code="230100"), offset, limit)
    assert ids(page) == ["DL-PC", "DL-TAX", "HEB-PC", "HEB-PROP", "HEB-TAX"][offset:][:limit]
    assert page.total == 5


@pytest.mark.parametrize(
    ("offset", "limit"), [(0, None), (2, 3), (9, 5), (11, 1), (0, 0), (-3, None), (1, -2)]
)
@pytest.mark.parametrize(
    ("parents", "regions", "children"),
    [(False, False, False), (True, False, False), (False, True, True), (True, True, True)],
)
def test_find_units_with_is_the_page_and_its_lookups(
    loaded: Store, offset: int, limit: int | None, parents: bool, regions: bool, children: bool
) -> None:
    """What the page brings along equals asking the point lookups for the page's units."""
    for query in (UnitQuery(), UnitQuery(region_code="230100"), UnitQuery(kind="no_such_kind")):
        got = loaded.find_units_with(
            query, offset, limit, parents=parents, regions=regions, children=children
        )
        page = loaded.find_units(query, offset, limit)
        assert got.page == page
        items = page.items
        want_parents = loaded.get_units(dict.fromkeys(u.parent_id for u in items if u.parent_id))
        want_regions = loaded.get_regions(dict.fromkeys(u.region_code for u in items if u.region_code))
        want_children = loaded.children([u.id for u in items])
        assert list(got.parents.items()) == (list(want_parents.items()) if parents else [])
        assert list(got.regions.items()) == (list(want_regions.items()) if regions else [])
        assert list(got.children.items()) == (list(want_children.items()) if children else [])
    whole = loaded.find_units_with(UnitQuery(), parents=True, regions=True, children=True)
    assert whole.parents and whole.regions and any(whole.children.values())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (LinkQuery(), ALL_LINKS),
        (LinkQuery(unit_id="HLJ-TAX"), ["L10", "L2", "L8", "L3", "L9", "L6"]),
        (LinkQuery(unit_id="HLJ-TAX", other_id="HLJ-ORG"), ["L2", "L3", "L9", "L6"]),
        (LinkQuery(unit_id="HLJ-ORG", other_id="HLJ-TAX"), ["L2", "L3", "L9", "L6"]),
        (LinkQuery(unit_id="HLJ-TAX", other_id="QQHR-TAX"), []),
        (LinkQuery(unit_id="HLJ-TAX", year=2020, family="liaison"), ["L2", "L8", "L3", "L9"]),
        (LinkQuery(unit_id="HLJ-TAX", kind="visit"), ["L2", "L3", "L9", "L6"]),
        (LinkQuery(unit_id="HEB-PC", family="reporting"), ["L5"]),
        (LinkQuery(unit_id="nobody"), []),
        (LinkQuery(year=2020), ["L1", "L10", "L2", "L8", "L3", "L4", "L9"]),
        (LinkQuery(year=2020, kind="visit"), ["L2", "L3", "L9"]),
        (LinkQuery(year=2018), []),
        (LinkQuery(family="reporting"), ["L1", "L10", "L5"]),
        (LinkQuery(family="exchange", kind="cadre_exchange"), ["L4"]),
        (LinkQuery(family="", kind=""), ALL_LINKS),
    ],
)
def test_find_links(loaded: Store, query: LinkQuery, expected: list[str]) -> None:
    page = loaded.find_links(query)
    assert (ids(page), page.total) == (expected, len(expected))


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, None, ALL_LINKS),
        (2, 3, ["L10", "L2", "L8"]),
        (9, 5, ["L6"]),
        (10, None, []),
        (0, 0, []),
        (7, 1, ["L9"]),
    ],
)
def test_find_links_pages(loaded: Store, offset: int, limit: int | None, expected: list[str]) -> None:
    page = loaded.find_links(LinkQuery(), offset, limit)
    assert (ids(page), page.total) == (expected, 10)
    page = loaded.find_links(LinkQuery(unit_id="HLJ-TAX"), offset, limit)
    assert ids(page) == ["L10", "L2", "L8", "L3", "L9", "L6"][offset:][:limit]
    assert page.total == 6
    page = loaded.find_links(LinkQuery(year=2020), offset, limit)
    assert ids(page) == ["L1", "L10", "L2", "L8", "L3", "L4", "L9"][offset:][:limit]
    assert page.total == 7


def test_find_links_returns_whole_links(loaded: Store, data: Dataset) -> None:
    assert loaded.find_links(LinkQuery(unit_id="DL-PC")).items == [link(data, "L7")]


# -- aggregates ------------------------------------------------------------------------------


def test_years(loaded: Store) -> None:
    assert loaded.years() == [2019, 2020, 2021]


def test_link_totals(loaded: Store) -> None:
    assert loaded.link_totals(2020) == [
        LinkTotal("cadre_exchange", "exchange", 1, 1, 0),
        LinkTotal("comprehensive_report", "reporting", 1, 1, 0),
        LinkTotal("coordination_visit", "liaison", 1, 1, 2),
        LinkTotal("instruction", "reporting", 1, 1, 0),
        LinkTotal("visit", "liaison", 3, 4, 8),
    ]
    assert loaded.link_totals(2021) == [
        LinkTotal("thematic_report", "reporting", 1, 3, 0),
        LinkTotal("visit", "liaison", 1, 1, 4),
    ]
    assert loaded.link_totals(2019) == [LinkTotal("joint_research", "liaison", 1, 1, 7)]
    assert loaded.link_totals(2018) == []


def test_pair_counts(loaded: Store) -> None:
    assert loaded.pair_counts([2021, 2020, 2020]) == [
        PairCount("HEB-TAX", "HEB-PC", "cadre_exchange", 2020, 1, 0, 1),
        PairCount("HEB-TAX", "HEB-PC", "thematic_report", 2021, 3, 0, 1),
        PairCount("HLJ-ORG", "HLJ-TAX", "visit", 2020, 1, 3, 1),
        PairCount("HLJ-PC", "HLJ-TAX", "instruction", 2020, 1, 0, 1),
        PairCount("HLJ-TAX", "HEB-PC", "coordination_visit", 2020, 1, 2, 1),
        PairCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 3, 5, 2),
        PairCount("HLJ-TAX", "HLJ-ORG", "visit", 2021, 1, 4, 1),
        PairCount("HLJ-TAX-PC", "HLJ-PC", "comprehensive_report", 2020, 1, 0, 1),
    ]
    assert loaded.pair_counts([2020], ["visit", "instruction"]) == [
        PairCount("HLJ-ORG", "HLJ-TAX", "visit", 2020, 1, 3, 1),
        PairCount("HLJ-PC", "HLJ-TAX", "instruction", 2020, 1, 0, 1),
        PairCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 3, 5, 2),
    ]
    assert loaded.pair_counts([2019], []) == []
    assert loaded.pair_counts([]) == []
    assert loaded.pair_counts([1990]) == []


# -- updates ---------------------------------------------------------------------------------


def test_unit_reupserted_with_new_parent_and_kind(loaded: Store, data: Dataset) -> None:
    moved = replace(
        unit(data, "HEB-PROP"), kind="organs_work_committee", parent_id="HLJ-PC", level="provincial",
        region_code="230000", name_en="Organs Work Committee",
    )  # fmt: skip
    orphan = replace(unit(data, "HLJ-TAX-PB1"), parent_id=None)
    assert loaded.write(Dataset(units=[moved, orphan])).units == 2
    assert loaded.get_units(["HEB-PROP"]) == {"HEB-PROP": moved}
    got = loaded.children(["HEB-PC", "HLJ-PC", "HLJ-TAX-PC"])
    assert {k: ids(v) for k, v in got.items()} == {
        "HEB-PC": ["DL-PC"], "HLJ-PC": ["HEB-PC", "HEB-PROP", "HLJ-ORG"], "HLJ-TAX-PC": [],
    }  # fmt: skip
    assert loaded.neighbours(["HEB-PROP", "HEB-PC", "HLJ-TAX-PB1"]) == {
        "HEB-PROP": {"HLJ-PC"},
        "HEB-PC": {"HLJ-PC", "DL-PC", "HEB-TAX", "HLJ-TAX"},
        "HLJ-TAX-PB1": set(),
    }
    assert loaded.units_of_kinds(["propaganda_department"]) == []
    assert loaded.units_of_kinds(["organs_work_committee"]) == [moved]
    assert ids(loaded.find_units(UnitQuery(region_code="230100"))) == ["DL-PC", "DL-TAX", "HEB-PC", "HEB-TAX"]
    assert ids(loaded.find_units(UnitQuery(name_contains="work committee"))) == ["HEB-PROP"]
    assert loaded.count_units() == 11


def test_link_rewritten_with_new_ends_and_family(loaded: Store, data: Dataset) -> None:
    rewritten = replace(
        link(data, "L2"), kind="secondment", family="exchange", target_id="HEB-PC", participants=None
    )
    assert loaded.write(Dataset(links=[rewritten])).links_created == 0
    assert loaded.get_links(["L2"]) == {"L2": rewritten}
    assert ids(loaded.find_links(LinkQuery(unit_id="HLJ-ORG"))) == ["L3", "L9", "L6"]
    assert ids(loaded.find_links(LinkQuery(unit_id="HEB-PC", family="exchange"))) == ["L2", "L4"]
    assert loaded.find_links(LinkQuery()).total == 10
    assert loaded.link_totals(2020)[0] == LinkTotal("cadre_exchange", "exchange", 1, 1, 0)
    assert LinkTotal("secondment", "exchange", 1, 2, 0) in loaded.link_totals(2020)
    # moved back: the old ends again, the old content again
    assert loaded.write(Dataset(links=[link(data, "L2")])).links_created == 0
    assert loaded.get_links(["L2"]) == {"L2": link(data, "L2")}
    assert loaded.neighbours(["HLJ-ORG"]) == {"HLJ-ORG": NEIGHBOURS["HLJ-ORG"]}


def test_link_moved_to_another_year_and_date(loaded: Store, data: Dataset) -> None:
    later = replace(link(data, "L7"), date=dt.date(2023, 2, 2), participants=None)
    loaded.write(Dataset(links=[later]))
    assert loaded.years() == [2020, 2021, 2023]
    assert loaded.link_totals(2019) == []
    assert loaded.link_totals(2023) == [LinkTotal("joint_research", "liaison", 1, 1, 0)]
    assert ids(loaded.find_links(LinkQuery())) == [*ALL_LINKS[1:], "L7"]


def test_region_reparented(loaded: Store, data: Dataset) -> None:
    daoli = Region("230102", "道里区", "county", "230200")
    loaded.write(Dataset(regions=[daoli]))
    assert loaded.get_regions(["230102"]) == {"230102": daoli}
    assert ids(loaded.find_units(UnitQuery(region_code="230100"))) == ["HEB-PC", "HEB-PROP", "HEB-TAX"]
    assert ids(loaded.find_units(UnitQuery(region_code="230200"))) == ["DL-PC", "DL-TAX", "QQHR-TAX"]
    loaded.write(Dataset(regions=[replace(daoli, parent_code=None)]))
    assert ids(loaded.find_units(UnitQuery(region_code="230200"))) == ["QQHR-TAX"]
    assert ids(loaded.find_units(UnitQuery(region_code="230000"))) == [
        u for u in ALL_UNITS if u not in ("DL-PC", "DL-TAX")
    ]


def test_references_written_before_their_targets(store: Store) -> None:
    """Bypassing validation: a unit and a region whose parent comes in a later load."""
    child = Unit("CHILD", "下级", "tax_bureau", "county", "990101", "LATE")
    store.write(Dataset(regions=[Region("990101", "县", "county", "990100")], units=[child]))
    assert ids(store.children(["LATE"])["LATE"]) == ["CHILD"]
    assert store.neighbours(["CHILD", "LATE"]) == {"CHILD": set(), "LATE": set()}
    assert ids(store.find_units(UnitQuery(region_code="990100"))) == ["CHILD"]
    late = Unit("LATE", "上级", "tax_bureau", "prefecture", "990100")
    store.write(Dataset(regions=[Region("990100", "市", "prefecture", "990000")], units=[late]))
    store.write(Dataset(regions=[Region("990000", "省", "province")]))
    assert store.neighbours(["CHILD", "LATE"]) == {"CHILD": {"LATE"}, "LATE": {"CHILD"}}
    assert ids(store.find_units(UnitQuery(region_code="990000"))) == ["CHILD", "LATE"]
    assert ids(store.find_units(UnitQuery(region_code="990100"))) == ["CHILD", "LATE"]


def test_ids_sort_by_code_point(store: Store) -> None:
    """Ids order as Python sorts str (code points), also beyond the Basic Multilingual Plane."""
    names = ["b", "B", "a1", "a10", "a2", "é", "\uff01", "\U00020000", "中"]
    store.write(Dataset(units=[Unit(n, n, "party_school", "county") for n in names]))
    assert ids(store.units_of_kinds(["party_school"])) == sorted(names)
    assert ids(store.find_units(UnitQuery(kind="party_school"), 1, 100)) == sorted(names)[1:]


# -- all or nothing --------------------------------------------------------------------------


def test_failed_write_changes_nothing(loaded: Store, data: Dataset, store_kind: str) -> None:
    before = snapshot(loaded, data)
    broken = Dataset(
        regions=[Region("230300", "鸡西市", "prefecture", "230000")],
        units=[
            replace(unit(data, "HEB-PROP"), kind="party_school"),
            Unit("NEW", "新", "party_school", "county"),
        ],
        links=[
            replace(link(data, "L3"), participants=99),
            Link("L20", "visit", "liaison", dt.date(2024, 1, 1), "NEW", "HLJ-TAX"),
            Link("L21", "visit", "liaison", dt.date(2024, 1, 1), "NEW", "HLJ-TAX", title=lambda: 0),  # type: ignore[arg-type]
        ],
    )  # a value no store can persist, in the last row
    with pytest.raises(StoreError if store_kind == "neo4j" else Exception):
        loaded.write(broken)
    assert snapshot(loaded, data) == before
    assert loaded.get_units(["NEW"]) == {} and loaded.get_regions(["230300"]) == {}


def test_write_gaps_replaces_the_year(loaded: Store) -> None:
    """Store.write_gaps: both stores keep the year's gap and coverage records (Neo4j as :Gap and
    :Coverage nodes, the embedded store in its gaps and coverage tables); a rewrite replaces them."""
    gaps = [
        {
            "unit_id": "DL-TAX",
            "counterpart_id": "DL-PC",
            "subject_id": None,
            "props": {"id": "GAP-2020-DL-TAX-r", "year": 2020, "rule": "r", "unit_id": "DL-TAX"},
        }
    ]
    coverage = [
        {"id": "COV-2020-DL-TAX", "year": 2020, "unit_id": "DL-TAX", "expected": 2, "met": 1, "ratio": 0.5,
         "name": "1/2"}
    ]  # fmt: skip
    assert loaded.write_gaps(2020, gaps, coverage) == GapsWritten(gaps=1, coverage=1, replaced=0)
    assert loaded.write_gaps(2020, gaps, coverage) == GapsWritten(gaps=1, coverage=1, replaced=1)
    assert loaded.write_gaps(2021, [], []) == GapsWritten(gaps=0, coverage=0, replaced=0)
