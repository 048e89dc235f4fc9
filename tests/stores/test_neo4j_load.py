"""Neo4j loads in batches (graph.store.neo4j_load): invisible until their switch, removable after a
kill, equal to the embedded store once done.

A load above ``Neo4jStore.staged_above`` links goes in batches; these tests lower the threshold so
that small datasets take the same path as a national load."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from store_data import generated_loads, snapshot

from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.store import Store
from graph.store.filters import Direction, Field, HasLink
from graph.store.neo4j import Neo4jStore
from graph.store.neo4j_load import Buckets, StagedLoad, recover

pytestmark = pytest.mark.neo4j


def new_units_load(first: Dataset) -> Dataset:
    """A load that adds a region, units in it, links between new and old units, and rewrites a
    few stored links: everything a batched load stages."""
    vocab = vocabulary()
    region = Region("239900", "新区", "county", "230100")
    units = [
        Unit("NEW-T", "新区税务局", "tax_bureau", "county", "239900", "T230100"),
        Unit("NEW-P", "新区税务局党委", "bureau_party_committee", "county", "239900", "NEW-T"),
        Unit("NEW-C", "中共新区委员会", "local_party_committee", "county", "239900", "C230100"),
    ]
    rnd = random.Random(7)
    old = [u.id for u in first.units]
    kinds = sorted(vocab.link_kinds)
    links = []
    for i in range(400):
        kind = rnd.choice(kinds)
        a = rnd.choice([u.id for u in units])
        b = rnd.choice(old + [u.id for u in units])
        src, dst = (a, b) if i % 2 else (b, a)
        links.append(Link(f"N{i:05d}", kind, vocab.family_of(kind), first.links[i].date, src, dst, 1 + i % 3))
    changed = [dataclasses.replace(lk, count=lk.count + 5) for lk in first.links[:30]]
    same = list(first.links[30:60])
    return Dataset([region], units, [*links, *changed, *same])


def where_answers(store: Store, dataset: Dataset) -> dict[str, Any]:
    ids = sorted({u.id for u in dataset.units})
    years = store.years()
    return {
        "find_links_where": store.find_links_where(None),
        "find_links_where_year": store.find_links_where(
            Field("year", "eq", years[-1] if years else 0), ends=True
        ),
        "links_of_units": store.links_of_units(ids, None, ends=True),
        "links_of_units_out": store.links_of_units(ids, Direction(True)),
        "aggregate_links": store.aggregate_links(None, ["kind", "year"]),
        "aggregate_units": store.aggregate_units(HasLink()),
        "find_units_where": store.find_units_where(HasLink(at_least=2), children=True, parents=True),
        "unit_timelines": store.unit_timelines(ids, years),
    }


def everything(store: Store, dataset: Dataset) -> dict[str, Any]:
    return {**snapshot(store, dataset, pages=False), **where_answers(store, dataset)}


def leftovers(driver: Any) -> tuple[int, int]:
    """(links still tagged with a load, staged units)."""
    tagged = driver.execute_query("MATCH ()-[r]->() WHERE r.load_id IS NOT NULL RETURN count(r) AS n").records
    staged = driver.execute_query("MATCH (n:StagedUnit) RETURN count(n) AS n").records
    return int(tagged[0]["n"]), int(staged[0]["n"])


def test_a_staged_load_is_invisible_through_every_method_until_its_switch(
    neo4j_store: Neo4jStore, neo4j_driver: Any, embedded_store: Store
) -> None:
    first, _ = generated_loads()
    third = new_units_load(first)
    both = Dataset(
        [*first.regions, *third.regions], [*first.units, *third.units], [*first.links, *third.links]
    )
    neo4j_store.write(first)
    before = everything(neo4j_store, both)
    generation = neo4j_store.generation()

    neo4j_store.staged_above = 0
    region_rows, unit_rows, structure_rows, links, rel_of = neo4j_store._rows(third)
    load = StagedLoad(neo4j_store, jobs=2)
    load.begin()
    try:
        created, changed = load.stage(unit_rows, links, rel_of)
        assert created == 400 and len(changed) == 30  # 30 identical stored links drop out
        assert leftovers(neo4j_driver) == (400, 3)  # written, but nobody sees them
        assert everything(neo4j_store, both) == before
        assert neo4j_store.generation() == generation
        # a second load beside a live one is refused
        with pytest.raises(Exception, match="another load"):
            StagedLoad(neo4j_store).begin()
    finally:
        load._stop.set()
    assert recover(neo4j_store, force=True) == [load.load]
    assert leftovers(neo4j_driver) == (0, 0)
    assert everything(neo4j_store, both) == before

    # the whole load, in batches: the same answers as the embedded store given the same writes
    summary = neo4j_store.write(third)
    assert summary.links_created == 400
    assert leftovers(neo4j_driver) == (400, 0)  # its links keep their load's number, now visible
    meta = neo4j_driver.execute_query("MATCH (m:Meta {id: 'store'}) RETURN m.unseen AS u, m.loading AS l")
    assert (meta.records[0]["u"], meta.records[0]["l"]) == ([], [])  # no pass over them to finish
    assert neo4j_store.generation() > generation
    embedded_store.write(first)
    embedded_store.write(third)
    assert everything(neo4j_store, both) == everything(embedded_store, both)


def test_a_store_from_before_the_unseen_list_reads_as_it_did_and_recovers(
    neo4j_store: Neo4jStore, neo4j_driver: Any
) -> None:
    """A store written before ``Meta.unseen`` kept ``Meta.committed`` and untagged each load after
    its switch. Left in every state a load could leave it in, it reads as it did then, and
    recovery brings it to the new form with nothing lost or shown that was not."""
    first, _ = generated_loads()
    neo4j_store.write(first)
    ids = [lk.id for lk in first.links]
    tags = {7: ids[0:5], 8: ids[5:10], -9: ids[10:15], -10: ids[15:20]}
    for tag, some in tags.items():
        neo4j_driver.execute_query(
            "UNWIND $ids AS id MATCH ()-[r {id: id}]->() SET r.load_id = $tag", ids=some, tag=tag
        )
    # 7: died before its switch; 8: committed, its tags not yet removed; 9: a replace that switched
    # (its -9 links hidden); 10: a replace that died (its -10 links still shown)
    neo4j_driver.execute_query(
        "MATCH (m:Meta {id: 'store'}) SET m.loading = [7, 8, 9, 10], m.committed = [8, 9, -10] REMOVE m.unseen"
    )
    hidden = set(tags[7]) | set(tags[-9])
    expected = sorted(set(ids) - hidden)
    assert sorted(neo4j_store.get_links(ids)) == expected
    assert sorted(recover(neo4j_store, force=True)) == [7, 8, 9, 10]
    assert sorted(neo4j_store.get_links(ids)) == expected
    stored = neo4j_driver.execute_query("MATCH ()-[r]->() WHERE r.id IN $ids RETURN r.id AS id", ids=ids)
    assert sorted(r["id"] for r in stored.records) == expected  # what was hidden is gone
    meta = neo4j_driver.execute_query(
        "MATCH (m:Meta {id: 'store'}) RETURN m.unseen AS u, m.loading AS l, m.committed AS c"
    ).records[0]
    assert (meta["u"], meta["l"], meta["c"]) == ([], [], None)


def test_buckets_never_hand_out_a_partition_twice_at_once() -> None:
    rnd = random.Random(3)
    parts = 8
    queue = Buckets({(a, b): [] for a in range(parts) for b in range(a, parts)})
    held: list[tuple[int, int]] = []
    taken = 0
    while True:
        if held and (rnd.random() < 0.5 or len(held) == parts):
            queue.done(held.pop(rnd.randrange(len(held))))
            continue
        with queue.cond:  # what take() would do, without blocking the test
            free = [p for p, _ in queue.todo if not set(p) & queue.busy]
        if not free:
            if not held:
                break
            queue.done(held.pop(0))
            continue
        got = queue.take()
        assert got is not None
        pair = got[0]
        in_use = {x for p in held for x in p}
        assert not set(pair) & in_use
        held.append(pair)
        taken += 1
    assert taken == parts * (parts + 1) // 2 and queue.take() is None


def state(store: Neo4jStore, driver: Any) -> tuple[Any, ...]:
    """Counts and a checksum of every link, as the store answers them, plus the raw graph size."""
    years = store.years()
    pairs = store.pair_counts(years)
    digest = hashlib.sha256(repr(pairs).encode()).hexdigest()
    raw = driver.execute_query("MATCH (n) WHERE NOT n:Meta RETURN count(n) AS n").records[0]["n"]
    rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n").records[0]["n"]
    return store.count_units(), len(store.find_links_where(None).page.items), digest, raw, rels


CHILD = textwrap.dedent(
    """
    import sys
    import time
    from graph.store.neo4j import Neo4jStore
    from graph.synthetic.national import build_national
    store = Neo4jStore.from_env(sys.argv[1])
    store.staged_above = 0
    store.jobs = 2
    store.batch_size = 1000
    stop_at = int(sys.argv[2])

    def progress(done, total):
        if stop_at and done >= stop_at:  # hold this worker here until the test kills the process
            print("stopped", done, total, flush=True)
            time.sleep(3600)

    store.write_progress = progress
    data = build_national(scale=0.03, seed=5)
    print("writing", flush=True)
    store.write(data)
    print("done", flush=True)
    """
)


def test_a_killed_load_leaves_nothing_and_recovery_restores_the_state_before(
    neo4j_store: Neo4jStore, neo4j_driver: Any, neo4j_uri: str, tmp_path: Path
) -> None:
    """SIGKILL at random points before the switch (while units are staged, or after a random
    number of link batches): nothing is visible, and after recovery the graph is as before."""
    first, _ = generated_loads()
    neo4j_store.write(first)
    before = state(neo4j_store, neo4j_driver)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    rnd = random.Random(int(os.environ.get("TIAOKUAI_TEST_SEED", "11")))
    # killed at a random moment of the start (taking the load number, staging units), then held
    # after a random number of link batches (30,000 links in batches of 1,000) and killed there
    for point in [0, *sorted(rnd.sample(range(1, 29), 2))]:
        child = subprocess.Popen(
            [sys.executable, str(script), neo4j_uri, str(point * 1000)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        if point == 0:
            time.sleep(rnd.uniform(0.0, 0.5))
        else:
            assert child.stdout.readline().startswith("stopped")
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        assert state(neo4j_store, neo4j_driver)[:3] == before[:3]  # nothing visible
        recover(neo4j_store, force=True)
        assert state(neo4j_store, neo4j_driver) == before  # nothing left at all
        assert leftovers(neo4j_driver) == (0, 0)


def test_coverage_read_during_a_load_is_the_value_before_or_after(
    neo4j_store: Neo4jStore, neo4j_driver: Any
) -> None:
    from graph.rules import coverage
    from graph.synthetic.national import build_national

    data = build_national(scale=0.03, seed=3)
    year = 2021
    neo4j_store.write(Dataset(data.regions, data.units, [lk for lk in data.links if lk.date.year != year]))
    later = [lk for lk in data.links if lk.date.year == year]
    value_before = coverage(neo4j_store, year).met
    seen: list[int] = []
    done = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(coverage(neo4j_store, year).met)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    reader = threading.Thread(target=read)
    neo4j_store.staged_above = 0
    neo4j_store.batch_size = 500  # many batches, so that readers run between them
    reader.start()
    try:
        neo4j_store.write(Dataset([], [], later))
    finally:
        done.set()
        reader.join()
    assert not errors
    value_after = coverage(neo4j_store, year).met
    assert value_after > value_before
    assert seen and set(seen) <= {value_before, value_after}, sorted(set(seen))
