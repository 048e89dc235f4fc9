"""``Unit.system`` in both stores (issue 20): resolved where a unit is made (a bureau-side unit that
states none takes its kind's system, tax for tax's kinds), written, read back, filtered on ("of
system S"), exported; an embedded file written before the column existed, or before tax's units
stored theirs, reads as brought forward and is brought forward by its first write (a read changes
nothing in it); a Neo4j database loaded before (tax's nodes without
the property) still answers "of tax"."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from store_data import small_dataset

from graph.cli import cli
from graph.model import Dataset, Region, Unit
from graph.queries.export import write_graph
from graph.queries.systems import unit_system
from graph.store import Store, open_store
from graph.store.system_filter import system_cond
from graph.synthetic.sample import write_sample

UNITS = [
    Unit("CUS-230000", "哈尔滨海关", "customs_office", "provincial", "230000", None, "Harbin Customs", {}, "customs"),
    Unit("CUS-231081", "绥芬河海关", "customs_office", "county", "231081", "CUS-230000", None, {}, "customs"),
    Unit("MB-231081", "绥芬河市气象局", "meteorological_bureau", "county", "231081", None, None, {}, "meteorology"),
    Unit("LPC-231081", "中共绥芬河市委员会", "local_party_committee", "county", "231081", None, None, {}, None),
    Unit("TB-231081", "绥芬河市税务局", "tax_bureau", "county", "231081", None, None, {}, None),
    Unit("PB-CUS-01", "绥芬河海关机关党支部", "party_branch", "county", "231081", "CUS-231081", None, {}, "customs"),
    Unit("PB-TB-01", "绥芬河市税务局机关党支部", "party_branch", "county", "231081", "TB-231081", None, {}, None),
]  # fmt: skip
REGIONS = [Region("230000", "黑龙江省", "province"), Region("231081", "绥芬河市", "county", "230000")]


def test_system_round_trips_and_filters(store: Store, tmp_path: Path) -> None:
    store.write(Dataset(regions=REGIONS, units=UNITS))
    got = store.get_units(u.id for u in UNITS)
    assert {u.id: u.system for u in got.values()} == {u.id: u.system for u in UNITS}
    assert got["CUS-230000"] == UNITS[0]

    def of(system: str) -> list[str]:
        return [u.id for u in store.find_units_where(system_cond(system), [], 0, 100).page.items]

    assert of("customs") == ["CUS-230000", "CUS-231081", "PB-CUS-01"]
    assert of("meteorology") == ["MB-231081"]
    assert of("tax") == ["PB-TB-01", "TB-231081"]  # the default system: resolved where none is stated
    assert {u.id: unit_system(u) for u in got.values()}["LPC-231081"] is None
    out = tmp_path / "g.graphml"
    write_graph(store, out, "graphml")
    text = out.read_text(encoding="utf-8")
    assert (
        'attr.name="system"' in text and ">customs<" in text and ">meteorology<" in text and ">tax<" in text
    )


def test_a_unit_resolves_its_system_where_it_is_made() -> None:
    by_id = {u.id: u for u in UNITS}
    assert by_id["TB-231081"].system == "tax"  # a tax kind
    assert by_id["PB-TB-01"].system == "tax"  # a shared bureau-side kind: the default system
    assert by_id["PB-CUS-01"].system == "customs"  # as stated
    assert by_id["LPC-231081"].system is None  # the local side is shared by every system
    assert Unit("TB-231081", "绥芬河市税务局", "tax_bureau", "county", "231081") == by_id["TB-231081"]


def _tax_side(units: dict[str, Unit]) -> set[str]:
    return {
        u.id for u in units.values() if u.kind in ("tax_bureau", "bureau_party_committee", "party_branch")
    }


def _stored(path: Path) -> dict[str, str | None]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, system FROM units"))
    finally:
        conn.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _columns(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[1] for r in conn.execute("PRAGMA table_info(units)")]
    finally:
        conn.close()


def test_an_older_file_reads_brought_forward_and_gains_the_column_on_a_write(tmp_path: Path) -> None:
    path = tmp_path / "old.tkg"
    with open_store(path) as store:
        store.write(small_dataset())
    conn = sqlite3.connect(path)
    conn.executescript("DROP INDEX units_by_system; ALTER TABLE units DROP COLUMN system;")
    conn.close()
    before = _digest(path)
    with open_store(path) as store:
        units = store.get_units(u.id for u in small_dataset().units)
        side = _tax_side(units)
        assert side and {u.id for u in units.values() if u.system == "tax"} == side
        assert {u.id for u in store.find_units_where(system_cond("tax"), [], 0, 100).page.items} == side
        assert units == {u.id: u for u in small_dataset().units}
    # reading changed nothing in the user's file
    assert _digest(path) == before and "system" not in _columns(path)
    with open_store(path) as store:
        store.write(Dataset(regions=REGIONS, units=UNITS))  # the first write brings it forward
        assert store.get_units(["CUS-231081"])["CUS-231081"].system == "customs"
        assert store.get_units(side) == {k: v for k, v in units.items() if k in side}
    stored = _stored(path)
    assert {k for k, v in stored.items() if v == "tax"} == side | {"TB-231081", "PB-TB-01"}
    assert stored["CUS-231081"] == "customs" and stored["LPC-231081"] is None


def test_a_file_that_implied_tax_is_filled_in_on_its_first_write(tmp_path: Path) -> None:
    """Issue 20's first release stored NULL for tax's units (the default system was implied)."""
    path = tmp_path / "implied.tkg"
    with open_store(path) as store:
        store.write(Dataset(regions=REGIONS, units=UNITS))
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE units SET system = NULL WHERE system = 'tax'")
    conn.close()
    assert _stored(path)["TB-231081"] is None
    before = _digest(path)
    with open_store(path) as store:
        assert store.get_units(["TB-231081"])["TB-231081"].system == "tax"
        assert store.get_units(u.id for u in UNITS) == {u.id: u for u in UNITS}
    assert _digest(path) == before and _stored(path)["TB-231081"] is None
    with open_store(path) as store:
        store.write(Dataset(regions=REGIONS))
    stored = _stored(path)
    assert stored == {u.id: u.system for u in UNITS}
    assert (stored["TB-231081"], stored["PB-TB-01"], stored["LPC-231081"]) == ("tax", "tax", None)


def test_a_read_only_command_leaves_an_older_file_as_it_is(tmp_path: Path) -> None:
    """At the CLI surface: ``tiaokuai stats`` on a file without the column answers and writes nothing;
    ``tiaokuai load`` brings it forward."""
    path = tmp_path / "old.tkg"
    with open_store(path) as store:
        store.write(Dataset(regions=REGIONS, units=[u for u in UNITS if u.system in (None, "tax")]))
    conn = sqlite3.connect(path)
    conn.executescript("DROP INDEX units_by_system; ALTER TABLE units DROP COLUMN system;")
    conn.close()
    before = _digest(path)
    result = CliRunner().invoke(cli, ["stats", "--year", "2020", "--format", "json", "--store", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["units"] == 3
    assert _digest(path) == before and "system" not in _columns(path)
    write_sample(tmp_path / "ledgers")
    loaded = CliRunner().invoke(cli, ["load", "--quiet", str(tmp_path / "ledgers"), "--store", str(path)])
    assert loaded.exit_code == 0, loaded.output
    assert "system" in _columns(path) and _stored(path)["TB-231081"] == "tax"


@pytest.mark.neo4j
def test_a_neo4j_database_loaded_before_still_finds_tax(neo4j_store: Store, neo4j_driver: Any) -> None:
    """Tax's nodes without the property (loaded when tax was implied) read as tax's (documented in
    docs/systems.md: such a database keeps them so until it is loaded again)."""
    neo4j_store.write(Dataset(regions=REGIONS, units=UNITS))
    with neo4j_driver.session() as session:
        removed = session.run("MATCH (u:Unit {system: 'tax'}) REMOVE u.system RETURN count(u) AS n").single()[
            "n"
        ]
    assert removed == 2
    got = neo4j_store.get_units(u.id for u in UNITS)
    assert got == {u.id: u for u in UNITS}
    ids = [u.id for u in neo4j_store.find_units_where(system_cond("tax"), [], 0, 100).page.items]
    assert ids == ["PB-TB-01", "TB-231081"]
