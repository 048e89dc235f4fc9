"""GraphiQL with no internet: ``tiaokuai serve`` in a subprocess, headless Chromium that can resolve
no host but 127.0.0.1 (``--host-resolver-rules``), /graphql loaded as an office would.

GraphiQL must render from tiaokuai's own /static assets, run the tiaokuai example query it opens
on and show the answer; every request the page made went to the server itself. The screenshot is
written to docs/img/graphiql.png when TIAOKUAI_UPDATE_SCREENSHOTS=1. Also: the pages tiaokuai
serves name no http(s) host (no browser needed for that one).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cdp
import httpx
import pytest
from liveserver import free_port

REPO = Path(__file__).resolve().parents[2]
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
RESULT = "document.querySelector('.graphiql-response')?.innerText || ''"
EDITOR_READY = "!!document.querySelector('.graphiql-query-editor .CodeMirror') && document.body.innerText.includes('HarbinGaps2020')"
RUN = "(document.querySelector('.graphiql-execute-button').click(), true)"
PAGES = [
    "/graphql",
    "/report/2020?region=230100",
    "/unit/TB-230102",
    "/unit/PROP-230102",
    "/report/2020?lang=en",
]
OTHER_HOST = re.compile(r"https?://(?!127\.0\.0\.1[:/]|localhost[:/])[^\s\"'<>)]+")


@pytest.fixture(scope="module")
def sample_store_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.store import open_store
    from graph.synthetic.sample import write_sample
    from loaders import load_paths

    folder = tmp_path_factory.mktemp("graphiql-sample")
    write_sample(folder / "ledgers")
    path = folder / "sample.tkg"
    with open_store(path) as store:
        load_paths(store, [folder / "ledgers"])
    return path


@pytest.fixture(scope="module")
def served(sample_store_file: Path) -> Iterator[str]:
    """``tiaokuai serve`` on a free loopback port, as a user starts it."""
    port = free_port()
    exe = Path(sys.executable).with_name("tiaokuai")
    proc = subprocess.Popen(
        [str(exe), "serve", "--store", str(sample_store_file), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"tiaokuai serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}"
                )
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("path", PAGES)
def test_pages_name_no_other_host(served: str, path: str) -> None:
    page = httpx.get(served + path, headers={"Accept": "text/html"}, timeout=120)
    assert page.status_code == 200, page.text[:500]
    assert "text/html" in page.headers["content-type"]
    found = OTHER_HOST.findall(page.text)
    assert not found, f"{path} refers to other hosts: {sorted(set(found))[:5]}"


def test_static_styles_fetch_nothing_else(served: str) -> None:
    for name in ("graphiql.min.css", "plugin-explorer.css"):
        css = httpx.get(f"{served}/static/graphiql/{name}", timeout=30)
        assert css.status_code == 200
        assert not re.findall(r"url\(\s*['\"]?https?:", css.text), name
        assert "@import" not in css.text, name


@pytest.mark.browser
def test_graphiql_runs_offline(
    served: str, chromium: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cdp, "FLAGS", [*cdp.FLAGS, OFFLINE])
    with cdp.Chromium(chromium, width=1500, height=900) as browser:
        browser.send("Network.enable")
        browser.navigate(f"{served}/graphql")
        browser.wait_for(EDITOR_READY, "GraphiQL to render with the example query", timeout=60)
        assert "正在加载" not in browser.js("document.body.innerText")
        browser.wait_for("!!document.querySelector('.graphiql-execute-button')", "the run button")
        browser.js(RUN)
        answer = browser.wait_for(
            f"(({RESULT}).includes('\"unitId\"') && {RESULT})", "the example's answer", timeout=60
        )
        assert '"coverage"' in answer and '"expected": 132' in answer, answer[:400]
        assert '"TB-230102"' in answer
        links = browser.js(
            "[...document.querySelectorAll('#tiaokuai-bar a')].map(a => a.getAttribute('href'))"
        )
        assert "/report" in links and any(h.startswith("/unit/") for h in links)
        shot = tmp_path / "graphiql.png"
        browser.screenshot(shot)
        urls = [
            e["params"]["request"]["url"]
            for e in browser.events
            if e.get("method") == "Network.requestWillBeSent"
        ]
    assert urls, "no request seen"
    elsewhere = [u for u in urls if not u.startswith(served) and not u.startswith("data:")]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert any(u.endswith("/static/graphiql/graphiql.min.js") for u in urls)
    if os.environ.get("TIAOKUAI_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, REPO / "docs" / "img" / "graphiql.png")
