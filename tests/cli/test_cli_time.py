"""``--as-of``, ``trend`` and periodic rules on the command line: the sample on both stores, and
mistakes explained with exit 2."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., Any]  # the ``run`` fixture of conftest.py
QUARTERLY = str(ROOT / "schema" / "expectations-quarterly.yaml")


def test_quarterly_rules_as_of_july(run: Run, sample_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIAOKUAI_EXPECTATIONS", QUARTERLY)
    rows = json.loads(run("gaps", "--as-of", "2020-07-15", "--format", "json", store=sample_location).stdout)
    behind = [r for r in rows if r["status"] == "behind"]
    assert len(behind) == 96 and {r["rule"] for r in behind} == {"report_to_local_committee"}
    qth = next(r for r in behind if r["unit_id"] == "TB-230900")
    assert (qth["missed"], qth["due"], qth["expected_by_now"]) == (["2020-Q1", "2020-Q2"], "2020-03-31", 2)
    table = run("gaps", "--as-of", "2020-07-15", "--status", "behind", "--level", "prefecture",
                store=sample_location).stdout  # fmt: skip
    assert "as of 2020-07-15" in table and "behind" in table and "2020-Q1,2020-Q2" in table
    out = run("gaps", "--as-of", "2020-07-15", "--format", "csv", store=sample_location).stdout
    header = next(csv.reader(io.StringIO(out)))
    assert header[-5:] == ["per", "missed", "status", "due", "expected_by_now"]
    cov = json.loads(
        run("coverage", "--as-of", "2020-07-15", "--format", "json", store=sample_location).stdout
    )
    assert (cov["as_of"], cov["met"], cov["on_track"], cov["behind"], cov["unmet"]) == (
        "2020-07-15", 571, 277, 96, 0)  # fmt: skip


def test_as_of_the_year_end_is_the_yearly_answer(run: Run, sample_location: str) -> None:
    yearly = json.loads(run("gaps", "--year", "2020", "--format", "json", store=sample_location).stdout)
    dated = json.loads(run("gaps", "--as-of", "2020-12-31", "--format", "json", store=sample_location).stdout)
    assert [
        {k: v for k, v in r.items() if k not in ("status", "due", "expected_by_now")} for r in dated
    ] == yearly
    assert {r["status"] for r in dated} == {"unmet"}
    cov = run("coverage", "--as-of", "2020-12-31", store=sample_location).stdout
    assert "808 of 944 requirements met so far" in cov and "136 unmet" in cov


def test_trend(run: Run, sample_location: str) -> None:
    data = json.loads(run("trend", "--from", "2020-01", "--to", "2020-12", "--by", "quarter", "--format", "json",
                          store=sample_location).stdout)  # fmt: skip
    assert [(p["period"], round(p["coverage"], 3)) for p in data["periods"]] == [
        ("2020-Q1", 0.518), ("2020-Q2", 0.688), ("2020-Q3", 0.787), ("2020-Q4", 0.856)]  # fmt: skip
    out = run("trend", "--by", "year", "--format", "csv", store=sample_location).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["period"] for r in rows if r["dimension"] == "all"] == ["2019", "2020", "2021"]
    assert {r["dimension"] for r in rows} == {"all", "level", "rule", "region"}
    timeline = run("trend", "--unit", "TB-230110", "--by", "quarter", store=sample_location).stdout
    assert "PROP-230110" in timeline and "2019-Q1 to 2021-Q4" in timeline
    series = json.loads(run("trend", "--unit", "TB-230110", "--counterpart", "PROP-230110", "--by", "year",
                            "--format", "json", store=sample_location).stdout)  # fmt: skip
    assert [p["count"] for p in series["counterparts"][0]["points"]] == [7, 0, 1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gaps"], "Missing option '--year'"),
        (["coverage"], "Missing option '--year'"),
        (["gaps", "--year", "2020", "--status", "behind"], "--status needs --as-of"),
        (["gaps", "--as-of", "2020-13-01"], "is not a date"),
        (["gaps", "--as-of", "2020-07-15", "--write"], "does not take --as-of"),
        (["trend", "--from", "2021-01", "--to", "2020-01"], "--to is before --from"),
        (["trend", "--from", "2021-1x"], "is not a month"),
        (["trend", "--counterpart", "X"], "--counterpart needs --unit"),
        (["analyse", "--year", "2020", "--dormant-factor", "0"], "--dormant-factor"),
    ],
)
def test_mistakes_are_explained(run: Run, tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*args, store=str(tmp_path / "g.tkg"), check=False)
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_report_as_of(run: Run, sample_location: str, tmp_path: Path) -> None:
    out = tmp_path / "monitor.html"
    result = run("report", "--as-of", "2020-07-15", "--out", str(out), store=sample_location)
    assert "as of 2020-07-15: 0 requirements behind" in result.stderr
    assert "截至 2020-07-15 的进度" in out.read_text(encoding="utf-8")
