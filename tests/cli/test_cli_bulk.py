"""`tiaokuai load --bulk` at the surface: neo4j-admin import into the empty local test server
gives the same answers as a transactional load into the embedded store, and is refused for a
database that is not empty, not local, or not Neo4j.

The bulk test stops and restarts the test server (scripts/neo4j stop, admin-import, start), which the rest of the
session shares: it leaves the server running, holding the sample, as a later test's fixture
expects a usable server (each fixture clears it first)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def answers(run, location: str) -> dict[str, object]:
    out: dict[str, object] = {}
    for year in ("2019", "2020", "2021"):
        out[f"stats{year}"] = json.loads(
            run("stats", "--year", year, "--format", "json", store=location).stdout
        )
        out[f"coverage{year}"] = json.loads(
            run("coverage", "--year", year, "--format", "json", store=location).stdout
        )
    return out


@pytest.fixture
def sample(sample_ledgers: Path) -> Path:
    return sample_ledgers


def test_bulk_load_equals_a_normal_load(tmp_path: Path, neo4j_uri: str, run, sample: Path) -> None:
    embedded = str(tmp_path / "graph.tkg")
    run("load", "-q", str(sample), store=embedded)
    run("clear", "--yes", store=neo4j_uri)
    bulk = run("load", "--bulk", str(sample), store=neo4j_uri)
    assert "8986 links (8986 new)" in bulk.stderr
    assert "imported in" in bulk.stderr and "server started in" in bulk.stderr
    assert answers(run, neo4j_uri) == answers(run, embedded)
    # the imported graph follows the store's conventions: a normal load of the same files finds
    # every link already there (same ids, types and properties) and changes nothing
    again = run("load", str(sample), store=neo4j_uri)
    assert "(0 new)" in again.stderr
    assert answers(run, neo4j_uri) == answers(run, embedded)
    # not empty any more: refused, nothing changed
    refused = run("load", "--bulk", str(sample), store=neo4j_uri, check=False)
    assert refused.returncode == 1 and "empty" in refused.stderr and "refused" in refused.stderr


@pytest.mark.parametrize("uri", ["neo4j+s://example.invalid:7687", "bolt://192.0.2.1:7687"])
def test_bulk_refuses_a_remote_database(uri: str, run, sample: Path) -> None:
    refused = run("load", "--bulk", str(sample), store=uri, check=False)
    assert refused.returncode == 1 and "local server" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_bulk_refuses_the_embedded_store(tmp_path: Path, run, sample: Path) -> None:
    store = str(tmp_path / "graph.tkg")
    refused = run("load", "--bulk", str(sample), store=store, check=False)
    assert refused.returncode == 1 and "empty local Neo4j" in refused.stderr
    assert json.loads(run("stats", "--year", "2020", "--format", "json", store=store).stdout)["links"] == 0


def test_bulk_restarts_the_server_when_the_csvs_fail(
    tmp_path: Path, neo4j_uri: str, run, sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops while the CSVs are written; if they cannot be written it is started again,
    the error says so, and the database is as it was (empty)."""
    run("clear", "--yes", store=neo4j_uri)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("TIAOKUAI_BULK_DIR", str(blocker / "csv"))
    failed = run("load", "--bulk", str(sample), store=neo4j_uri, check=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "nothing was imported" in failed.stderr and "has been started again" in failed.stderr
    stats = json.loads(run("stats", "--year", "2020", "--format", "json", store=neo4j_uri).stdout)
    assert stats["links"] == 0
