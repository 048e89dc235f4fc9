"""The command line as users and scripts see it (contract section 3), on both stores."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.cli.analysis import SECTIONS_ZH

EXPECTATIONS = Path(__file__).resolve().parents[2] / "schema" / "expectations.yaml"

CASE_STUDY_2020 = {
    # figure: (family or kind, measure, value) as ../shared/domain.md maps them
    "reports": 651,
    "instruction": 117,
    "meeting_attendance": 374,
    "visit": 996,
    "party_school_training_participants": 1175,
    "secondment_participants": 38,
    "recommendation_participants": 253,
}


def test_sample_reproduces_the_case_study_figures(sample_location, run):
    data = json.loads(run("stats", "--year", "2020", "--format", "json", store=sample_location).stdout)
    kinds = data["by_kind"]
    reports = sum(kinds[k]["count"] for k in ("comprehensive_report", "thematic_report", "ad_hoc_report"))
    assert reports == CASE_STUDY_2020["reports"]
    assert kinds["instruction"]["count"] == CASE_STUDY_2020["instruction"]
    assert kinds["meeting_attendance"]["count"] == CASE_STUDY_2020["meeting_attendance"]
    assert kinds["visit"]["count"] == CASE_STUDY_2020["visit"]
    assert 380 <= kinds["coordination_visit"]["count"] <= 399
    assert (
        kinds["party_school_training"]["participants"]
        == CASE_STUDY_2020["party_school_training_participants"]
    )
    assert kinds["secondment"]["participants"] == CASE_STUDY_2020["secondment_participants"]
    assert kinds["recommendation"]["participants"] == CASE_STUDY_2020["recommendation_participants"]
    data2021 = json.loads(run("stats", "--year", "2021", "--format", "json", store=sample_location).stdout)
    joint = kinds["joint_research"]["count"] + data2021["by_kind"]["joint_research"]["count"]
    assert joint == 6
    assert set(data) == {"year", "units", "links", "by_family", "by_kind"}
    assert data["links"] > 0 and data["units"] > 135 * 3
    assert sum(f["count"] for f in data["by_family"].values()) == sum(k["count"] for k in kinds.values())


def test_sample_coverage_is_realistic(sample_location, run):
    cov = json.loads(run("coverage", "--year", "2020", "--format", "json", store=sample_location).stdout)
    assert set(cov) == {"year", "expected", "met", "ratio", "by_level", "by_rule", "by_region", "units"}
    assert cov["expected"] == 135 * 6 + 13 + 121
    assert 0.70 <= cov["ratio"] <= 0.98
    rules = {r["rule"]: r["ratio"] for r in cov["by_rule"]}
    assert rules["report_to_local_committee"] > rules["liaison_propaganda_department"]
    assert {r["region_code"] for r in cov["by_region"]} >= {"230000", "230100", "232700"}
    assert len(cov["units"]) == 135
    assert {"unit_id", "expected", "met", "ratio"} <= set(cov["units"][0])


def test_gaps_json_shape_and_order(sample_location, run):
    rows = json.loads(run("gaps", "--year", "2020", "--format", "json", store=sample_location).stdout)
    assert rows, "the sample leaves realistic gaps"
    keys = ["unit_id", "rule", "family", "counterpart_kind", "counterpart_id", "required", "observed"]
    assert all(list(r) == keys for r in rows)
    order = [(r["unit_id"], r["rule"], r["counterpart_id"] or "") for r in rows]
    assert order == sorted(order)
    assert all(r["observed"] < r["required"] for r in rows)
    cov = json.loads(run("coverage", "--year", "2020", "--format", "json", store=sample_location).stdout)
    assert len(rows) == cov["expected"] - cov["met"]


def test_filters_narrow_consistently(sample_location, run):
    def gaps(*args: str) -> list[dict]:
        return json.loads(
            run("gaps", "--year", "2020", "--format", "json", *args, store=sample_location).stdout
        )

    everything = gaps()
    county = gaps("--level", "county")
    harbin = gaps("--region", "230100")
    rule = gaps("--rule", "liaison_propaganda_department")
    assert county and all(g["unit_id"].startswith("TB-") for g in county)
    assert {g["unit_id"] for g in harbin} <= {f"TB-2301{s}" for s in [f"{i:02d}" for i in range(100)]}
    assert rule and {g["rule"] for g in rule} == {"liaison_propaganda_department"}
    assert len(county) < len(everything) and len(harbin) < len(everything)
    cov = json.loads(
        run(
            "coverage", "--year", "2020", "--region", "230100", "--format", "json", store=sample_location
        ).stdout
    )
    assert [r["region_code"] for r in cov["by_region"]] == ["230100"]
    assert cov["expected"] - cov["met"] == len(harbin)


def test_csv_and_table_formats(sample_location, run):
    out = run("gaps", "--year", "2020", "--format", "csv", store=sample_location).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and list(rows[0]) == [
        "unit_id", "rule", "family", "counterpart_kind", "counterpart_id", "required", "observed",
    ]  # fmt: skip
    table = run("coverage", "--year", "2020", store=sample_location).stdout
    assert "Coverage 2020" in table and "哈尔滨市" in table and "向本级地方党委报告工作" in table
    gaps_table = run("gaps", "--year", "2020", "--level", "county", store=sample_location).stdout
    assert "税务局" in gaps_table


def _section(text: str, title: str) -> list[str]:
    """The lines of the table titled ``title`` in a text report (up to the next blank line)."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


