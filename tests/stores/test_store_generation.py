"""Store.generation: a counter every committed write bumps in the same transaction (both stores).

The API's caches key on it (issue 17): a write through one process must change what every other
process reads as the generation, and nothing else may change it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from store_data import small_dataset

from graph.errors import StoreError
from graph.model import Dataset, Link, Unit
from graph.store import Store, open_store
from graph.store.neo4j import Neo4jStore


def test_an_empty_store_is_generation_zero(store: Store) -> None:
    assert store.generation() == 0


def test_every_write_bumps_and_reads_do_not(store: Store) -> None:
    data = small_dataset()
    store.write(data)
    first = store.generation()
    assert first > 0
    store.years(), store.pair_counts([2020]), store.count_units()
    assert store.generation() == first
    store.write(data)  # the same data again: still a committed write
    second = store.generation()
    assert second > first
    store.write(Dataset(units=[Unit("NEW", "新", "party_school", "county")]))
    assert store.generation() > second


def test_another_store_on_the_same_location_sees_the_write(store: Store) -> None:
    store.write(small_dataset())
    with open_store(store.location) as other:
        before = other.generation()
        assert before == store.generation()
        store.write(Dataset(units=[Unit("NEW", "新", "party_school", "county")]))
        assert other.generation() == store.generation() > before


def test_a_failed_write_leaves_the_generation(store: Store, store_kind: str) -> None:
    store.write(small_dataset())
    before = store.generation()
    broken = Dataset(
        units=[Unit("NEW", "新", "party_school", "county")],
        links=[Link("L21", "visit", "liaison", dt.date(2024, 1, 1), "NEW", "HLJ-TAX", title=lambda: 0)],  # type: ignore[arg-type]
    )
    with pytest.raises(StoreError if store_kind == "neo4j" else Exception):
        store.write(broken)
    assert store.generation() == before


@pytest.mark.neo4j
def test_neo4j_write_transactions_bump_in_the_transaction(neo4j_store: Store, neo4j_driver: Any) -> None:
    store = neo4j_store
    assert isinstance(store, Neo4jStore)
    store.write(small_dataset())
    before = store.generation()
    store.write_transaction(lambda tx: tx.run("RETURN 1").consume(), "a test write")
    after = store.generation()
    assert after == before + 1

    def fails(tx: Any) -> None:
        tx.run("MATCH (u:Unit {id: 'HLJ-TAX'}) SET u.name = 'x'").consume()
        raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        store.write_transaction(fails, "a failing write")
    assert store.generation() == after
    store.write_transaction(lambda tx: None, "schema only", schema=True)
    assert store.generation() == after
    records, _, _ = neo4j_driver.execute_query("MATCH (m:Meta) RETURN m.id AS id, m.generation AS g")
    assert [(r["id"], r["g"]) for r in records] == [("store", after)]
