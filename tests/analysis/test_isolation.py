"""Isolated bureaus and bureaus far below their peers (robust z-score), on both stores."""

from __future__ import annotations

import math
import statistics

import pytest

from graph.analysis import below_peers, horizontal_activity, isolated, peer_scores, project_years, robust_z

# county bureaus: 20, 22, 18 and 0 horizontal links; the prefecture and province bureaus have some
COUNTS = {"230102": 20, "230103": 22, "230104": 18, "230105": 0}
ROWS = [(2020, "visit", f"TB-{c}", f"ORG-{c}", n) for c, n in COUNTS.items() if n] + [
    (2020, "ad_hoc_report", "TB-230100", "LPC-230100", 5),
    (2020, "coordination_visit", "TB-230000", "LPC-230100", 2),
    (2020, "cadre_exchange", "TB-230105", "TB-230100", 3),  # vertical: does not count
]


def expected_z(values, x):
    med = statistics.median(values)
    mad = statistics.median([abs(v - med) for v in values])
    return (x - med) / (1.4826 * mad)


def test_isolated_bureaus(store, world):
    g = project_years(world(store, ROWS), [2020])
    assert isolated(g, 2020) == [{"bureau_id": "TB-230105", "name": "税务局230105", "level": "county",
                                  "region_code": "230105"}]  # fmt: skip
    assert [r["bureau_id"] for r in isolated(g, 2020, levels=None)] == ["TB-230105"]
    activity = {r["bureau_id"]: (r["events"], r["partners"]) for r in horizontal_activity(g, 2020)}
    assert activity["TB-230102"] == (20, 1) and activity["TB-230000"] == (2, 1)


def test_peer_scores_robust_z(store, world):
    g = project_years(world(store, ROWS), [2020])
    logs = [math.log1p(n) for n in COUNTS.values()]
    rows = {r["bureau_id"]: r for r in peer_scores(g, 2020)}
    for code, n in COUNTS.items():
        assert rows[f"TB-{code}"]["z"] == pytest.approx(expected_z(logs, math.log1p(n)))
        assert rows[f"TB-{code}"]["value"] == n and rows[f"TB-{code}"]["median"] == 19
    # alone at their level: nobody to compare with
    assert rows["TB-230000"]["z"] is None and rows["TB-230100"]["z"] is None
    raw = {r["bureau_id"]: r["z"] for r in peer_scores(g, 2020, measure="events")}
    assert raw["TB-230105"] == pytest.approx(expected_z(list(COUNTS.values()), 0))
    # order: furthest behind first, unscored last
    assert [r["bureau_id"] for r in peer_scores(g, 2020)][0] == "TB-230105"
    assert [r["z"] for r in peer_scores(g, 2020)][-2:] == [None, None]
    with pytest.raises(ValueError, match="measure"):
        peer_scores(g, 2020, measure="nonsense")


def test_below_peers_flags_only_the_far_ones(store, world):
    g = project_years(world(store, ROWS), [2020])
    flagged = below_peers(g, 2020)
    assert [r["bureau_id"] for r in flagged] == ["TB-230105"]
    z = flagged[0]["z"]
    assert z < -2
    assert below_peers(g, 2020, threshold=-z + 0.01) == []
    # the raw count flags it too here (the counties are close together, so the MAD is small)
    assert below_peers(g, 2020, measure="events", threshold=2.0)[0]["bureau_id"] == "TB-230105"


def test_robust_z_fallbacks():
    assert robust_z([]) == []
    assert robust_z([4, 4, 4]) == [0.0, 0.0, 0.0]
    # MAD is 0 (most values equal): mean absolute deviation scaled by sqrt(pi/2)
    zs = robust_z([5, 5, 5, 5, 1])
    assert zs[-1] == pytest.approx(-4 / (1.2533 * 0.8))
    assert zs[:4] == [0.0] * 4
