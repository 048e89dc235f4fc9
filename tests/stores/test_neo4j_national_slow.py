"""A national year in one command (issue 19): a million links loaded into Neo4j with one
``tiaokuai load`` on the default heap of scripts/neo4j, equal to the embedded store, cleared and
reloaded. Slow (minutes): ``pytest -m slow tests/stores/test_neo4j_national_slow.py -s`` prints the
figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

TIAOKUAI = str(Path(sys.executable).parent / "tiaokuai")


def tk(*args: str, store: str) -> tuple[str, float]:
    """Run ``tiaokuai``; (stdout, seconds). Fails on a non-zero exit."""
    start = time.monotonic()
    proc = subprocess.run([TIAOKUAI, *args, "--store", store], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout, time.monotonic() - start


def test_a_million_links_load_clear_and_reload(tmp_path: Path, neo4j_uri: str, neo4j_store) -> None:
    folder = tmp_path / "national"
    subprocess.run([TIAOKUAI, "sample", "--national", "--out", str(folder)], check=True, capture_output=True)
    _, first = tk("load", "--quiet", str(folder), store=neo4j_uri)
    embedded = str(tmp_path / "g.tkg")
    _, embedded_s = tk("load", "--quiet", str(folder), store=embedded)
    years = [2019, 2020, 2021, 2022, 2023]
    on_neo4j = {
        y: json.loads(tk("stats", "--year", str(y), "--format", "json", store=neo4j_uri)[0]) for y in years
    }
    on_embedded = {
        y: json.loads(tk("stats", "--year", str(y), "--format", "json", store=embedded)[0]) for y in years
    }
    assert on_neo4j == on_embedded
    links = sum(s["links"] for s in on_neo4j.values())
    assert links > 990_000
    _, cleared = tk("clear", "--yes", store=neo4j_uri)
    empty = json.loads(tk("stats", "--year", "2021", "--format", "json", store=neo4j_uri)[0])
    assert empty["links"] == 0 and empty["units"] == 0
    try:
        _, second = tk("load", "--quiet", str(folder), store=neo4j_uri)
        again = {
            y: json.loads(tk("stats", "--year", str(y), "--format", "json", store=neo4j_uri)[0])
            for y in years
        }
        assert again == on_embedded
    finally:  # other tests empty the database with one DETACH DELETE per 10,000 nodes: too big here
        tk("clear", "--yes", store=neo4j_uri)
    print(
        f"\n{links:,} links: load {first:.1f} s ({links / first:,.0f} links/s), clear {cleared:.1f} s, "
        f"reload {second:.1f} s ({links / second:,.0f} links/s); embedded load {embedded_s:.1f} s; "
        f"jobs {os.environ.get('TIAOKUAI_LOAD_JOBS', 'default')}"
    )
