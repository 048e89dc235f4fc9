"""`tiaokuai load` at the surface: every validation error class, all at once, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REGIONS = "code,name,level,parent_code\n230000,黑龙江省,province,\n230100,哈尔滨市,prefecture,230000\n"
UNITS = (
    "id,name,kind,level,region_code,parent_id\n"
    "TB-230000,省局,tax_bureau,provincial,230000,\n"
    "TB-230100,市局,tax_bureau,prefecture,230100,TB-230000\n"
    "LPC-230100,市委,local_party_committee,prefecture,230100,\n"
    "ORG-230100,市委组织部,organization_department,prefecture,230100,LPC-230100\n"
)
LINKS = (
    "date,kind,source_id,target_id,count,participants,title\n"
    "2020-03-01,visit,TB-230100,ORG-230100,2,,走访组织部\n"
    "2020-04-01,comprehensive_report,TB-230100,LPC-230100,1,,全面报告\n"
)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def good(tmp_path: Path) -> Path:
    d = tmp_path / "good"
    write(d, "regions.csv", REGIONS)
    write(d, "units.csv", UNITS)
    write(d, "links.csv", LINKS)
    return d


def links_2020(run, location) -> int:
    return json.loads(run("stats", "--year", "2020", "--format", "json", store=location).stdout)["links"]


def test_load_then_reload_changes_nothing(good, location, run):
    first = run("load", str(good), store=location)
    assert "2 links (2 new)" in first.stderr
    again = run("load", str(good), store=location)
    assert "2 links (0 new)" in again.stderr
    assert links_2020(run, location) == 2


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("links.csv", LINKS + "2020-05-01,dance,TB-230100,ORG-230100,1,,\n", "links.csv:4: kind:"),
        ("links.csv", LINKS + "2020-13-01,visit,TB-230100,ORG-230100,1,,\n", "links.csv:4: date:"),
        ("links.csv", LINKS + "2020-05-01,visit,TB-999999,ORG-230100,1,,\n", "links.csv:4: source_id:"),
        ("links.csv", LINKS + "2020-05-01,visit,TB-230100,NOPE,1,,\n", "links.csv:4: target_id:"),
        ("links.csv", LINKS + "2020-05-01,visit,TB-230100,ORG-230100,0,,\n", "links.csv:4: count:"),
        ("links.csv", LINKS + "2020-05-01,visit,TB-230100,ORG-230100,two,,\n", "links.csv:4: count:"),
        ("links.csv", LINKS + "2020-05-01,visit,TB-230100,ORG-230100,1,-3,\n", "links.csv:4: participants:"),
        ("units.csv", UNITS + "X-1,某单位,tax_bureau,provincial,999999,\n", "units.csv:6: region_code:"),
        ("units.csv", UNITS + "X-1,某单位,spaceship,provincial,230000,\n", "units.csv:6: kind:"),
        ("units.csv", UNITS + "X-1,某单位,tax_bureau,galactic,230000,\n", "units.csv:6: level:"),
        (
            "units.csv",
            UNITS + "X-1,某单位,tax_bureau,county,230100,X-2\nX-2,另一单位,tax_bureau,county,230100,X-1\n",
            "parent_id:",
        ),
        (
            "units.csv",
            UNITS + "TB-230100,别的名字,tax_bureau,prefecture,230100,TB-230000\n",
            "units.csv:6: id:",
        ),
        ("regions.csv", REGIONS + "23010,短码,county,230100\n", "regions.csv:4: code:"),
        ("other.csv", "foo,bar\n1,2\n", "other.csv:1: header:"),
    ],  # fmt: skip
)
def test_each_error_class_is_reported_and_nothing_is_written(good, location, run, name, text, expected):
    write(good, name, text)
    result = run("load", str(good), store=location, check=False)
    assert result.returncode == 1, result.stderr
    assert expected in result.stderr
    assert "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert links_2020(run, location) == 0


def test_all_problems_are_reported_at_once(good, location, run):
    write(
        good,
        "links.csv",
        LINKS + "2020-13-01,dance,TB-230100,NOPE,0,,\n2021-01-01,visit,TB-230100,ORG-230100,x,,\n",
    )
    result = run("load", str(good), store=location, check=False)
    assert result.returncode == 1
    for fragment in ("links.csv:4: date:", "links.csv:4: kind:", "links.csv:4: target_id:", "links.csv:4: count:",
                     "links.csv:5: count:"):  # fmt: skip
        assert fragment in result.stderr


def test_dry_run_validates_and_writes_nothing(good, location, run):
    result = run("load", "--dry-run", str(good), store=location)
    assert "dry run" in result.stderr
    assert links_2020(run, location) == 0


def test_gb18030_bom_and_chinese_headers_and_kinds(tmp_path: Path, location, run):
    d = tmp_path / "zh"
    write(d, "区划.csv", "区划代码,名称,级别,上级代码\n230000,黑龙江省,省,\n", "utf-8-sig")
    write(
        d,
        "单位.csv",
        "编号,名称,类型,级别,区划代码,上级编号\nTB-230000,省局,税务局,省级,230000,\nLPC-230000,省委,省委,省级,230000,\n",
        "gb18030",
    )
    write(
        d,
        "台账.csv",
        "日期,类型,发起单位,对象单位,次数\n2020/06/01,全面报,TB-230000,LPC-230000,3\n",
        "gb18030",
    )
    run("load", str(d), store=location)
    stats = json.loads(run("stats", "--year", "2020", "--format", "json", store=location).stdout)
    assert stats["by_kind"] == {"comprehensive_report": {"count": 3, "participants": 0}}


def test_reference_to_a_unit_already_in_the_store_is_fine(good, tmp_path: Path, location, run):
    run("load", str(good), store=location)
    later = write(
        tmp_path / "later",
        "links.csv",
        "date,kind,source_id,target_id\n2020-09-09,visit,TB-230000,ORG-230100\n",
    )
    run("load", str(later), store=location)
    assert links_2020(run, location) == 3
