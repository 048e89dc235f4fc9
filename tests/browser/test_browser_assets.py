"""The style sheet, the guide and their packing for Neo4j, without a browser.

* ``schema/tiaokuai.grass`` parsed exactly as Neo4j Browser 5 parses grass (a port of its
  ``parseGrass``): every rule survives, every selector names a label or type the graph has.
* ``schema/browser-guide/guide.html``: slides, runnable blocks, and (on Neo4j) every Cypher block
  compiles with the guide's parameters.
* ``scripts/browser-assets`` builds an archive Neo4j can unpack (its first entry is the served
  directory; directories before their files; no duplicates) and rebuilds only on change.
* On the running server (``neo4j``): the guide and style are served and set up for connect.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from graph.model.vocabulary import vocabulary

REPO = Path(__file__).resolve().parents[2]
GRASS = REPO / "schema" / "tiaokuai.grass"
GUIDE = REPO / "schema" / "browser-guide" / "guide.html"
ASSETS = REPO / "scripts" / "browser-assets"
STRUCTURE_TYPES = {
    "UNDER",
    "IN_REGION",
    "WITHIN",
    "GAP_OF",
    "MISSING_CONTACT_WITH",
    "CONCERNS",
    "COVERAGE_OF",
}
OTHER_LABELS = {
    "Unit",
    "Region",
    "Gap",
    "Coverage",
    "CoverageLow",
    "CoverageMid",
    "CoverageHigh",
    "CoverageFull",
}


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """Neo4j Browser 5's grass parser (grassUtils.parseGrass, CSS branch), step for step."""
    in_quote = in_rule = in_nested = False
    selector = body = ""
    rules: dict[str, str] = {}
    for ch in text:
        keep = False
        if ch == "{":
            if in_quote:
                pass
            elif in_rule:
                in_nested = True
                keep = True
            else:
                in_rule = True
                keep = True
        elif ch == "}":
            if in_quote:
                pass
            elif in_nested:
                in_nested = False
                keep = True
            else:
                in_rule = False
                rules[selector] = body
                selector = body = ""
                keep = True
        elif ch in "'\"":
            in_quote = not in_quote
            keep = True
        if keep:
            continue
        if in_rule:
            body += ch
        elif not ch.isspace():
            selector += ch
    parsed: dict[str, dict[str, str]] = {}
    for sel, text_body in rules.items():
        props: dict[str, str] = {}
        for decl in text_body.split(";"):
            parts = decl.split(":")
            if len(parts) == 2:
                props[parts[0].strip()] = parts[1].strip()
        parsed[sel] = props
    return parsed


def test_grass_parses_as_the_browser_does() -> None:
    text = GRASS.read_text(encoding="utf-8")
    parsed = parse_grass(text)
    declared = len(re.findall(r"^\s*[a-z-]+\s*:", text, flags=re.M))
    assert sum(len(p) for p in parsed.values()) == declared, "a declaration was dropped (':' in a value?)"
    assert "/*" not in text and "//" not in text, "grass has no comments: they would corrupt selectors"

    vocab = vocabulary()
    labels = {k.label for k in vocab.unit_kinds.values()} | OTHER_LABELS
    types = {f["rel_type"] for f in vocab.families.values()} | STRUCTURE_TYPES
    for selector in parsed:
        tag, _, cls = selector.partition(".")
        assert tag in ("node", "relationship"), selector
        if cls:
            assert cls in (labels if tag == "node" else types), f"{selector}: no such label or type"
    for kind in vocab.unit_kinds.values():
        rule = parsed[f"node.{kind.label}"]
        assert rule["caption"] == "{caption}" and rule["color"].startswith("#"), kind.label
    colours = [parsed[f"node.{k.label}"]["color"] for k in vocab.unit_kinds.values()]
    assert len(set(colours)) == len(colours), "each unit kind has its own colour"
    assert parsed["node.Gap"]["color"].upper() == "#E02424"
    for family in vocab.families.values():
        rule = parsed[f"relationship.{family['rel_type']}"]
        # Chinese, short: the family's Chinese name, the year and the count (联络 2020×1)
        assert rule["caption"] == f"{family['zh']} {{year}}×{{count}}", rule["caption"]
        assert float(rule["shaft-width"].removesuffix("px")) > 1
    for selector, rule in parsed.items():
        if selector.startswith("relationship.") and "caption" in rule:
            assert re.search(r"[\u4e00-\u9fff]", rule["caption"]), f"{selector}: caption not in Chinese"
    bands = ["CoverageLow", "CoverageMid", "CoverageHigh", "CoverageFull"]
    order = list(parsed)
    for band in bands:  # after the kinds, so that a bureau's band colour wins
        assert order.index(f"node.{band}") > order.index("node.TaxBureau"), band
    assert len({parsed[f"node.{b}"]["color"] for b in bands}) == 4


