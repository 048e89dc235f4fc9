"""Many vertical systems (issue 20), as users meet them at the command line, on both stores.

* ``sample --system all`` loads on each store; coverage JSON carries the three systems in
  ``by_system``, and the answers (coverage, gaps, stats by system, the cross-system view) are the
  same on both stores;
* a fourth system added from one YAML file in a temporary folder (``TIAOKUAI_SYSTEMS_DIR``, no
  code change) loads ledgers and gets coverage and gaps;
* malformed system files are refused with file, line and reason, exit status 2, no traceback;
* a unit's level must exist in its line (customs has no prefecture tier).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from graph.store.cypher import CLEAR_DATABASE
from graph.synthetic.sample import write_sample
from graph.synthetic.systems_sample import CUSTOMS_PORTS

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]
Run = Callable[..., Any]


def _location(kind: str, request: pytest.FixtureRequest, folder: Path) -> str:
    """An empty store of ``kind`` (as tests/cli/conftest.py makes them), as a --store value."""
    if kind == "embedded":
        return str(folder / "graph.tkg")
    from neo4j import GraphDatabase

    uri: str = request.getfixturevalue("neo4j_uri")
    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    with (
        GraphDatabase.driver(uri, auth=auth) as driver,
        driver.session(database=os.environ.get("NEO4J_DATABASE") or "neo4j") as session,
    ):
        session.run(CLEAR_DATABASE).consume()
    return uri


SYSTEMS = ["customs", "meteorology", "tax"]


@pytest.fixture(scope="module")
def all_folder(tmp_path_factory: pytest.TempPathFactory, run: Run) -> Path:
    folder = tmp_path_factory.mktemp("all") / "ledgers"
    run("sample", "--system", "all", "--out", str(folder))
    return folder


@pytest.fixture(scope="module", params=STORE_KINDS)
def all_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, run: Run, all_folder: Path
) -> str:
    location = _location(request.param, request, tmp_path_factory.mktemp("store"))
    run("load", str(all_folder), store=location)
    return location


def answers(run: Run, location: str) -> dict[str, object]:
    """What a user asks of a store holding several systems, as JSON."""
    out: dict[str, object] = {}
    out["coverage"] = json.loads(run("coverage", "--year", "2020", "--format", "json", store=location).stdout)
    for system in SYSTEMS:
        out[f"gaps {system}"] = json.loads(
            run("gaps", "--year", "2020", "--system", system, "--format", "json", store=location).stdout
        )
        out[f"stats {system}"] = json.loads(
            run("stats", "--year", "2020", "--system", system, "--format", "json", store=location).stdout
        )
    out["by system"] = json.loads(
        run("coverage", "--year", "2020", "--region", "231000", "--by", "system", "--format", "json",
            store=location).stdout
    )  # fmt: skip
    return out


def test_sample_all_loads_and_coverage_carries_three_systems(run: Run, all_location: str) -> None:
    found = answers(run, all_location)
    cov = found["coverage"]
    assert isinstance(cov, dict)
    assert [r["system"] for r in cov["by_system"]] == SYSTEMS
    assert [r["name"] for r in cov["by_system"]] == ["海关系统", "气象系统", "税务系统"]
    assert all(0 < r["met"] < r["expected"] for r in cov["by_system"]), "plausible: contact and gaps"
    assert sum(r["expected"] for r in cov["by_system"]) == cov["expected"]
    tax = next(r for r in cov["by_system"] if r["system"] == "tax")
    gaps_tax = found["gaps tax"]
    assert isinstance(gaps_tax, list) and len(gaps_tax) == tax["expected"] - tax["met"]
    assert {g["unit_id"][:3] for g in gaps_tax} <= {"TB-"}
    customs_gaps = found["gaps customs"]
    assert isinstance(customs_gaps, list) and customs_gaps
    assert {g["unit_id"].split("-")[0] for g in customs_gaps} == {"CUS"}
    # Mudanjiang's area: tax bureaus, meteorological bureaus and the customs at Suifenhe, Dongning …
    view = found["by system"]
    assert isinstance(view, dict)
    assert [r["system"] for r in view["by_system"]] == SYSTEMS
    assert {"CUS-231081", "CUS-231086", "MB-231000", "TB-231000"} <= {u["unit_id"] for u in view["units"]}
    stats_customs = found["stats customs"]
    assert isinstance(stats_customs, dict) and stats_customs["units"] == len(CUSTOMS_PORTS) + 3


@pytest.mark.neo4j
def test_answers_are_identical_on_both_stores(
    run: Run, all_folder: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    embedded = _location("embedded", request, tmp_path)
    neo4j = _location("neo4j", request, tmp_path)
    for location in (embedded, neo4j):
        run("load", str(all_folder), store=location)
    assert answers(run, embedded) == answers(run, neo4j)


def test_customs_counterparts_come_from_the_port_not_a_tier(run: Run, all_location: str) -> None:
    """A subordinate customs sits under Harbin Customs directly, yet its counterparts are the
    committee and departments of the county-level city it sits in (Suifenhe), not of a prefecture."""
    gaps = json.loads(
        run("gaps", "--year", "2019", "--system", "customs", "--format", "json", store=all_location).stdout
    )
    gaps += json.loads(
        run("gaps", "--year", "2020", "--system", "customs", "--format", "json", store=all_location).stdout
    )
    cps = {g["counterpart_id"] for g in gaps if g["unit_id"].startswith("CUS-2310")}
    assert cps and all(cp is None or cp.split("-")[1] in {"231081", "231086", "231002"} for cp in cps)
    lower = [g for g in gaps if g["rule"] == "customs_coordinate_lower_localities"]
    assert all(g["unit_id"] == "CUS-230000" for g in lower)


def test_tax_sample_is_unchanged_by_the_option(tmp_path: Path, run: Run) -> None:
    run("sample", "--system", "tax", "--out", str(tmp_path / "a"))
    paths = write_sample(tmp_path / "b")
    for p in paths:
        assert (tmp_path / "a" / p.name).read_bytes() == p.read_bytes()
    assert sorted(x.name for x in (tmp_path / "a").iterdir()) == sorted(p.name for p in paths)


FOURTH = """\
# a statistics survey team system (国家统计局调查总队 → 调查队), declared without code
id: statistics
name: 统计调查系统
name_en: Statistics survey
unit_kinds:
  survey_team:
    zh: 调查队
    label: SurveyTeam
    levels: [provincial, prefecture, county]
    aliases: [调查总队, 调查队]
