"""The embedded store and Neo4j give identical answers on a larger generated dataset.

Seeded random data (~50 units, 2,000 links over five years, self-loops, None participants), then a
second load that rewrites links (new ends, kinds, families), moves and re-kinds units, renames a
region and repeats ids within the load. Every method's answer is compared, dict order included.
"""

from __future__ import annotations

import pytest
from store_data import generated_loads, snapshot

from graph.model import Dataset
from graph.store import LinkQuery, Store

pytestmark = pytest.mark.neo4j


def test_same_answers_on_generated_data(embedded_store: Store, neo4j_store: Store) -> None:
    first, second = generated_loads()
    assert 45 <= len(first.units) <= 60 and len(first.links) == 2000
    both = Dataset(first.regions, first.units, first.links + second.links)
    for load in (first, second):
        assert embedded_store.write(load) == neo4j_store.write(load)
        expected = snapshot(embedded_store, both)
        got = snapshot(neo4j_store, both)
        assert got.keys() == expected.keys()
        for key in expected:
            assert got[key] == expected[key], key
    assert len(expected) > 150
    assert neo4j_store.find_links(LinkQuery()).total == 2300
