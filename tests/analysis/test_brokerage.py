"""Gould–Fernandez brokerage (hand graphs and both stores) and betweenness."""

from __future__ import annotations

import networkx as nx
import pytest

from graph.analysis import betweenness, brokerage, brokerage_graph, gould_fernandez, project_years, tie_graph


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ({"a": 1, "v": 1, "b": 1}, "coordinator"),
        ({"a": 1, "v": 2, "b": 1}, "itinerant"),
        ({"a": 1, "v": 1, "b": 2}, "representative"),
        ({"a": 1, "v": 2, "b": 2}, "gatekeeper"),
        ({"a": 1, "v": 2, "b": 3}, "liaison"),
    ],
)
def test_each_role_on_one_two_path(groups, role):
    counts = gould_fernandez(nx.DiGraph([("a", "v"), ("v", "b")]), groups)
    assert counts["v"] == {**dict.fromkeys(["coordinator", "itinerant", "representative", "gatekeeper",
                                            "liaison"], 0), role: 1, "total": 1}  # fmt: skip
    assert counts["a"]["total"] == counts["b"]["total"] == 0


def test_closed_triads_and_back_paths_do_not_count():
    g = nx.DiGraph([("a", "v"), ("v", "b"), ("a", "b"), ("v", "a")])
    counts = gould_fernandez(g, {"a": 1, "v": 2, "b": 1})
    assert counts["v"]["total"] == 0  # a -> b exists; a -> v -> a is not a path between two others
    # b -> a does not close a -> v -> b: direction matters
    g = nx.DiGraph([("a", "v"), ("v", "b"), ("b", "a")])
    assert gould_fernandez(g, {"a": 1, "v": 2, "b": 1})["v"]["itinerant"] == 1


def test_counts_by_hand_on_a_star():
    # two tax units feed a local hub which feeds two tax units and one local unit
    g = nx.DiGraph([("t1", "h"), ("t2", "h"), ("h", "t3"), ("h", "t4"), ("h", "l1")])
    groups = {"t1": "tax", "t2": "tax", "t3": "tax", "t4": "tax", "h": "local", "l1": "local"}
    assert gould_fernandez(g, groups)["h"] == {
        "coordinator": 0, "itinerant": 4, "representative": 0, "gatekeeper": 2, "liaison": 0, "total": 6,
    }  # fmt: skip
    multi = nx.MultiDiGraph(g)
    multi.add_edge("t1", "h")  # parallel edges count once
    assert gould_fernandez(multi, groups)["h"]["total"] == 6


ROWS = [
    (2020, "instruction", "LPC-230102", "TB-230102"),
    (2020, "thematic_report", "BPC-230102", "LPC-230102"),
]


def test_county_bureau_is_gatekeeper_and_representative(store, world):
    g = project_years(world(store, ROWS), [2020])
    b = brokerage_graph(g, 2020)
    assert b.has_edge("TB-230102", "TB-230100") and b.has_edge("TB-230100", "TB-230102")
    rows = {r["id"]: r for r in brokerage(g, 2020, bureaus_only=True)}
    r = rows["TB-230102"]
    # LPC -> TB-230102 -> TB-230100: gatekeeper; TB-230100 -> TB-230102 -> LPC: representative
    assert (r["gatekeeper"], r["representative"], r["coordinator"], r["itinerant"], r["liaison"]) == (
        1,
        1,
        0,
        0,
        0,
    )
    assert r["group"] == "tax" and r["kind"] == "tax_bureau"
    assert set(rows) == {"TB-230000", "TB-230100", "TB-230102", "TB-230103", "TB-230104", "TB-230105"}
    # the prefecture bureau coordinates between its four counties and the province: 4*3 + 4 + 4
    assert rows["TB-230100"]["coordinator"] == 20
    everyone = brokerage(g, 2020)
    assert all(r["total"] > 0 for r in everyone)
    assert [r["total"] for r in everyone] == sorted((r["total"] for r in everyone), reverse=True)


def test_a_coordination_visit_closes_the_representative_path(store, world):
    g = project_years(world(store, [*ROWS, (2020, "coordination_visit", "TB-230100", "LPC-230102")]), [2020])
    r = {r["id"]: r for r in brokerage(g, 2020, bureaus_only=True)}["TB-230102"]
    assert (r["gatekeeper"], r["representative"]) == (1, 0)


def test_betweenness_is_networkx_on_the_tie_graph(store, world):
    g = project_years(world(store, ROWS), [2020])
    t = tie_graph(g, 2020)
    expected = nx.betweenness_centrality(t, normalized=True)
    rows = betweenness(g, 2020)
    assert {r["id"]: r["betweenness"] for r in rows} == {n: s for n, s in expected.items() if s > 0}
    assert rows[0]["id"] == "LPC-230100"  # the hub of the local line in the prefecture
    assert betweenness(g, 2020, top=3) == rows[:3]
    # the tie graph by hand: the county bureau tied to its committee and to its superior bureau
    assert set(t["TB-230102"]) == {"LPC-230102", "TB-230100"}


def test_betweenness_is_estimated_on_large_graphs(store, world):
    g = project_years(world(store, ROWS), [2020])
    assert all(r["exact"] for r in betweenness(g, 2020))  # 30 nodes: exact under "auto"
    assert betweenness(g, 2020, k=None) == betweenness(g, 2020)
    estimated = betweenness(g, 2020, k=10)
    assert estimated and not any(r["exact"] for r in estimated)
    assert estimated == betweenness(g, 2020, k=10)  # seeded: the same pivots every run
