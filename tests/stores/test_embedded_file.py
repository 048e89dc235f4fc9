"""What only the embedded store has: its file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from graph.errors import StoreError
from graph.store import open_store


def test_file_from_another_version_says_so(tmp_path: Path):
    path = tmp_path / "old.tkg"
    path.write_bytes(pickle.dumps({"format": "tiaokuai-embedded/1", "regions": [], "units": [], "links": []}))
    with pytest.raises(StoreError, match=r"another version of tiaokuai \(tiaokuai-embedded/1"):
        open_store(path).count_units()


def test_foreign_file_is_refused(tmp_path: Path):
    path = tmp_path / "x.tkg"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(StoreError, match="is not a tiaokuai embedded store"):
        open_store(path).count_units()


def test_write_refuses_links_to_units_that_do_not_exist(tmp_path: Path):
    import datetime as dt

    from graph.model import Dataset, Link

    store = open_store(tmp_path / "g.tkg")
    link = Link("L1", "visit", "liaison", dt.date(2020, 1, 1), "NOBODY", "NOWHERE")
    with pytest.raises(StoreError, match="NOBODY, NOWHERE"):
        store.write(Dataset(links=[link]))
    assert not (tmp_path / "g.tkg").exists()


def test_link_query_between_needs_both_ends():
    from graph.store import LinkQuery

    with pytest.raises(ValueError, match="other_id needs unit_id"):
        LinkQuery(other_id="TB-1")


def test_pair_counts_cache_follows_writes(tmp_path: Path):
    """pair_counts is memoised per store state; a write in the same process must not see stale
    counts."""
    import dataclasses
    import datetime as dt

    from store_data import small_dataset

    from graph.model import Dataset

    data = small_dataset()
    store = open_store(tmp_path / "g.tkg")
    store.write(data)
    first = store.pair_counts([2020], ["visit"])
    assert store.pair_counts([2020, 2020], ("visit",)) == first
    assert [p.count for p in first if p.source_id == "HLJ-TAX"] == [3]
    extra = dataclasses.replace(data.links[1], id="L99", date=dt.date(2020, 5, 5), count=4)
    store.write(Dataset(links=[extra]))
    assert [p.count for p in store.pair_counts([2020], ["visit"]) if p.source_id == "HLJ-TAX"] == [7]
    assert [p.count for p in open_store(tmp_path / "g.tkg").pair_counts([2020], ["visit"])
            if p.source_id == "HLJ-TAX"] == [7]  # fmt: skip
