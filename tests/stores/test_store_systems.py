"""``Unit.system`` in both stores (issue 20): written, read back, filtered on, exported; and an
embedded file written before the column existed gains it when opened, its bureaus as tax's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store_data import small_dataset

from graph.model import Dataset, Region, Unit
from graph.queries.export import write_graph
from graph.store import Store, open_store
from graph.store.base import UnitQuery

UNITS = [
    Unit("CUS-230000", "哈尔滨海关", "customs_office", "provincial", "230000", None, "Harbin Customs", {}, "customs"),
    Unit("CUS-231081", "绥芬河海关", "customs_office", "county", "231081", "CUS-230000", None, {}, "customs"),
    Unit("MB-231081", "绥芬河市气象局", "meteorological_bureau", "county", "231081", None, None, {}, "meteorology"),
    Unit("LPC-231081", "中共绥芬河市委员会", "local_party_committee", "county", "231081", None, None, {}, None),
]  # fmt: skip
REGIONS = [Region("230000", "黑龙江省", "province"), Region("231081", "绥芬河市", "county", "230000")]


def test_system_round_trips_and_filters(store: Store, tmp_path: Path) -> None:
    store.write(Dataset(regions=REGIONS, units=UNITS))
    got = store.get_units(u.id for u in UNITS)
    assert {u.id: u.system for u in got.values()} == {u.id: u.system for u in UNITS}
    assert got["CUS-230000"] == UNITS[0]
    page = store.find_units(UnitQuery(system="customs"))
    assert [u.id for u in page.items] == ["CUS-230000", "CUS-231081"] and page.total == 2
    assert store.find_units(UnitQuery(system="meteorology", region_code="230000")).total == 1
    out = tmp_path / "g.graphml"
    write_graph(store, out, "graphml")
    text = out.read_text(encoding="utf-8")
    assert 'attr.name="system"' in text and ">customs<" in text and ">meteorology<" in text


def test_an_older_file_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.tkg"
    with open_store(path) as store:
        store.write(small_dataset())
    conn = sqlite3.connect(path)
    conn.executescript("DROP INDEX units_by_system; ALTER TABLE units DROP COLUMN system;")
    conn.close()
    with open_store(path) as store:
        units = store.get_units(u.id for u in small_dataset().units)
        for u in units.values():
            assert u.system == (
                "tax" if u.kind in ("tax_bureau", "bureau_party_committee", "party_branch") else None
            )
        assert store.find_units(UnitQuery(system="tax")).total == sum(1 for u in units.values() if u.system)
