"""Fixtures for the analysis tests: the shared two-store ``store`` fixture, a small hand-built
world whose right answers can be worked out on paper, and the bundled sample in a store.

The ``store`` fixture (embedded and Neo4j) lives in ``tests/stores/conftest.py``; pytest only
offers a conftest's fixtures below its own folder, so it is loaded here by path and re-exported.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.store import Store, open_store

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))

from _sample import sample_dataset  # noqa: E402


def _load_store_fixtures():  # type: ignore[no-untyped-def]
    path = _HERE.parent / "stores" / "conftest.py"
    if str(path.parent) not in sys.path:  # it imports its sibling modules (store_data)
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location("tiaokuai_tests_stores_conftest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_stores = _load_store_fixtures()
store = _stores.store
embedded_store = _stores.embedded_store
neo4j_store = _stores.neo4j_store
neo4j_driver = _stores.neo4j_driver
store_kind = _stores.store_kind

# -- the small world ---------------------------------------------------------------------------
#
# 230000 province ─ 230100 prefecture ─ counties 230102, 230103, 230104, 230105
# Each region has a tax bureau TB-<code> with its party committee BPC-<code> (and for 230100 and
# 230102 a branch PB-<code>-01), and a local committee LPC-<code> with ORG-, PROP- and DISC-<code>.
# Bureaus: 1 provincial, 1 prefecture, 4 county. Local bodies: 6 regions x 4 = 24.

PROVINCE = "230000"
PREFECTURE = "230100"
COUNTIES = ("230102", "230103", "230104", "230105")
CODES = (PROVINCE, PREFECTURE, *COUNTIES)
LEVEL = {PROVINCE: "provincial", PREFECTURE: "prefecture", **{c: "county" for c in COUNTIES}}
PARENT = {PROVINCE: None, PREFECTURE: PROVINCE, **{c: PREFECTURE for c in COUNTIES}}
DEPARTMENTS = (("ORG", "organization_department", "组织部"), ("PROP", "propaganda_department", "宣传部"),
               ("DISC", "discipline_commission", "纪委监委"))  # fmt: skip


def world_units() -> tuple[list[Region], list[Unit]]:
    region_level = {PROVINCE: "province", PREFECTURE: "prefecture"}
    regions = [Region(c, f"区划{c}", region_level.get(c, "county"), PARENT[c]) for c in CODES]
    units: list[Unit] = []
    for c in CODES:
        lv, parent = LEVEL[c], PARENT[c]
        units.append(Unit(f"TB-{c}", f"税务局{c}", "tax_bureau", lv, c, f"TB-{parent}" if parent else None))
        units.append(Unit(f"BPC-{c}", f"税务局{c}党委", "bureau_party_committee", lv, c, f"TB-{c}"))
        if c in (PREFECTURE, "230102"):
            units.append(Unit(f"PB-{c}-01", f"税务局{c}机关党支部", "party_branch", lv, c, f"BPC-{c}"))
        units.append(
            Unit(f"LPC-{c}", f"党委{c}", "local_party_committee", lv, c, f"LPC-{parent}" if parent else None)
        )
        for prefix, kind, zh in DEPARTMENTS:
            units.append(Unit(f"{prefix}-{c}", f"{zh}{c}", kind, lv, c, f"LPC-{c}"))
    return regions, units


def links(rows: Iterable[tuple[int, str, str, str] | tuple[int, str, str, str, int]]) -> list[Link]:
    """Links from (year, kind, source, target[, count]) rows, dated 1 June of the year."""
    vocab = vocabulary()
    out = []
    for i, row in enumerate(rows, start=1):
        year, kind, source, target = row[:4]
        count = row[4] if len(row) > 4 else 1
        out.append(Link(f"T{i:04d}", kind, vocab.family_of(kind), dt.date(year, 6, 1), source, target, count))
    return out


def build_world(store: Store, rows: Iterable[tuple]) -> Store:  # type: ignore[type-arg]
    """Write the small world with the given links into ``store`` and return it."""
    regions, units = world_units()
    store.write(Dataset(regions=regions, units=units, links=links(rows)))
    return store


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    """``world(store, rows)``: write the small world with these links (see :func:`links`)."""
    return build_world


# -- the sample ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store file holding the bundled Heilongjiang sample (2019–2021)."""
    path = tmp_path_factory.mktemp("sample") / "sample.tkg"
    with open_store(path) as s:
        s.write(sample_dataset())
    return path


@pytest.fixture
def sample_store(sample_store_path: Path) -> Iterator[Store]:
    s = open_store(sample_store_path)
    try:
        yield s
    finally:
        s.close()
