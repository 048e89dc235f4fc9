"""The scoped store view (graph.store.scoped) on both stores: every Store method has scope handling,
and each answers only what the scope lets a caller see."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from graph.errors import OutOfScope
from graph.model import Dataset, Link, Region, Unit
from graph.store import LinkQuery, Store, UnitQuery
from graph.store.base import Store as StoreBase
from graph.store.filters import End, Field, HasLink, Not, RegionWithin
from graph.store.scoped import PASS_THROUGH, ScopedStore

REGIONS = [
    Region("230000", "黑龙江省", "province"),
    Region("230100", "哈尔滨市", "prefecture", "230000"),
    Region("230102", "道里区", "county", "230100"),
    Region("230200", "齐齐哈尔市", "prefecture", "230000"),
]
UNITS = [
    Unit("TB-230000", "省局", "tax_bureau", "provincial", "230000"),
    Unit("TB-230100", "市局", "tax_bureau", "prefecture", "230100", "TB-230000", "Harbin"),
    Unit("LPC-230100", "市委", "local_party_committee", "prefecture", "230100"),
    Unit("TB-230102", "区局", "tax_bureau", "county", "230102", "TB-230100"),
    Unit("LPC-230102", "区委", "local_party_committee", "county", "230102", "LPC-230100"),
    Unit("TB-230200", "齐市局", "tax_bureau", "prefecture", "230200", "TB-230000"),
    Unit("LPC-230200", "齐市委", "local_party_committee", "prefecture", "230200"),
]
LINKS = [
    Link("L-1", "visit", "liaison", dt.date(2020, 3, 1), "TB-230100", "LPC-230100", 2),
    Link("L-2", "visit", "liaison", dt.date(2020, 3, 2), "TB-230200", "LPC-230200"),
    Link("L-3", "thematic_report", "reporting", dt.date(2021, 5, 3), "TB-230000", "LPC-230100"),
    Link("L-4", "visit", "liaison", dt.date(2021, 6, 1), "TB-230102", "LPC-230102", 1, 4),
]


def test_every_store_method_has_scope_handling() -> None:
    """A Store method added later without an override in ScopedStore would read around the scope:
    this fails until it has one (or is listed as reading no graph data)."""
    public = {
        name for name, value in inspect.getmembers(StoreBase)
        if callable(value) and not name.startswith("_")
    }  # fmt: skip
    own = set(vars(ScopedStore))
    missing = sorted(public - own - PASS_THROUGH)
    assert not missing, f"ScopedStore does not handle {missing}: add each, pushing the scope into the query"
    assert own >= PASS_THROUGH


@pytest.fixture
def loaded(store: Store) -> Store:
    store.write(Dataset(regions=REGIONS, units=UNITS, links=LINKS))
    return store


def test_reads_see_only_the_scope(loaded: Store) -> None:
    harbin = ScopedStore(loaded, ["230100"])
    assert harbin.codes == {"230100", "230102"}
    assert harbin.count_units() == 4
    assert [u.id for u in harbin.find_units(UnitQuery()).items] == [
        "LPC-230100",
        "LPC-230102",
        "TB-230100",
        "TB-230102",
    ]
    assert harbin.find_units(UnitQuery(kind="tax_bureau"), 0, 1).total == 2
    assert [lk.id for lk in harbin.find_links(LinkQuery()).items] == ["L-1", "L-3", "L-4"]
    assert harbin.find_links(LinkQuery(unit_id="TB-230200")).total == 0
    assert harbin.years() == [2020, 2021]
    assert [(t.kind, t.records, t.count) for t in harbin.link_totals(2020)] == [("visit", 1, 2)]
    assert [(p.source_id, p.target_id, p.count) for p in harbin.pair_counts([2020, 2021])] == [
        ("TB-230000", "LPC-230100", 1), ("TB-230100", "LPC-230100", 2), ("TB-230102", "LPC-230102", 1)
    ]  # fmt: skip
    assert [(p.source_id, p.month) for p in harbin.pair_month_counts([2021], until=dt.date(2021, 5, 31))] == [
        ("TB-230000", 5)
    ]
    assert [(p.source_id, p.dates) for p in harbin.pair_dates(["visit"])] == [
        ("TB-230100", (dt.date(2020, 3, 1),)), ("TB-230102", (dt.date(2021, 6, 1),))
    ]  # fmt: skip
    assert [r.code for r in harbin.regions()] == ["230100", "230102"]
    assert set(harbin.get_regions(["230100", "230200", "230000"])) == {"230100"}
    assert set(harbin.get_links(["L-1", "L-2", "L-3"])) == {"L-1", "L-3"}
    assert harbin.children(["TB-230000", "TB-230100"]) == {"TB-230000": [UNITS[1]], "TB-230100": [UNITS[3]]}
    assert harbin.neighbours(["TB-230100", "TB-230200"]) == {
        "TB-230100": {"LPC-230100", "TB-230102"}, "TB-230200": set()
    }  # fmt: skip
    assert [u.id for u in harbin.units_of_kinds(["tax_bureau"])] == ["TB-230100", "TB-230102"]
    agg = harbin.aggregate_units(None)
    assert agg.count == 4 and dict(agg.by_region) == {"230100": 2, "230102": 2}
    assert [g.records for g in harbin.aggregate_links(None, ("year",))] == [1, 2]
    assert harbin.find_units_where(HasLink(Field("year", "eq", 2021))).page.total == 3


def test_units_outside_are_stubs_when_reached_and_absent_otherwise(loaded: Store) -> None:
    daoli = ScopedStore(loaded, ["230102"])
    found = daoli.get_units(["TB-230102", "TB-230100", "LPC-230102", "TB-230200", "LPC-230200", "NO-SUCH"])
    assert set(found) == {"TB-230102", "LPC-230102", "TB-230100", "LPC-230100"} - {"LPC-230100"}
    # TB-230100 is the parent of a visible unit: a stub, id, name, kind and level only
    assert found["TB-230100"] == Unit("TB-230100", "市局", "tax_bureau", "prefecture")
    page = daoli.find_units_where(None, parents=True, regions=True, children=True)
    assert page.parents["TB-230100"].region_code is None and set(page.regions) == {"230102"}
    links = daoli.find_links_where(None, ends=True)
    assert [lk.id for lk in links.page.items] == ["L-4"] and set(links.units) == {"TB-230102", "LPC-230102"}
    timelines = daoli.unit_timelines(["TB-230100", "TB-230102"], [2021])
    assert timelines["TB-230100"] == [] and [t.records for t in timelines["TB-230102"]] == [1]
    harbin = ScopedStore(loaded, ["230100"])
    assert [t.records for t in harbin.unit_timelines(["TB-230000"], [2020, 2021])["TB-230000"]] == [1]


def test_writes_outside_the_scope_are_refused_whole(loaded: Store) -> None:
    daoli = ScopedStore(loaded, ["230102"])
    before = loaded.generation()
    inside = Link("L-5", "visit", "liaison", dt.date(2021, 7, 1), "TB-230102", "LPC-230100")
    outside = Link("L-6", "visit", "liaison", dt.date(2021, 7, 2), "TB-230200", "LPC-230200")
    with pytest.raises(OutOfScope, match="links row 4"):
        daoli.write(Dataset(links=[inside, inside, outside]))
    with pytest.raises(OutOfScope, match="links row 3"):  # a streamed load is checked whole, first
        daoli.write_stream(Dataset(), iter([inside, outside]))
    with pytest.raises(OutOfScope, match="units row 3: unit TB-230200"):
        daoli.write(Dataset(units=[UNITS[3], UNITS[5]]))
    moved = Unit("TB-230200", "齐市局", "tax_bureau", "prefecture", "230102")  # moving another's unit in
    with pytest.raises(OutOfScope, match="TB-230200"):
        daoli.write(Dataset(units=[moved]))
    with pytest.raises(OutOfScope):
        daoli.write_gaps(2021, [], [])
    assert loaded.generation() == before and loaded.get_links(["L-5"]) == {}
    assert daoli.write(Dataset(links=[inside])).links == 1


def test_filters_cannot_read_what_a_stub_hides(loaded: Store) -> None:
    """A filter on a link's end outside the scope may use what a stub shows (id, name, kind,
    level); a hidden field or a count of invisible links never matches there."""
    harbin = ScopedStore(loaded, ["230100"])
    by_id = End("source", Field("id", "eq", "TB-230000"))
    by_region = End("source", Field("region_code", "eq", "230000"))
    by_links = End("source", HasLink(None, at_least=1))
    assert [lk.id for lk in harbin.find_links_where(by_id).page.items] == ["L-3"]
    assert loaded.find_links_where(by_region).page.total == 1
    assert harbin.find_links_where(by_region).page.total == 0
    assert harbin.find_links_where(Not(by_region)).page.total == 3  # and its negation always holds
    assert [lk.id for lk in harbin.find_links_where(by_links).page.items] == ["L-1", "L-4"]
    # the same, seen from a unit in scope (its links' counterparts)
    seen = harbin.links_of_units(["LPC-230100"], End("counterpart", Field("region_code", "eq", "230000")))
    assert seen.pages["LPC-230100"].total == 0
    units = harbin.find_units_where(HasLink(End("counterpart", RegionWithin("230000")))).page.items
    assert {u.id for u in units} == {
        "LPC-230100",
        "TB-230100",
        "LPC-230102",
        "TB-230102",
    }  # in-scope ends only
