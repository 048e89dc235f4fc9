"""A new user's first minutes in Neo4j Browser, in headless Chromium (``pytest -m browser``).

Opens the Browser that the local Neo4j serves, lets it connect (auth off) and apply what
``browser.post_connect_cmd`` asks for (the tiaokuai style sheet, the guide in the side panel),
clicks the guide's parameter blocks and runs two of its queries, and checks from the DOM that
the nodes are drawn in the style sheet's colours. The screenshot is kept in the test's tmp folder,
and written to docs/img/browser.png when TIAOKUAI_UPDATE_SCREENSHOT=1.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from cdp import CDPError, Chromium

pytestmark = [pytest.mark.browser, pytest.mark.neo4j]

REPO = Path(__file__).resolve().parents[2]
TAX_BUREAU_BLUE = "#1F5FAD"  # node.TaxBureau in schema/tiaokuai.grass
GAP_RED = "#E02424"  # node.Gap
BAND_COLOURS = {"#00204C", "#575C6D", "#A59C74", "#FFE945"}  # node.CoverageLow … CoverageFull
STREAM_TEXT = (
    "[...document.querySelectorAll('[data-testid=frameCommand]')].map(e => e.textContent).join('\\n')"
)
CONFIG_AUTOCOMPLETE = "JSON.parse(localStorage.getItem('neo4j.settings') || '{}').autoComplete"
LOCAL_COLOURS = {"#E89A2C", "#3E9B4F", "#8E63B8", "#1E9A8F", "#7A5545", "#A5B02A"}

GUIDE_SHOWN = "document.body.innerText.includes('条块 · 税务系统的纵向线和横向联系')"
CONNECTED = "document.body.innerText.includes('You are connected') || document.body.innerText.includes('条块 · 税务系统')"
CLICK_BLOCK = """((text) => {
  const pre = [...document.querySelectorAll('pre.runnable')].find(p => p.textContent.includes(text));
  if (!pre) return false;
  (pre.querySelector('i.fa-play-circle-o') || pre).click();  // the play icon runs the block
  return true;
})"""
STEP_SLIDE = "(document.querySelector('[data-testid=guide{}Slide]')?.click(), true)"
HAS_BLOCK = "[...document.querySelectorAll('pre.runnable')].some(p => p.textContent.includes({!r}))"
TIDY_GRAPHS = """(() => {  // hide the inspector panels and fit each graph into its frame
  document.querySelectorAll('button[title="Collapse the node properties display"]').forEach(b => b.click());
  setTimeout(() => document.querySelectorAll('button[aria-label=zoom-to-fit]').forEach(b => b.click()), 300);
  return true;
})()"""
CLOSE_FRAMES = "[...document.querySelectorAll('button[title=Close]')].forEach(b => b.click()) || true"
NODES = "document.querySelectorAll('svg g.node').length"
#: what the graph looks like now: every positioned group (nodes, relationships, the zoom layer)
LAYOUT = "[...document.querySelectorAll('svg g[transform]')].map(g => g.getAttribute('transform')).join(';')"
#: which slide of the guide is shown: its runnable blocks
SLIDE = "[...document.querySelectorAll('pre.runnable')].map(p => p.textContent).join('\\n')"
FILLS = "[...new Set([...document.querySelectorAll('svg g.node circle.b-outline')].map(c => c.getAttribute('fill')))]"
REL_CAPTIONS = "[...document.querySelectorAll('svg g.relationship text')].map(t => t.textContent)"
#: a node's caption, its lines joined (the Browser draws one <text> per line)
NODE_CAPTIONS = (
    "[...document.querySelectorAll('svg g.node')].map(g => [...g.querySelectorAll('text')]"
    ".map(t => t.textContent).join(''))"
)


def open_connected(browser: Chromium, http_url: str, bolt_uri: str) -> None:
    url = f"{http_url}/browser/?dbms={bolt_uri}&preselectAuthMethod=NO_AUTH"
    for attempt in (1, 2):
        browser.navigate(url)
        browser.wait_for(CONNECTED, "the Browser to connect", timeout=90)
        try:
            browser.wait_for(GUIDE_SHOWN, "the tiaokuai guide (post_connect_cmd)", timeout=30)
            return
        except CDPError:
            # A first connect to a server that has just started can be slow enough for the
            # Browser to skip post_connect_cmd; a second page load connects at once.
            if attempt == 2:
                raise


def click_block(browser: Chromium, text: str) -> None:
    assert browser.js(CLICK_BLOCK + f"({text!r})"), f"no runnable block with {text!r} on this slide"


def wait_until_still(
    browser: Chromium, expression: str, what: str, quiet: float = 1.0, timeout: float = 30
) -> None:
    """Poll ``expression`` until its value has not changed for ``quiet`` seconds (a force layout
    that has settled, a zoom that has ended)."""
    deadline = time.monotonic() + timeout
    last, since = browser.js(expression), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = browser.js(expression)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
    raise CDPError(f"timed out after {timeout}s waiting for {what} to settle")


def go_to_slide(browser: Chromium, block_text: str) -> None:
    for direction in ("Next", "Previous"):
        for _ in range(12):
            if browser.js(HAS_BLOCK.format(block_text)):
                return
            shown = browser.js(SLIDE)
            browser.js(STEP_SLIDE.format(direction))
            try:  # the next slide is drawn, or this was the last one in that direction
                browser.wait_for(
                    f"({SLIDE}) !== {json.dumps(shown)}", "the next slide", timeout=5, interval=0.1
                )
            except CDPError:
                break
    raise AssertionError(f"no slide with {block_text!r}")


def run_and_wait_for_graph(browser: Chromium, block_text: str, at_least: int) -> int:
    go_to_slide(browser, block_text)
    click_block(browser, block_text)
    browser.wait_for(f"{NODES} >= {at_least}", f"{at_least}+ nodes drawn for {block_text!r}", timeout=60)
    wait_until_still(browser, LAYOUT, "the force layout")  # before looking and taking the picture
    browser.js(TIDY_GRAPHS)
    wait_until_still(browser, LAYOUT, "the zoom to fit")
    return int(browser.js(NODES))


def test_guide_query_draws_styled_nodes(
    chromium: str, sample_in_neo4j: str, neo4j_http_url: str, tmp_path: Path
) -> None:
    with Chromium(chromium, width=1600, height=1200) as browser:
        try:
            open_connected(browser, neo4j_http_url, sample_in_neo4j)
            # nothing dumped into the stream on connect: no style sheet, no settings frame
            time.sleep(2)
            stream = browser.js(STREAM_TEXT)
            assert ":style" not in stream and ":config" not in stream, stream[:500]
            assert browser.js(CONFIG_AUTOCOMPLETE) is False  # set before the Browser started
            click_block(browser, ":params {")  # one block sets every parameter
            browser.wait_for("document.body.innerText.includes('\"year\": 2020')", "the year parameter")

            browser.js(CLOSE_FRAMES)  # a clean stream: :play start and the params

            # 横向: the bureau side's links of the year, to local bodies in their own colours.
            assert run_and_wait_for_graph(browser, "MATCH p = (s)-[l:REPORTING", at_least=5) >= 5
            fills = set(browser.js(FILLS))
            assert TAX_BUREAU_BLUE in fills, f"style sheet not applied: {fills}"
            assert len(fills & LOCAL_COLOURS) >= 3, fills
            # short captions (u.caption), whole: the bureau itself, not 国家税务总局… for every bureau
            names = [n.replace(" ", "") for n in browser.js(NODE_CAPTIONS)]
            assert "道里区税务局" in names, names
            assert not any(n.startswith("国家税务总局") for n in names), names
            assert sum(n.endswith("…") for n in names) <= len(names) // 4, names
            captions = [c for c in browser.js(REL_CAPTIONS) if c.strip()]
            assert any("2020" in c for c in captions), captions
            assert all(c.split(" ")[0] in ("报告", "联络", "交流", "隶属") for c in captions), captions
            assert not any("2019" in c or "2021" in c for c in captions), "other years drawn: " + str(
                captions
            )

            # 缺口: this year's gaps of 道里区税务局: red Gap nodes around the blue bureau.
            run_and_wait_for_graph(browser, "MATCH g1 = (g:Gap", at_least=3)
            fills = set(browser.js(FILLS))
            assert GAP_RED in fills and TAX_BUREAU_BLUE in fills, fills

            # 覆盖率: bands set, then the prefecture's bureaus as a tree in their band colours
            browser.js(CLOSE_FRAMES)
            go_to_slide(browser, "REMOVE b:CoverageLow")
            click_block(browser, "REMOVE b:CoverageLow")
            browser.wait_for(
                "/Added \\d+ labels/.test(document.body.innerText)", "the bands to be set", timeout=60
            )
            browser.js(CLOSE_FRAMES)
            run_and_wait_for_graph(browser, "MATCH tree =", at_least=10)
            fills = {f.upper() for f in browser.js(FILLS)}
            assert len(fills & BAND_COLOURS) >= 2, fills
        finally:
            shot = tmp_path / "browser.png"
            browser.screenshot(shot)
            if os.environ.get("TIAOKUAI_UPDATE_SCREENSHOT") == "1":
                browser.screenshot(REPO / "docs" / "img" / "browser.png")
            print(f"screenshot: {shot}")
