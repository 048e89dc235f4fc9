"""The monitoring view of a date (graph.analysis.monitor) and its charts, on the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

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


def test_report_as_of_leads_with_the_standing(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.report import write_report

    monkeypatch.setenv("TIAOKUAI_EXPECTATIONS", str(Path(__file__).resolve().parents[2] / "schema" /
                                                     "expectations-quarterly.yaml"))  # fmt: skip
    out = tmp_path / "monitor.html"
    info = write_report(sample_store, 2020, out, as_of=dt.date(2020, 7, 15))
    assert (info["behind"], info["dormant"]) == (96, len(timing.dormant(sample_store, dt.date(2020, 7, 15))))
    page = out.read_text(encoding="utf-8")
    lead = page.index("截至 2020-07-15 的进度")
    assert lead < page.index("一、")  # the standing comes first
    assert page.count("<img") >= 7 and "逐月横向联系" in page and "沉寂的联系" in page
    assert "2020-Q1、2020-Q2" in page  # Qitaihe's missed quarters
    english = write_report(sample_store, 2020, tmp_path / "en.html", lang="en", as_of=dt.date(2020, 7, 15))
    assert english["behind"] == 96
    assert "Standing as of 2020-07-15" in (tmp_path / "en.html").read_text(encoding="utf-8")
    plain = write_report(sample_store, 2020, tmp_path / "plain.html")
    assert plain["behind"] is None and "的进度" not in (tmp_path / "plain.html").read_text(encoding="utf-8")
