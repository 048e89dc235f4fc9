"""GraphiQL's assets ship with the package: the committed files are those MANIFEST.txt records, at
the versions ``scripts/graphiql-assets`` pins, and the page loads nothing else (no network here:
``scripts/graphiql-assets --check`` is the maintainer's check against npm)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from graph.api.ide import STATIC_DIR, graphiql_html

REPO = Path(__file__).resolve().parents[2]
ASSETS = STATIC_DIR / "graphiql"


def manifest() -> tuple[list[str], dict[str, str]]:
    packages, sums = [], {}
    for line in (ASSETS / "MANIFEST.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("package "):
            packages.append(line.split()[1])
        elif line.startswith("sha256 "):
            _, digest, name = line.split()
            sums[name] = digest
    return packages, sums


def test_committed_files_are_the_pinned_ones() -> None:
    packages, sums = manifest()
    script = (REPO / "scripts" / "graphiql-assets").read_text(encoding="utf-8")
    pinned = re.findall(r'^\s+"((?:@[\w-]+/)?[\w-]+@[\d.]+)"$', script, flags=re.M)
    assert packages == pinned and len(packages) == 4
    present = {p.name for p in ASSETS.iterdir()} - {"MANIFEST.txt"}
    assert present == set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == digest, name


def test_the_page_loads_only_its_own_assets() -> None:
    page = graphiql_html()
    refs = re.findall(r'(?:src|href)="([^"]+)"', page)
    assets = [r for r in refs if r.startswith("/static/")]
    assert len(assets) == 6
    for ref in assets:
        assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    assert not re.search(r"https?://", page), "the page names no host"
    assert "query HarbinGaps2020" in page and "# 示例" in page
