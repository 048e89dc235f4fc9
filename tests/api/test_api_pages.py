"""The pages ``tiaokuai serve`` hosts for people: /report/{year} and /unit/{id}, on both stores.

Both stores must give the same page content (the figures come from the same rules); the pages
link only to the server itself and name rules in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from graph.store import Store

RULE_IDS = ["report_to_local_committee", "liaison_propaganda_department", "cadre_work_with_locality"]


def visible(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


@pytest.fixture
def http(sample_store: Store, serve: Callable[..., Any]) -> Any:
    return serve(sample_store).http


def test_report_for_one_prefecture(http: Any) -> None:
    page = http.get("/report/2020", params={"region": "230100"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = visible(page.text)
    assert "2020年度哈尔滨市税务系统党建工作横向联系覆盖情况报告" in text
    assert "覆盖率88.6%" in text and "已满足117项" in text  # the summary: 117 of 132 met
    assert "道里区税务局" in text and "与宣传部联络" in text
    for rule in RULE_IDS:
        assert rule not in text
    assert 'href="/report/2020/gaps.csv?region=230100"' in page.text


def test_report_csv_and_latest_year(http: Any) -> None:
    csv = http.get("/report/2020/gaps.csv", params={"region": "230100"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("group,unit_id,name,rule,rule_zh")
    assert len(lines) == 1 + 15  # Harbin's 15 gaps in 2020
    latest = http.get("/report", follow_redirects=False)
    assert latest.status_code == 307 and latest.headers["location"] == "/report/2021"


def test_report_in_english(http: Any) -> None:
    text = visible(http.get("/report/2020", params={"region": "230100", "lang": "en"}).text)
    assert "liaison with the propaganda department" in text
    assert "liaison_propaganda_department" not in text


def test_unknown_region_and_unit_are_404(http: Any) -> None:
    assert http.get("/report/2020", params={"region": "999999"}).status_code == 404
    missing = http.get("/unit/NO-SUCH-UNIT")
    assert missing.status_code == 404 and "NO-SUCH-UNIT" in missing.text
    assert http.get("/report/2020", params={"lang": "fr"}).status_code == 422


def test_unit_page(http: Any) -> None:
    page = http.get("/unit/TB-230102", params={"year": 2020})
    assert page.status_code == 200
    text = visible(page.text)
    assert "国家税务总局哈尔滨市道里区税务局" in text
    # its counterparts, the year's contact with each, its gaps and its ledger rows
    for counterpart in ("中共哈尔滨市道里区委员会", "中共哈尔滨市道里区委宣传部", "哈尔滨市道里区纪委监委"):
        assert counterpart in text
    assert "（缺 2 项）" in text and "与机关工委联络" in text and "与宣传部联络" in text
    assert "links_2020.csv:231" in text  # a ledger row: file and row
    assert 'href="/unit/PROP-230102?year=2020"' in page.text
    assert 'href="/report/2020?region=230100"' in page.text
    assert "/graphql?q=" in page.text  # each ledger row opens in GraphiQL
    for rule in RULE_IDS:
        assert rule not in text


def test_unit_page_of_a_local_body(http: Any) -> None:
    page = http.get("/unit/PROP-230102", params={"year": 2020})
    assert page.status_code == 200
    assert "中共哈尔滨市道里区委宣传部" in visible(page.text)


def test_pages_agree_on_both_stores(reference_store: Store, sample_store: Store) -> None:
    from graph.report import build_report, unit_page_data

    a, b = build_report(reference_store, 2020, "230100"), build_report(sample_store, 2020, "230100")
    for key in ("coverage", "previous", "by_rule", "ranking", "matrix", "gaps", "units_full"):
        assert a[key] == b[key], key
    ua, ub = (
        unit_page_data(reference_store, "TB-230102", 2020),
        unit_page_data(sample_store, "TB-230102", 2020),
    )
    assert ua is not None and ub is not None
    for key in ("requirements", "counterparts", "links_total"):
        assert ua[key] == ub[key], key


def test_pages_need_a_key_when_reads_do(sample_store: Store, serve: Callable[..., Any]) -> None:
    key = "k" * 32
    http = serve(sample_store, api_keys=[key], require_key_for_reads=True).http
    assert http.get("/unit/TB-230102").status_code == 401
    assert http.get("/report/2020/gaps.csv").status_code == 401
    assert http.get("/unit/TB-230102", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert http.get("/static/graphiql/graphiql.min.css").status_code == 200  # no data in assets