class _Guide(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.slides = 0
        self.title = ""
        self.runnable: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "slide":
            self.slides += 1
        elif tag == "title":
            self._in = "title"
        elif tag == "pre" and "runnable" in classes:
            self._in = "pre"
            self.runnable.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "pre"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "pre":
            self.runnable[-1] += data


def guide() -> _Guide:
    parser = _Guide()
    text = GUIDE.read_text(encoding="utf-8").replace("{{HTTP_URL}}", "http://127.0.0.1:7474")
    parser.feed(text.replace("{{BOLT_URI}}", "bolt://127.0.0.1:7687"))
    return parser


def guide_params() -> dict[str, Any]:
    """The parameters the guide's one ``:params {...}`` block sets."""
    blocks = [b.strip() for b in guide().runnable if b.strip().startswith(":params")]
    assert len(blocks) == 1, "one block sets every parameter"
    body = blocks[0].removeprefix(":params").strip()
    return dict(json.loads(re.sub(r"(\w+):", r'"\1":', body.replace("'", '"'))))


def cypher_blocks() -> list[str]:
    return [b.strip() for b in guide().runnable if not b.strip().startswith(":")]


def test_guide_has_slides_params_and_queries() -> None:
    g = guide()
    assert "条块" in g.title
    assert g.slides >= 8
    assert guide_params() == {
        "bureau": "TB-230102",
        "year": 2020,
        "prefecture": "230100",
        "other": "TB-231002",
    }
    blocks = cypher_blocks()
    assert len(blocks) >= 10
    for block in blocks:
        used = set(re.findall(r"\$(\w+)", block))
        assert used <= set(guide_params()), f"undeclared parameter in: {block[:60]}"
    assert any(":style http://127.0.0.1:7474/browser/tiaokuai/tiaokuai.grass" in b for b in g.runnable)


def test_guide_is_chinese_first() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    headings = re.findall(r"<h3>(.*?)</h3>", text, flags=re.S)
    assert len(headings) >= 8
    for h in headings:  # Chinese, then English beside it in <small>
        assert re.match(r"[^<]*[\u4e00-\u9fff]", h) and "<small>" in h, h
    assert "7687" not in text and "7474" not in text, "ports come from {{BOLT_URI}} / {{HTTP_URL}}"
    assert text.count("{{BOLT_URI}}") >= 3


@pytest.mark.neo4j
def test_guide_cypher_compiles(neo4j_uri: str) -> None:
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    with GraphDatabase.driver(neo4j_uri, auth=auth) as driver:
        for block in cypher_blocks():
            driver.execute_query(
                "EXPLAIN " + block, guide_params(), database_=os.environ.get("NEO4J_DATABASE") or "neo4j"
            )


def _fake_browser_jar(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        z.writestr(
            "browser/index.html",
            '<html><body><div id="mount"></div><script src="app.js"></script></body></html>',
        )
        z.writestr("browser/assets/fonts/a.woff", b"\0font")  # no directory entries, as in real jars
        z.writestr("browser/app.js", "console.log(1)")
    return path


def _assets(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ASSETS), *args], capture_output=True, text=True, check=True)


