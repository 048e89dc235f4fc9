"""Horizontal/vertical balance, Krackhardt's E-I index and density, on both stores.

The small world: 6 bureaus (tax side) on a line of 5 ties; 24 local bodies (6 committees with 3
departments each) on a line of 18 + 5 = 23 ties.
"""

from __future__ import annotations

import pytest

from graph.analysis import balance, density, ei_index, project_years

ROWS = [
    (2020, "thematic_report", "BPC-230102", "LPC-230102"),
    (2020, "visit", "TB-230102", "ORG-230102", 3),
    (2020, "instruction", "LPC-230102", "TB-230102"),  # same dyad as the report
    (2020, "coordination_visit", "TB-230100", "LPC-230102"),  # across regions
    (2020, "thematic_report", "BPC-230102", "BPC-230100"),  # vertical link, on a line tie
]
E = 3  # distinct cross-side dyads: TB-230102–LPC-230102, TB-230102–ORG-230102, TB-230100–LPC-230102
I_TAX, I_LOCAL = 5, 23


def test_balance_per_bureau_and_prefecture(store, world):
    s = world(store, ROWS)
    g = project_years(s, [2020])
    result = balance(g, 2020, s.regions())
    b = {r["bureau_id"]: r for r in result["bureaus"]}
    r = b["TB-230102"]
    assert (r["horizontal_ties"], r["vertical_ties"], r["horizontal_events"], r["vertical_events"]) == (
        2,
        1,
        5,
        1,
    )
    assert r["balance"] == 2 / 3
    r = b["TB-230100"]  # under the province, over four counties; one coordination visit
    assert (r["horizontal_ties"], r["vertical_ties"], r["balance"]) == (1, 5, 1 / 6)
    assert b["TB-230105"]["balance"] == 0.0
    pref = {p["region_code"]: p for p in result["prefectures"]}
    assert set(pref) == {"230000", "230100"}
    p = pref["230100"]
    assert (p["bureaus"], p["horizontal_ties"], p["vertical_ties"]) == (5, 3, 5 + 4)
    assert p["balance"] == 3 / 12 and p["name"] == "区划230100"
    assert balance(g, 2020)["prefectures"] == []


def test_ei_index(store, world):
    g = project_years(world(store, ROWS), [2020])
    r = ei_index(g, 2020)
    assert (r["external"], r["internal_tax"], r["internal_local"]) == (E, I_TAX, I_LOCAL)
    assert r["ei_index"] == pytest.approx((E - I_TAX - I_LOCAL) / (E + I_TAX + I_LOCAL))
    assert r["by_group"]["tax"] == pytest.approx((E - I_TAX) / (E + I_TAX))
    assert r["by_group"]["local"] == pytest.approx((E - I_LOCAL) / (E + I_LOCAL))
    n_tax, n_local = 6, 24
    possible_int = n_tax * (n_tax - 1) / 2 + n_local * (n_local - 1) / 2
    assert r["expected"] == pytest.approx((n_tax * n_local - possible_int) / (n_tax * n_local + possible_int))
    # among link ties only: 3 external, the one vertical link internal
    assert r["links_only"] == {"external": 3, "internal_tax": 1, "internal_local": 0, "ei_index": 0.5}


def test_density(store, world):
    g = project_years(world(store, ROWS), [2020])
    d = density(g, 2020)
    n = 6 + 24
    assert (d["nodes"], d["ties"]) == (n, E + I_TAX + I_LOCAL)
    assert d["overall"] == pytest.approx((E + I_TAX + I_LOCAL) / (n * (n - 1) / 2))
    assert d["between"] == pytest.approx(E / (6 * 24))
    assert d["within_tax"] == pytest.approx(I_TAX / 15)
    assert d["within_local"] == pytest.approx(I_LOCAL / (24 * 23 / 2))
    # each region: 1 bureau x 4 local bodies; the coordination visit crosses regions
    assert d["counterparts"] == {"pairs": 24, "tied": 2, "density": 2 / 24}
