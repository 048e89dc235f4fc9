"""The exports carry what network tools need: kind, level, region, per-year counts; GEXF opens.

``graph.queries.export`` is core code; these tests check it from the analyst's side on a small world.
"""

from __future__ import annotations

import json

import networkx as nx

from graph.queries.export import write_graph

ROWS = [
    (2019, "visit", "TB-230102", "ORG-230102", 2),
    (2020, "visit", "TB-230102", "ORG-230102", 3),
    (2020, "instruction", "LPC-230102", "TB-230102"),
]


def check_graph(g: nx.Graph) -> None:
    tb = g.nodes["TB-230102"]
    assert (tb["kind"], tb["level"], tb["region_code"], tb["side"], tb["name"]) == (
        "tax_bureau", "county", "230102", "bureau", "税务局230102",
    )  # fmt: skip
    visits = [d for u, v, d in g.edges(data=True) if (u, v) == ("TB-230102", "ORG-230102")]
    assert len(visits) == 1
    d = visits[0]
    assert (d["kind"], d["family"], int(d["count"]), int(d["count_2019"]), int(d["count_2020"])) == (
        "visit", "liaison", 5, 2, 3,
    )  # fmt: skip
    under = [d for u, v, d in g.edges(data=True) if (u, v) == ("BPC-230102", "TB-230102")]
    assert under and under[0]["relation"] == "UNDER"


def test_gexf_opens_with_networkx(store, world, tmp_path):
    world(store, ROWS)
    out = tmp_path / "g.gexf"
    nodes, edges = write_graph(store, out, "gexf")
    g = nx.read_gexf(out)
    assert g.number_of_nodes() == nodes and g.number_of_edges() == edges
    check_graph(g)
    assert "<gexf" in out.read_text(encoding="utf-8")[:300]


def test_graphml_and_json(store, world, tmp_path):
    world(store, ROWS)
    write_graph(store, tmp_path / "g.graphml", "graphml")
    check_graph(nx.read_graphml(tmp_path / "g.graphml"))
    write_graph(store, tmp_path / "g.json", "json")
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    check_graph(nx.node_link_graph(data, edges="links"))


def test_export_of_one_year_keeps_only_that_year(store, world, tmp_path):
    world(store, ROWS)
    write_graph(store, tmp_path / "g.gexf", "gexf", [2020])
    g = nx.read_gexf(tmp_path / "g.gexf")
    d = next(d for u, v, d in g.edges(data=True) if (u, v) == ("TB-230102", "ORG-230102"))
    assert int(d["count"]) == 3 and "count_2019" not in d
