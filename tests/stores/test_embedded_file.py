"""What only the embedded store has: its SQLite file, schema versions, generation, and readers
beside a writer."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
import threading
from pathlib import Path

import pytest
from store_data import generated_loads, small_dataset

from graph.errors import StoreError
from graph.model import Dataset, Link
from graph.store import LinkQuery, open_store, sqlschema
from graph.store.embedded import EmbeddedStore


def test_write_refuses_links_to_units_that_do_not_exist(tmp_path: Path) -> None:
    store = open_store(tmp_path / "g.tkg")
    link = Link("L1", "visit", "liaison", dt.date(2020, 1, 1), "NOBODY", "NOWHERE")
    with pytest.raises(StoreError, match="NOBODY, NOWHERE"):
        store.write(Dataset(links=[link]))
    store.close()
    with open_store(tmp_path / "g.tkg") as again:
        assert again.count_units() == 0 and again.generation() == 0


def test_link_query_between_needs_both_ends() -> None:
    with pytest.raises(ValueError, match="other_id needs unit_id"):
        LinkQuery(other_id="TB-1")


def test_reading_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "g.tkg"
    with open_store(path) as store:
        store.ping()
        assert store.count_units() == 0 and store.years() == [] and store.generation() == 0
    assert not path.parent.exists()


def test_generation_is_kept_in_the_file(tmp_path: Path) -> None:
    data = small_dataset()
    with open_store(tmp_path / "g.tkg") as store:
        assert store.generation() == 0
        store.write(data)
        store.write(data)  # the same rows again: nothing but the generation is written
        store.write(Dataset(links=[dataclasses.replace(data.links[0], count=9)]))
        assert store.generation() == 3
    with sqlite3.connect(tmp_path / "g.tkg") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone() == (3,)
    conn.close()


def test_pair_totals_follow_every_kind_of_rewrite(tmp_path: Path) -> None:
    """The summary table equals a GROUP BY over the links after new, moved and rewritten links."""
    first, second = generated_loads()
    path = tmp_path / "g.tkg"
    with open_store(path) as store:
        store.write(first)
        store.write(second)
        store.write(Dataset(links=[dataclasses.replace(lk, count=lk.count + 1) for lk in first.links[:50]]))
    with sqlite3.connect(path) as conn:
        summary = conn.execute("SELECT * FROM pair_totals ORDER BY 1, 2, 3, 4").fetchall()
        grouped = conn.execute(
            "SELECT year, source_id, target_id, kind, SUM(count), SUM(coalesce(participants, 0)), COUNT(*) "
            "FROM links GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ).fetchall()
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert summary == grouped and summary


def test_bulk_load_rebuilds_the_indexes_in_its_transaction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big first load drops and rebuilds the links' indexes; the file ends with all of them."""
    from graph.store import embedded_write

    first, _ = generated_loads()
    monkeypatch.setattr(embedded_write, "BULK_LINKS", 10)
    path = tmp_path / "g.tkg"
    with open_store(path) as store:
        store.write(first)
        assert store.pair_counts(store.years())
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'index'")}
    conn.close()
    assert {name for name, _ in sqlschema.LINK_INDEXES} <= indexes


def test_migrations_run_forward_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of an older schema version is brought forward on open, in one transaction per version,
    keeping its rows; a blank SQLite file (version 0, no tables) becomes an empty store."""
    path = tmp_path / "g.tkg"
    sqlite3.connect(path).close()  # a blank SQLite file, as `sqlite3 g.tkg ''` leaves
    with open_store(path) as store:
        store.write(small_dataset())
    monkeypatch.setattr(
        sqlschema, "MIGRATIONS", [*sqlschema.MIGRATIONS, "ALTER TABLE units ADD COLUMN note TEXT;"]
    )
    with open_store(path) as store:
        assert store.count_units() == 11
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(sqlschema.MIGRATIONS)
        assert "note" in {r[1] for r in conn.execute("PRAGMA table_info(units)")}
    conn.close()


def test_readers_see_a_commit_at_once_and_never_half_of_one(tmp_path: Path) -> None:
    """Another store object (as another process would) reads while a write runs: it sees the
    links before or after the write, never in between, and the new ones as soon as it commits."""
    first, _ = generated_loads()
    path = tmp_path / "g.tkg"
    writer, reader = EmbeddedStore(path), EmbeddedStore(path)
    writer.write(Dataset(regions=first.regions, units=first.units))
    before = reader.find_links(LinkQuery()).total
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(reader.find_links(LinkQuery()).total)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        writer.write(Dataset(links=first.links))
    finally:
        done.set()
        thread.join()
    assert seen <= {before, len(first.links)}
    assert reader.find_links(LinkQuery()).total == len(first.links)
    writer.close()
    reader.close()


def test_a_version_1_file_gains_the_gaps_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A store written before version 2 opens with its rows and can take ``gaps --write``."""
    path = tmp_path / "g.tkg"
    current = list(sqlschema.MIGRATIONS)
    monkeypatch.setattr(sqlschema, "MIGRATIONS", current[:1])
    with open_store(path) as store:
        store.write(small_dataset())
    monkeypatch.setattr(sqlschema, "MIGRATIONS", current)
    with open_store(path) as store:
        assert store.count_units() == 11
        written = store.write_gaps(
            2020, [], [{"id": "COV-2020-HLJ-TAX", "year": 2020, "unit_id": "HLJ-TAX", "expected": 6,
                        "met": 5, "ratio": 5 / 6, "name": "5/6"}]
        )  # fmt: skip
        assert (written.gaps, written.coverage, written.replaced) == (0, 1, 0)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(current) == 3
        assert conn.execute("SELECT unit_id, met FROM coverage").fetchall() == [("HLJ-TAX", 5)]
    conn.close()
