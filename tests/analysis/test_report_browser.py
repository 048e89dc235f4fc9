"""The report on the sample, looked at as a person would: headless Chromium renders it to PNG.

Checks that the page is not blank (many colours: charts, headings, tables), and that Chinese text
renders as glyphs, not as identical "tofu" boxes, by drawing three different characters with the
report's own font stack and comparing them. Set ``TIAOKUAI_UPDATE_SCREENSHOTS=1`` to refresh
``docs/img/report.png``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from graph.report import write_report
from graph.report.fonts import CSS_STACK, css_font_face

pytestmark = pytest.mark.browser

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: run scripts/install-chromium")
        pytest.skip("chromium is missing: run scripts/install-chromium")
    return path


def screenshot(page: Path, png: Path, tmp: Path, size: str = "1280,4000") -> np.ndarray:
    profile = tmp / f"profile-{png.stem}"
    cmd = [chromium(), *FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={size}",
           page.resolve().as_uri()]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    assert png.exists(), proc.stderr[-2000:]
    return image.imread(png)


def colours(img: np.ndarray) -> int:
    rgb = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    return len(np.unique(rgb, axis=0))


def test_report_renders_with_chinese(sample_store_path, tmp_path):
    from graph.store import open_store

    page = tmp_path / "report.html"
    with open_store(sample_store_path) as store:
        write_report(store, 2020, page)
    png = tmp_path / "report.png"
    img = screenshot(page, png, tmp_path)
    assert img.shape[0] == 4000 and img.shape[1] == 1280
    assert colours(img) > 500, "the page looks blank"
    top = img[:300, :, :3]
    assert (top.mean(axis=2) < 0.5).mean() > 0.005, "no dark text in the header"
    if os.environ.get("TIAOKUAI_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, DOCS_IMG / "report.png")


def test_chinese_glyphs_are_not_tofu(tmp_path):
    chars = "覆盖率"
    spans = "".join(
        f'<span style="position:absolute; left:{20 + 140 * i}px; top:20px">{c}</span>'
        for i, c in enumerate(chars)
    )
    page = tmp_path / "glyphs.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css_font_face(chars)} '
        f"body {{ font-family: {CSS_STACK}; font-size: 100px; margin: 0; background: #fff; }}</style></head>"
        f"<body>{spans}</body></html>",
        encoding="utf-8",
    )
    img = screenshot(page, tmp_path / "glyphs.png", tmp_path, size="480,200")
    grey = img[..., :3].mean(axis=2)
    cells = [grey[10:160, 15 + 140 * i : 145 + 140 * i] for i in range(len(chars))]
    assert all((c < 0.5).sum() > 200 for c in cells), "a character rendered as nothing"
    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            assert np.abs(cells[i] - cells[j]).mean() > 0.01, f"{chars[i]} and {chars[j]} look the same: tofu"


def test_the_embedded_font_is_the_one_used(tmp_path):
    """The page must not depend on the reader's fonts: the embedded subset draws the glyphs.

    One character drawn with the embedded family only, and once with the system's fallback. If the
    embedded font failed to load, both would come from the same system font and look the same.
    """
    face = css_font_face("覆")
    if not face:
        pytest.skip("no CJK font to embed (install the noto-cjk-sans-otc package)")
    page = tmp_path / "embedded.html"
    page.write_text(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{face} '
        "body { font-size: 100px; margin: 0; background: #fff; }</style></head><body>"
        '<span style="position:absolute; left:20px; top:20px; font-family: TiaokuaiCJK">覆</span>'
        '<span style="position:absolute; left:160px; top:20px; font-family: sans-serif">覆</span>'
        "</body></html>",
        encoding="utf-8",
    )
    img = screenshot(page, tmp_path / "embedded.png", tmp_path, size="320,200")
    grey = img[..., :3].mean(axis=2)
    embedded, system = grey[10:160, 15:145], grey[10:160, 155:285]
    assert (embedded < 0.5).sum() > 200, "the embedded font drew nothing"
    if np.abs(embedded - system).mean() <= 0.005:
        listing = subprocess.run(["fc-match", "sans-serif:lang=zh-cn"], capture_output=True, text=True).stdout
        if "Noto Sans CJK" not in listing and "Source Han" not in listing:
            pytest.fail("the embedded font was not used: the glyph is the system fallback's")
