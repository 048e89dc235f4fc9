"""``tiaokuai analyse`` and ``tiaokuai report`` on the sample; the analyses agree across stores."""

from __future__ import annotations

import json
import re
import stat

import pytest
from _sample import sample_dataset
from click.testing import CliRunner

from graph import rules
from graph.analysis import SECTIONS, analyse
from graph.cli import cli
from graph.report import build_report, find_cjk_font


def invoke(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def analysed_2020(sample_store_path):  # type: ignore[no-untyped-def]
    out = invoke("analyse", "--year", "2020", "--format", "json", "--store", str(sample_store_path)).stdout
    return json.loads(out)


def test_analyse_json_keys_name_the_analyses(analysed_2020):
    r = analysed_2020
    assert list(r) == ["year", "window", *SECTIONS]
    assert r["year"] == 2020 and r["window"] == [2019, 2020]
    for key in ("gaps", "lapsed", "lapsed_requirements", "revived", "one_sided", "isolated", "below_peers",
                "brokerage", "betweenness"):  # fmt: skip
        assert isinstance(r[key], list), key
    assert set(r["reciprocity"]) == {"system", "bureaus"}
    assert set(r["balance"]) == {"bureaus", "prefectures"}
    assert {"ei_index", "expected", "links_only", "by_group"} <= set(r["ei_index"])
    assert {"overall", "between", "counterparts"} <= set(r["density"])


def test_analyse_json_on_the_sample(analysed_2020, sample_store):
    r = analysed_2020
    assert len(r["gaps"]) == len(rules.gaps(sample_store, 2020))
    # 135 bureaus bound by the rules: 1 provincial, 13 prefecture, 121 county
    assert len(r["reciprocity"]["bureaus"]) == len(r["brokerage"]) == len(r["balance"]["bureaus"]) == 135
    assert len(r["balance"]["prefectures"]) == 14
    assert r["mechanisms"]["never"]["not_modelled"] == [
        "joint_implementation", "deployment_synergy", "characteristics_synergy", "assessment_synergy",
    ]  # fmt: skip
    assert all(x["z"] <= -2.0 for x in r["below_peers"])
    assert all(x["initiated_by"] in ("bureau", "locality") for x in r["one_sided"])
    # the sample writes links only between the bureau side and local bodies: no tie inside a side
    assert r["ei_index"]["links_only"]["ei_index"] == 1.0
    assert all(x["liaison"] == 0 for x in r["brokerage"])  # two groups: no liaison role possible
    assert r["betweenness"][0]["id"] == "TB-230000"  # the provincial bureau holds the line together


def test_analyse_table(sample_store_path):
    out = invoke("analyse", "--year", "2020", "--top", "3", "--store", str(sample_store_path)).stdout
    for key in ("gaps:", "lapsed:", "one_sided:", "reciprocity:", "isolated:", "below_peers:", "mechanisms:",
                "balance:", "ei_index", "brokerage:", "betweenness:"):  # fmt: skip
        assert key in out, key
    assert "no evidence possible in the data model" in out
    assert "国家税务总局" in out


def test_analyse_a_year_without_data(tmp_path):
    out = json.loads(
        invoke("analyse", "--year", "2020", "--format", "json", "--store", str(tmp_path / "e.tkg")).stdout
    )
    assert out["gaps"] == [] and out["lapsed"] == [] and out["brokerage"] == []


def test_mechanisms_across_years_on_the_sample(sample_store):
    # the sample has no joint research in 2019 (the case study counts six "since 2020")
    r = analyse(sample_store, 2019)
    assert "joint_research" in r["mechanisms"]["never"]["unobserved"]
    r = analyse(sample_store, 2021)
    assert r["mechanisms"]["never"]["unobserved"] == []


def test_report_writes_self_contained_html(sample_store_path, tmp_path):
    out = tmp_path / "r" / "report-2020.html"
    result = invoke("report", "--year", "2020", "--out", str(out), "--store", str(sample_store_path))
    assert "wrote" in result.stderr
    page = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and 'lang="zh-CN"' in page
    assert page.count("data:image/png;base64,") == 4  # heatmap, trend, behind peers, mechanisms
    assert "2020年度黑龙江省税务系统党建工作横向联系覆盖情况报告" in page
    assert "与宣传部联络" in page  # rules by their Chinese names (schema/expectations.yaml)
    assert re.search(r"font-family: \"TiaokuaiCJK\"", page)
    if find_cjk_font() is not None:
        assert "@font-face" in page and "data:font/woff;base64," in page
    assert not re.search(r"""(src|href)=["']https?:""", page)  # nothing fetched from outside
    assert out.stat().st_mode & stat.S_IRGRP  # shareable, not mkstemp's 0600
    gaps = (tmp_path / "r" / "report-2020-gaps.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(gaps) == 1 + 136 and 'href="report-2020-gaps.csv"' in page


def test_report_data(sample_store):
    data = build_report(sample_store, 2020)
    cov = rules.coverage(sample_store, 2020)
    assert (data["coverage"]["met"], data["coverage"]["expected"]) == (cov.met, cov.expected)
    assert data["previous"]["year"] == 2019 and data["years"] == [2019, 2020]
    assert len(data["gaps"]) == cov.expected - cov.met
    ranking = data["ranking"]
    assert len(ranking) == 14 and ranking[-1]["name"] == "黑龙江省" and ranking[-1]["rank"] is None
    assert [r["rank"] for r in ranking[:-1]] == list(range(1, 14))
    ratios = [r["ratio"] for r in ranking[:-1]]
    assert ratios == sorted(ratios, reverse=True)  # best first
    assert ranking[-2]["name"] == "七台河市" and round(ranking[-2]["ratio"], 2) == 0.62
    assert sorted(data["rule_order"]) == sorted(r.id for r in rules.load_rules())
    assert sum(c[1] for row in ranking for c in row["cells"] if c) == cov.expected
    assert sum(c[0] for row in ranking for c in row["cells"] if c) == cov.met
    assert sum(g["gaps"] for g in data["matrix"]) == len(data["gaps"])
    assert len(data["units_full"]) == 54 and len(data["lapsed"]) == 90
    assert data["one_sided"]["one_sided"] == 393 and data["one_sided"]["by_locality"] == 0
    zs = [r["z"] for r in data["behind"]]
    assert zs == sorted(zs) and len(zs) == 12


def test_report_first_year_has_no_comparison(sample_store, tmp_path):
    from graph.report import render_html

    data = build_report(sample_store, 2019)
    assert data["previous"] is None and data["lapsed"] is None and data["years"] == [2019]
    page = render_html(data, embed_font=False)
    assert "上年无数据" in page and "@font-face" not in page


def test_analyses_agree_across_stores(store, sample_store):
    store.write(sample_dataset())
    assert analyse(store, 2020) == analyse(sample_store, 2020)


def test_report_on_an_empty_store(tmp_path, recwarn):
    out = tmp_path / "empty.html"
    invoke("report", "--year", "2020", "--out", str(out), "--store", str(tmp_path / "empty.tkg"))
    page = out.read_text(encoding="utf-8")
    assert "没有数据" in page and "本年度没有缺口" in page
    assert not [w for w in recwarn.list if "matplotlib" in str(w.filename) or "charts" in str(w.filename)]