def test_archive_is_what_neo4j_can_unpack(tmp_path: Path) -> None:
    jar = _fake_browser_jar(tmp_path / "neo4j-browser-5.24.0.jar")
    web = tmp_path / "web"
    out = _assets(str(jar), str(web), "http://127.0.0.1:7474/")
    assert out.stdout.strip() == "http://127.0.0.1:7474/browser/tiaokuai/guide.html"
    archive = web / "neo4j-browser.zip"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        guide_html = z.read("browser/tiaokuai/guide.html").decode()
        assert z.read("browser/tiaokuai/tiaokuai.grass") == GRASS.read_bytes()
    # Neo4j serves the first entry, unpacking in order with createDirectory/createFile.
    assert names[0] == "browser/"
    assert len(names) == len(set(names))
    seen: set[str] = set()
    for name in names:
        parent = name.rstrip("/").rpartition("/")[0]
        assert not parent or parent + "/" in seen, f"{name} before its directory"
        seen.add(name)
    assert {"browser/index.html", "browser/app.js", "browser/assets/fonts/a.woff"} <= seen
    assert not any(n.startswith("META-INF") for n in names)
    assert "{{HTTP_URL}}" not in guide_html and "{{BOLT_URI}}" not in guide_html
    assert "http://127.0.0.1:7474/browser/tiaokuai/tiaokuai.grass" in guide_html
    assert "tiaokuai load --store bolt://127.0.0.1:7687 ledgers" in guide_html
    with zipfile.ZipFile(archive) as z:
        index = z.read("browser/index.html").decode()
        preset = z.read("browser/tiaokuai/preset.js").decode()
    assert index.index('<script src="tiaokuai/preset.js">') < index.index("<script", index.index("preset.js"))
    grass = json.loads(re.search(r"var GRASS = (\{.*\});", preset)[1])
    assert grass == parse_grass(GRASS.read_text(encoding="utf-8"))
    assert list(grass) == list(parse_grass(GRASS.read_text(encoding="utf-8"))), "rule order matters"
    assert "settings.autoComplete = false" in preset

    mtime = archive.stat().st_mtime_ns
    _assets(str(jar), str(web), "http://127.0.0.1:7474")
    assert archive.stat().st_mtime_ns == mtime, "unchanged inputs: no rebuild"
    _assets(str(jar), str(web), "http://127.0.0.1:17474", "bolt://127.0.0.1:17687")
    with zipfile.ZipFile(archive) as z:
        moved = z.read("browser/tiaokuai/guide.html").decode()
        assert "http://127.0.0.1:17474/browser/" in moved and "--store bolt://127.0.0.1:17687" in moved
        assert z.read("browser/index.html").decode().count("preset.js") == 1


def test_archive_refuses_a_jar_without_browser(tmp_path: Path) -> None:
    jar = tmp_path / "other.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("x.txt", "x")
    result = subprocess.run(
        [sys.executable, str(ASSETS), str(jar), str(tmp_path / "web"), "http://127.0.0.1:7474"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "not a Neo4j Browser jar" in result.stderr
    assert not (tmp_path / "web" / "neo4j-browser.zip").exists()


@pytest.mark.neo4j
def test_served_by_neo4j_and_set_up_for_connect(neo4j_uri: str, neo4j_http_url: str) -> None:
    base = f"{neo4j_http_url}/browser/tiaokuai"
    try:
        with urllib.request.urlopen(f"{base}/guide.html", timeout=10) as r:
            served = r.read().decode()
            assert r.headers.get("Access-Control-Allow-Origin") == "*"
        with urllib.request.urlopen(f"{base}/tiaokuai.grass", timeout=10) as r:
            assert parse_grass(r.read().decode()) == parse_grass(GRASS.read_text(encoding="utf-8"))
    except OSError as exc:
        pytest.fail(f"{base}/ is not served ({exc}): was Neo4j started by scripts/neo4j start?")
    bolt = f"bolt://{urlsplit(neo4j_uri).hostname}:{urlsplit(neo4j_uri).port or 7687}"
    expected = GUIDE.read_text(encoding="utf-8").replace("{{HTTP_URL}}", neo4j_http_url)
    assert served == expected.replace("{{BOLT_URI}}", bolt), (
        "the served guide is not schema/browser-guide/guide.html: restart Neo4j (scripts/neo4j restart)"
    )
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    with GraphDatabase.driver(neo4j_uri, auth=auth) as driver:
        records, _, _ = driver.execute_query("CALL dbms.clientConfig() YIELD name, value RETURN name, value")
    config = {r["name"]: r["value"] for r in records}
    # only the guide (side panel) on connect: nothing dumped into the stream
    assert config["browser.post_connect_cmd"] == f"guide {base}/guide.html"
    with urllib.request.urlopen(f"{neo4j_http_url}/browser/", timeout=10) as r:
        assert '<script src="tiaokuai/preset.js">' in r.read().decode()
    host = neo4j_http_url.split("//")[1].split(":")[0]
    assert host in config["browser.remote_content_hostname_whitelist"].split(",")
