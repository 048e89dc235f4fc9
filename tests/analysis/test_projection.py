"""The bureau-collapsed views of a projection, on both stores."""

from __future__ import annotations

import pytest

from graph.analysis import bureau_of, collapse, graph_years, line_pairs, project_years, tie_graph, year_count
from graph.analysis.views import check_years

ROWS = [
    (2019, "visit", "PB-230102-01", "PROP-230102", 2),
    (2020, "thematic_report", "BPC-230102", "LPC-230102", 3),
    (2020, "ad_hoc_report", "TB-230102", "LPC-230102"),
    (2020, "instruction", "LPC-230102", "TB-230102"),
    (2020, "thematic_report", "PB-230102-01", "BPC-230102"),  # inside one bureau side
    (2020, "thematic_report", "BPC-230102", "BPC-230100"),  # up the line: a tax-side tie
]


def test_bureau_side_collapses_to_the_bureau(store, world):
    g = project_years(world(store, ROWS), [2019, 2020])
    side = bureau_of(g)
    assert side["PB-230102-01"] == side["BPC-230102"] == side["TB-230102"] == "TB-230102"
    assert "LPC-230102" not in side
    h = collapse(g, 2020)
    assert "BPC-230102" not in h and "PB-230102-01" not in h
    e = h.edges["TB-230102", "LPC-230102"]
    assert (e["count"], e["tie"], e["by_family"], e["by_kind"]) == (
        4, "horizontal", {"reporting": 4}, {"thematic_report": 3, "ad_hoc_report": 1},
    )  # fmt: skip
    assert h.edges["LPC-230102", "TB-230102"]["count"] == 1
    assert h.edges["TB-230102", "TB-230100"]["tie"] == "tax"
    assert not h.has_edge("TB-230102", "TB-230102")  # the branch's report to its own committee is gone
    assert not h.has_edge("TB-230102", "PROP-230102")  # a 2019 link is not in 2020
    assert collapse(g, 2019).edges["TB-230102", "PROP-230102"]["count"] == 2
    assert collapse(g, None).number_of_edges() == 4


def test_line_pairs_and_tie_graph(store, world):
    g = project_years(world(store, ROWS), [2020])
    pairs = line_pairs(g)
    assert ("TB-230102", "TB-230100") in pairs and ("TB-230100", "TB-230000") in pairs
    assert ("ORG-230102", "LPC-230102") in pairs and ("LPC-230102", "LPC-230100") in pairs
    assert not any(a.startswith(("BPC", "PB")) or b.startswith(("BPC", "PB")) for a, b in pairs)
    # 5 bureau line ties + 6 regions x 3 departments + 5 committee line ties
    assert len(pairs) == 5 + 18 + 5
    t = tie_graph(g, 2020)
    assert t.edges["TB-230102", "LPC-230102"] == {"line": False, "count": 5, "tie": "horizontal"}
    assert t.edges["TB-230102", "TB-230100"] == {"line": True, "count": 1, "tie": "tax"}
    assert tie_graph(g, 2020, structure=False).number_of_edges() == 2


def test_years_are_checked(store, world):
    g = project_years(world(store, ROWS), [2020])
    assert graph_years(g) == [2020]
    check_years(g, [2020])
    with pytest.raises(ValueError, match="2019"):
        check_years(g, [2019, 2020])
    assert year_count({"count": 4, "count_2020": 4}, 2019) == 0