link_kinds:
  survey_briefing:
    family: reporting
    zh: 调查数据通报
    mechanism: reporting_interconnection
rules:
  - id: statistics_report_to_local_committee
    zh: 调查队向所在地党委报告工作
    family: reporting
    links: [survey_briefing, comprehensive_report]
    counterpart: [local_party_committee]
    direction: outgoing
    min: 1
    applies_to: {kind: survey_team, levels: [provincial, prefecture, county]}
  - id: statistics_liaison_organs_work_committee
    family: liaison
    links: [liaison]
    counterpart: [organs_work_committee]
    direction: either
    min: 2
    applies_to: {kind: survey_team, levels: [prefecture, county]}
"""

FOURTH_LEDGERS = {
    "regions.csv": "code,name,level,parent_code\n230000,黑龙江省,province,\n230100,哈尔滨市,prefecture,230000\n"
    "230102,道里区,county,230100\n",
    "units.csv": "编号,名称,类型,级别,区划代码,上级编号,系统\n"
    "LPC-230000,中共黑龙江省委员会,省委,省,230000,,\n"
    "LPC-230100,中共哈尔滨市委员会,市委,市,230100,LPC-230000,\n"
    "OWC-230100,中共哈尔滨市委市直机关工委,机关工委,市,230100,LPC-230100,\n"
    "LPC-230102,中共哈尔滨市道里区委员会,区委,县,230102,LPC-230100,\n"
    "ST-230000,国家统计局黑龙江调查总队,调查总队,省,230000,,统计调查系统\n"
    "ST-230100,国家统计局哈尔滨调查队,调查队,市,230100,ST-230000,statistics\n"
    "ST-230102,国家统计局道里调查队,调查队,县,230102,ST-230100,\n"
    "TB-230100,国家税务总局哈尔滨市税务局,税务局,市,230100,,\n",
    "links.csv": "日期,类型,发起单位,对象单位,次数\n"
    "2020-03-02,调查数据通报,ST-230000,LPC-230000,1\n"
    "2020-04-01,走访,ST-230100,OWC-230100,1\n"
    "2020-05-01,信息交换,OWC-230100,ST-230100,1\n"
    "2020-06-01,全面报,ST-230102,LPC-230102,1\n",
}


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_a_fourth_system_from_a_file(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems = tmp_path / "systems"
    systems.mkdir()
    (systems / "statistics.yaml").write_text(FOURTH, encoding="utf-8")
    monkeypatch.setenv("TIAOKUAI_SYSTEMS_DIR", str(systems))
    ledgers = tmp_path / "ledgers"
    ledgers.mkdir()
    for name, text in FOURTH_LEDGERS.items():
        (ledgers / name).write_text(text, encoding="utf-8")
    location = _location(kind, request, tmp_path)
    run("load", str(ledgers), store=location)

    cov = json.loads(run("coverage", "--year", "2020", "--format", "json", store=location).stdout)
    statistics = next(r for r in cov["by_system"] if r["system"] == "statistics")
    # 3 teams should report: the provincial and Daoli teams did, Harbin's did not; 2 teams should
    # liaise with an organs work committee twice: Harbin's did (met), Daoli's has none in the data
    assert (statistics["expected"], statistics["met"], statistics["name"]) == (5, 3, "统计调查系统")
    gaps = json.loads(
        run("gaps", "--year", "2020", "--system", "statistics", "--format", "json", store=location).stdout
    )
    assert gaps == [
        {"unit_id": "ST-230100", "rule": "statistics_report_to_local_committee", "family": "reporting",
         "counterpart_kind": "local_party_committee", "counterpart_id": "LPC-230100", "required": 1,
         "observed": 0},
        {"unit_id": "ST-230102", "rule": "statistics_liaison_organs_work_committee", "family": "liaison",
         "counterpart_kind": "organs_work_committee", "counterpart_id": None, "required": 2, "observed": 0}
    ]  # fmt: skip
    only = json.loads(
        run("coverage", "--year", "2020", "--system", "statistics", "--format", "json", store=location).stdout
    )
    assert [r["system"] for r in only["by_system"]] == ["statistics"]
    assert [r["rule"] for r in only["by_rule"]] == [
        "statistics_report_to_local_committee",
        "statistics_liaison_organs_work_committee",
    ]


def test_a_level_outside_the_line_is_refused(tmp_path: Path, run: Run) -> None:
    (tmp_path / "u.csv").write_text(
        "id,name,kind,level,region_code,parent_id,system\n"
        "CUS-231000,牡丹江海关,customs_office,prefecture,231000,,customs\n"
        "TB-231000,税务局,tax_bureau,prefecture,231000,,customs\n",
        encoding="utf-8",
    )
    (tmp_path / "r.csv").write_text(
        "code,name,level,parent_code\n230000,黑龙江省,province,\n231000,牡丹江市,prefecture,230000\n",
        encoding="utf-8",
    )
    result = run("load", str(tmp_path), store=str(tmp_path / "g.tkg"), check=False)
    assert result.returncode == 1
    assert "u.csv:2: level: a customs_office (海关系统) has no prefecture level in its line" in result.stderr
    assert "u.csv:3: system: a tax_bureau belongs to the tax system, not customs" in result.stderr
    assert "Traceback" not in result.stderr


BROKEN = [
    ("id: x\n  name: [unclosed\n", 2, "not valid YAML"),
    ("id: other\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind: {zh: 甲, label: AKind}\n", 1,
     "must match the file name"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind:\n    zh: 甲\n    label: AKind\n"
     "link_kinds:\n  a_link: {family: gossip, zh: 乙, mechanism: joint_research}\n", 9, "unknown family gossip"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  tax_bureau: {zh: 甲, label: AKind}\n", 5,
     "unit kind tax_bureau is already declared by tax.yaml"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind: {zh: 甲, label: AKind, levels: [village]}\n",
     5, "unknown level village"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind: {zh: 甲, label: AKind}\nrules:\n"
     "  - id: r1\n    family: liaison\n    links: [visit]\n    counterpart: [organs_work_committee]\n"
     "    applies_to: {kind: tax_bureau, levels: [county]}\n", 7,
     "applies_to kind tax_bureau is not one of this system's unit kinds"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind: {zh: 甲, label: AKind}\nrules:\n"
     "  - id: r1\n    family: liaison\n    links: [visit]\n    counterpart: [organs_work_committee]\n"
     "    applies_to: {kind: a_kind, levels: [county]}\n    direction: sideways\n", 7,
     "unknown direction sideways"),
    ("id: broken\nname: 甲\nname_en: A\nunit_kinds:\n  a_kind: {zh: 甲, label: AKind, colour: red}\n", 5,
     "unknown key 'colour'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "reason"), BROKEN)
def test_malformed_system_files_are_refused_with_file_line_reason(
    text: str, line: int, reason: str, tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    systems = tmp_path / "systems"
    systems.mkdir()
    path = systems / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("TIAOKUAI_SYSTEMS_DIR", str(systems))
    result = run("coverage", "--year", "2020", store=str(tmp_path / "g.tkg"), check=False)
    assert result.returncode == 2, result.stderr
    assert f"{path}:{line}: " in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_report_section_for_the_organs_work_committee(run: Run, all_location: str, tmp_path: Path) -> None:
    """Mudanjiang's report lists, per system, the units in its area that did not report or liaise."""
    out = tmp_path / "r.html"
    run("report", "--year", "2020", "--region", "231000", "--out", str(out), store=all_location)
    page = out.read_text(encoding="utf-8")
    assert "九、本地区各垂直管理系统单位的报告与联络情况" in page
    section = page[page.index("九、") : page.index("说明")]
    for name in ("税务系统", "气象系统", "海关系统"):
        assert name in section
    gaps = json.loads(
        run("gaps", "--year", "2020", "--region", "231000", "--format", "json", store=all_location).stdout
    )
    silent_report = {g["unit_id"] for g in gaps if g["family"] == "reporting"}
    names = {u["unit_id"]: u["name"] for u in json.loads(
        run("coverage", "--year", "2020", "--region", "231000", "--by", "system", "--format", "json",
            store=all_location).stdout)["units"]}  # fmt: skip
    for uid in silent_report:
        assert names[uid] in section, uid
    assert "未报告" in section


