"""``Unit.system`` in both stores (issue 20): written, read back, filtered on ("of system S", the
default system implied where none is stated), exported; and an embedded file written before the
column existed gains it when opened, its units still the default system's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store_data import small_dataset

from graph.model import Dataset, Region, Unit
from graph.queries.export import write_graph
from graph.queries.systems import unit_system
from graph.store import Store, open_store
from graph.store.system_filter import system_cond

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
    assert of("tax") == ["PB-TB-01", "TB-231081"]  # the default system: implied where none is stated
    assert {u.id: unit_system(u) for u in got.values()}["LPC-231081"] is None
    out = tmp_path / "g.graphml"
    write_graph(store, out, "graphml")
    text = out.read_text(encoding="utf-8")
    assert (
        'attr.name="system"' in text and ">customs<" in text and ">meteorology<" in text and ">tax<" in text
    )


def test_an_older_file_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "old.tkg"
    with open_store(path) as store:
        store.write(small_dataset())
    conn = sqlite3.connect(path)
    conn.executescript("DROP INDEX units_by_system; ALTER TABLE units DROP COLUMN system;")
    conn.close()
    with open_store(path) as store:
        units = store.get_units(u.id for u in small_dataset().units)
        assert all(u.system is None for u in units.values())
        side = {
            u.id for u in units.values() if u.kind in ("tax_bureau", "bureau_party_committee", "party_branch")
        }
        assert {u.id for u in units.values() if unit_system(u) == "tax"} == side
        assert {u.id for u in store.find_units_where(system_cond("tax"), [], 0, 100).page.items} == side
    conn = sqlite3.connect(path)
    assert "system" in {r[1] for r in conn.execute("PRAGMA table_info(units)")}
    conn.close()
