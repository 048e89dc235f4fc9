"""The sample's 2020 report as an office prints it: A4 PDF from ``tiaokuai report --pdf``.

At most 7 pages; the ranking names all 13 prefectures; no English rule id in the visible text (in
Chinese, and in English only as names, never ids); the PDF is valid. ``TIAOKUAI_UPDATE_SCREENSHOTS=1``
also writes the pages as PNG to docs/img/report-page-N.png (needs pdftoppm, Debian poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph import rules
from graph.cli import cli
from graph.report import build_report, render_html
from graph.store import open_store

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
PREFECTURES = ["哈尔滨市", "齐齐哈尔市", "鸡西市", "鹤岗市", "双鸭山市", "大庆市", "伊春市", "佳木斯市",
               "七台河市", "牡丹江市", "黑河市", "绥化市", "大兴安岭地区"]  # fmt: skip


def visible_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", page)


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


@pytest.fixture(scope="module")
def report_2020(sample_store_path: Path) -> dict:
    with open_store(sample_store_path) as store:
        return build_report(store, 2020)


def test_ranking_names_every_prefecture(report_2020: dict) -> None:
    page = render_html(report_2020, embed_font=False)
    ranking = page[page.index("一、市(地)排名") : page.index("二、覆盖率")]
    text = visible_text(ranking)
    for name in PREFECTURES:
        assert name in text, name
    assert [r["name"] for r in report_2020["ranking"] if r["rank"]] == [
        n
        for n in sorted(
            PREFECTURES, key=lambda n: next(-(r["ratio"]) for r in report_2020["ranking"] if r["name"] == n)
        )
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_rule_id_in_visible_text(report_2020: dict, lang: str) -> None:
    text = visible_text(render_html(report_2020, lang=lang, embed_font=False))
    for rule in rules.load_rules():
        assert rule.id not in text, rule.id
    if lang == "zh":
        assert "与宣传部联络" in text and "liaison" not in text
    else:
        assert "liaison with the propaganda department" in text


def test_summary_is_chinese_and_says_what_matters(report_2020: dict) -> None:
    page = render_html(report_2020, embed_font=False)
    summary = visible_text(
        page[page.index('<section class="summary">') : page.index('<section class="cards">')]
    )
    sentences = [s for s in summary.split("。") if s.strip()]
    assert 3 <= len(sentences) <= 5, sentences
    assert "覆盖率85.6%" in summary and "提高6.6个百分点" in summary
    assert "七台河市（62%）" in summary and "黑河市（69%）" in summary
    assert "与宣传部联络（68%）" in summary


def test_issuer_is_escaped_everywhere(report_2020: dict) -> None:
    page = render_html(report_2020, issuer='<script>alert(1)</script>"党委办公室', embed_font=False)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;党委办公室" in page  # the header line (HTML)
    assert "\\3c script\\3e alert(1)\\3c /script\\3e \\22 党委办公室" in page  # the page header (CSS)


@pytest.mark.browser
def test_pdf_of_the_sample_fits_seven_a4_pages(sample_store_path: Path, tmp_path: Path) -> None:
    from graph.report.pdf import find_chromium

    if find_chromium() is None:
        if os.environ.get("CI") or os.environ.get("TIAOKUAI_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is missing: run scripts/install-chromium")
        pytest.skip("chromium is missing: run scripts/install-chromium")
    out = tmp_path / "report-2020.html"
    result = CliRunner().invoke(
        cli,
        ["report", "--year", "2020", "--out", str(out), "--pdf", "--issuer", "国家税务总局黑龙江省税务局党建工作处",
         "--store", str(sample_store_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = out.with_suffix(".pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    pages = pdf_pages(data)
    assert 1 <= pages <= 7, f"{pages} pages"
    boxes = {tuple(float(v) for v in m.split()) for m in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)}
    assert boxes and all(abs(b[2] - 595) < 1.5 and abs(b[3] - 842) < 1.5 for b in boxes), (
        boxes
    )  # A4 in points
    if os.environ.get("TIAOKUAI_UPDATE_SCREENSHOTS") == "1" and shutil.which("pdftoppm"):
        for old in DOCS_IMG.glob("report-page-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(DOCS_IMG / "report-page")], check=True)
