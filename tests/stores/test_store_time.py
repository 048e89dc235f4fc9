"""The store questions of the time dimension (issue 21), on both stores: counts per pair and
month (``pair_month_counts``) and the distinct dates of each pair (``pair_dates``)."""

from __future__ import annotations

import datetime as dt

import pytest
from store_data import generated_loads, small_dataset

from graph.model import Dataset, Link
from graph.store import Store
from graph.store.base import PairDates, PairMonthCount

D = dt.date


@pytest.fixture
def loaded(store: Store) -> Store:
    store.write(small_dataset())
    return store


def test_pair_month_counts(loaded: Store) -> None:
    assert loaded.pair_month_counts([2021, 2020, 2020]) == [
        PairMonthCount("HEB-TAX", "HEB-PC", "cadre_exchange", 2020, 6, 1),
        PairMonthCount("HEB-TAX", "HEB-PC", "thematic_report", 2021, 1, 3),
        PairMonthCount("HLJ-ORG", "HLJ-TAX", "visit", 2020, 6, 1),
        PairMonthCount("HLJ-PC", "HLJ-TAX", "instruction", 2020, 3, 1),
        PairMonthCount("HLJ-TAX", "HEB-PC", "coordination_visit", 2020, 3, 1),
        PairMonthCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 3, 2),
        PairMonthCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 11, 1),
        PairMonthCount("HLJ-TAX", "HLJ-ORG", "visit", 2021, 1, 1),
        PairMonthCount("HLJ-TAX-PC", "HLJ-PC", "comprehensive_report", 2020, 3, 1),
    ]
    # until is inclusive; kinds filter as pair_counts does
    assert loaded.pair_month_counts([2020], ["visit"], until=D(2020, 6, 15)) == [
        PairMonthCount("HLJ-ORG", "HLJ-TAX", "visit", 2020, 6, 1),
        PairMonthCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 3, 2),
    ]
    assert loaded.pair_month_counts([2020], ["visit"], until=D(2020, 6, 14)) == [
        PairMonthCount("HLJ-TAX", "HLJ-ORG", "visit", 2020, 3, 2),
    ]
    assert loaded.pair_month_counts([2020], until=D(2019, 12, 31)) == []
    assert loaded.pair_month_counts([2019], []) == []
    assert loaded.pair_month_counts([]) == []


def test_pair_dates(loaded: Store) -> None:
    assert loaded.pair_dates() == [
        PairDates("DL-TAX", "DL-PC", (D(2019, 12, 31),)),
        PairDates("HEB-TAX", "HEB-PC", (D(2020, 6, 15), D(2021, 1, 10))),
        PairDates("HLJ-ORG", "HLJ-TAX", (D(2020, 6, 15),)),
        PairDates("HLJ-PC", "HLJ-TAX", (D(2020, 3, 1),)),
        PairDates("HLJ-TAX", "HEB-PC", (D(2020, 3, 1),)),
        PairDates("HLJ-TAX", "HLJ-ORG", (D(2020, 3, 1), D(2020, 11, 20), D(2021, 1, 10))),
        PairDates("HLJ-TAX-PC", "HLJ-PC", (D(2020, 3, 1),)),
    ]
    assert loaded.pair_dates(["visit"], until=D(2020, 11, 20)) == [
        PairDates("HLJ-ORG", "HLJ-TAX", (D(2020, 6, 15),)),
        PairDates("HLJ-TAX", "HLJ-ORG", (D(2020, 3, 1), D(2020, 11, 20))),
    ]
    assert loaded.pair_dates([]) == []


def test_two_links_on_one_day_are_one_date(store: Store) -> None:
    data = small_dataset()
    twin = Link("L2b", "meeting_attendance", "liaison", D(2020, 3, 1), "HLJ-TAX", "HLJ-ORG", 4)
    store.write(Dataset(data.regions, data.units, [*data.links, twin]))
    dates = {(p.source_id, p.target_id): p.dates for p in store.pair_dates()}
    assert dates[("HLJ-TAX", "HLJ-ORG")] == (D(2020, 3, 1), D(2020, 11, 20), D(2021, 1, 10))
    months = store.pair_month_counts([2020], until=D(2020, 3, 31))
    assert PairMonthCount("HLJ-TAX", "HLJ-ORG", "meeting_attendance", 2020, 3, 4) in months


def test_months_sum_to_the_pair_counts(store: Store) -> None:
    first, _ = generated_loads()
    store.write(first)
    years = store.years()
    totals: dict[tuple[str, str, str, int], int] = {}
    for m in store.pair_month_counts(years):
        key = (m.source_id, m.target_id, m.kind, m.year)
        totals[key] = totals.get(key, 0) + m.count
    assert totals == {(p.source_id, p.target_id, p.kind, p.year): p.count for p in store.pair_counts(years)}
    dated = {(p.source_id, p.target_id): set(p.dates) for p in store.pair_dates()}
    for lk in first.links:
        assert lk.date in dated[(lk.source_id, lk.target_id)]
    assert sum(len(d) for d in dated.values()) <= len(first.links)