@pytest.mark.parametrize("as_of", [None, "2020-06-30"])
def test_coverage_table_names_rules_chinese_first_english_beside(sample_location, run, as_of):
    """The "By rule" table names each rule as the expectations file does, not by its id."""
    import yaml

    when = ["--as-of", as_of] if as_of else ["--year", "2020"]
    spec = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    names = {r["id"]: (r["zh"], r["en"]) for r in spec["rules"]}
    cov = json.loads(run("coverage", *when, "--format", "json", store=sample_location).stdout)
    table = _section(run("coverage", *when, store=sample_location).stdout, "按规则 By rule")
    assert table[0].split()[:2] == ["规则", "rule"]
    rows = table[1:]
    assert len(rows) == len(cov["by_rule"]) == len(names)
    for row, figures in zip(rows, cov["by_rule"], strict=True):
        zh, en = names[figures["rule"]]
        assert row.startswith(zh + " ") and row.split(zh, 1)[1].strip().startswith(en + " "), row
        assert figures["rule"] not in row
        cells = row.split(en, 1)[1].split()
        assert cells[:2] == [str(figures["expected"]), str(figures["met"])], row
        assert cells[-1] == f"{figures['ratio']:.1%}", row


def test_tables_are_chinese_first_english_beside(sample_location, run):
    """Offices read the tables: titles and headings in Chinese with the English beside, and rules
    named by their short Chinese names where a table has a column per rule or a row per gap."""
    import yaml

    spec = yaml.safe_load(EXPECTATIONS.read_text(encoding="utf-8"))
    short = {r["id"]: r["zh_short"] for r in spec["rules"]}
    cov = run("coverage", "--year", "2020", store=sample_location).stdout
    first = cov.splitlines()[0]
    assert first.startswith("2020年覆盖率 ") and "Coverage 2020:" in first, first
    assert _section(cov, "按层级 By level")[0].split() == [
        "层级",
        "level",
        "应有",
        "expected",
        "已达",
        "met",
        "比例",
        "ratio",
    ]
    gaps = run(
        "gaps", "--year", "2020", "--level", "prefecture", "--format", "json", store=sample_location
    ).stdout
    found = json.loads(gaps)
    table = run("gaps", "--year", "2020", "--level", "prefecture", store=sample_location).stdout.splitlines()
    assert table[0].startswith(f"2020年缺口 {len(found)} 项 · Gaps 2020:"), table[0]
    assert table[2].split()[:4] == ["单位", "unit", "名称", "规则"]
    for row, gap in zip(table[3:], found, strict=True):
        assert row.split()[:3] == [gap["unit_id"], row.split()[1], short[gap["rule"]]], row
    trend = run("trend", "--by", "year", store=sample_location).stdout
    heads = _section(trend, "各规则累计覆盖率 Coverage to date by rule")[0].split()
    assert heads == ["期间", "period", *short.values()]
    # analyse: every section's title begins with its Chinese name, its headings Chinese first
    report = json.loads(run("analyse", "--year", "2020", "--format", "json", store=sample_location).stdout)
    lines = run("analyse", "--year", "2020", store=sample_location).stdout.splitlines()
    assert lines[0].startswith("网络分析 Network analysis 2020"), lines[0]
    for key, zh in SECTIONS_ZH.items():
        assert sum(line.startswith(f"{zh} {key}: ") for line in lines) == 1, key
    gaps_title = next(i for i, line in enumerate(lines) if line.startswith("缺口 gaps: "))
    gaps_head = lines[gaps_title + 1].split()
    assert gaps_head[:4] == ["单位", "unit", "名称", "规则"]
    assert lines[gaps_title].startswith(f"缺口 gaps: {len(report['gaps'])} expected contacts missing")


def test_unknown_rule_is_a_clear_usage_error(sample_location, run):
    result = run("gaps", "--year", "2020", "--rule", "nope", store=sample_location, check=False)
    assert result.returncode == 2
    assert "unknown rule 'nope'" in result.stderr and "report_to_local_committee" in result.stderr
    assert "Traceback" not in result.stderr


def test_year_without_links_gives_zero_met(sample_location, run):
    cov = json.loads(run("coverage", "--year", "1999", "--format", "json", store=sample_location).stdout)
    assert cov["met"] == 0 and cov["expected"] == 944
    stats = json.loads(run("stats", "--year", "1999", "--format", "json", store=sample_location).stdout)
    assert stats["links"] == 0 and stats["by_kind"] == {} and stats["by_family"] == {}


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_formats_read_back_with_networkx(sample_location, run, tmp_path: Path, fmt: str):
    import networkx as nx

    out = tmp_path / f"g.{fmt}"
    run("export", "--format", fmt, "--out", str(out), "--year", "2020", store=sample_location)
    if fmt == "graphml":
        g = nx.read_graphml(out)
    elif fmt == "gexf":
        g = nx.read_gexf(out)
    else:
        g = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="links")
    assert g.nodes["TB-230100"]["kind"] == "tax_bureau"
    assert g.nodes["TB-230100"]["level"] == "prefecture"
    assert g.nodes["TB-230100"]["region_code"] == "230100"
    visits = [d for _, _, d in g.edges(data=True) if d.get("kind") == "visit"]
    assert sum(int(d["count_2020"]) for d in visits) == CASE_STUDY_2020["visit"]


def test_entry_point_runs_as_a_console_command():
    result = subprocess.run(
        [str(Path(sys.executable).with_name("tiaokuai")), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("load", "stats", "coverage", "gaps", "export", "sample"):
        assert command in result.stdout


def test_sample_is_deterministic(tmp_path: Path, run):
    run("sample", "--out", str(tmp_path / "a"))
    run("sample", "--out", str(tmp_path / "b"))
    for f in sorted((tmp_path / "a").iterdir()):
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes()
