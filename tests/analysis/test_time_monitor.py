"""The monitoring view of a date (graph.analysis.monitor) and its charts, on the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from graph import rules
from graph.analysis import timing
from graph.analysis.monitor import monitoring
from graph.report import timecharts
from graph.store import Store

QUARTERLY = rules.load_rules(Path(__file__).resolve().parents[2] / "schema" / "expectations-quarterly.yaml")
PNG = b"\x89PNG\r\n\x1a\n"


def test_monitoring_as_of_july(sample_store: Store) -> None:
    as_of = dt.date(2020, 7, 15)
    m = monitoring(sample_store, as_of, rules=QUARTERLY)
    reqs = rules.evaluate(sample_store, 2020, QUARTERLY, as_of=as_of)
    assert m["totals"]["behind"] == m["behind"] == sum(r.status == "behind" for r in reqs) == 96
    assert m["dormant"] == len(timing.dormant(sample_store, as_of))
    first = m["prefectures"][0]
    assert first["province"] and first["region_code"] == "230000"
    assert {g["status"] for p in m["prefectures"] for g in p["behind"]} == {"behind"}
    assert sum(p["counts"]["behind"] for p in m["prefectures"]) == 96
    # months: this year's up to July (July only up to the 15th), every month of last year
    assert len(m["months"]["counts"]) == 7 and len(m["months"]["previous"]) == 12
    assert sum(m["months"]["counts"]) == sum(r.observed for r in reqs)
    grid = m["status_grid"]
    assert grid["columns"] == [r.id for r in QUARTERLY] and len(grid["rows"]) == 14
    assert sum(c["behind"] for row in grid["cells"] for c in row if c) == 96
    for png in (
        timecharts.months_png(2020, m["months"]["counts"], m["months"]["previous"]),
        timecharts.status_grid_png(grid["rows"], grid["columns"], grid["cells"]),
        timecharts.congruence_png(m["congruence"]),
    ):
        assert png.startswith(PNG) and len(png) > 5000