def test_no_section_for_one_system(run: Run, tmp_path: Path) -> None:
    run("sample", "--out", str(tmp_path / "tax"))
    store = str(tmp_path / "tax.tkg")
    run("load", str(tmp_path / "tax"), store=store)
    run("report", "--year", "2020", "--region", "231000", "--out", str(tmp_path / "r.html"), store=store)
    assert "九、" not in (tmp_path / "r.html").read_text(encoding="utf-8")
    cov = json.loads(run("coverage", "--year", "2020", "--format", "json", store=store).stdout)
    assert "by_system" not in cov  # the contract's shape of a tax-only store, as before


def test_analyse_and_report_by_system(run: Run, all_location: str, tmp_path: Path) -> None:
    """``--system`` narrows the rules, so the gaps an analysis or a report lists are that system's."""
    found = json.loads(
        run(
            "analyse", "--year", "2020", "--system", "meteorology", "--format", "json", store=all_location
        ).stdout
    )
    assert found["gaps"] and {g["unit_id"].split("-")[0] for g in found["gaps"]} == {"MB"}
    out = tmp_path / "met.html"
    run("report", "--year", "2020", "--system", "meteorology", "--out", str(out), store=all_location)
    rows = (tmp_path / "met-gaps.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) > 1 and all("气象局" in row for row in rows[1:])
    unknown = run("analyse", "--year", "2020", "--system", "post", store=all_location, check=False)
    assert unknown.returncode == 2 and "unknown system 'post'" in unknown.stderr
