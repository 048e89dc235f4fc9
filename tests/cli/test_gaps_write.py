"""``tiaokuai gaps --year Y --write``: the year's gaps as (:Gap) nodes in Neo4j (docs/browser.md).

Runs on the bundled sample in each store: on Neo4j (marked ``neo4j``, skipped when the test server
is unreachable unless TIAOKUAI_REQUIRE_NEO4J=1) the nodes must match ``gaps --format json``
exactly, be idempotent and be replaced on recompute; the embedded store keeps the same records
in its gaps and coverage tables.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]  # the ``run`` fixture of tests/cli/conftest.py
YEAR = 2020


def _driver(uri: str) -> Any:
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    return GraphDatabase.driver(uri, auth=auth)


def _query(driver: Any, cypher: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(
        cypher, params, database_=os.environ.get("NEO4J_DATABASE") or "neo4j"
    )
    return [r.data() for r in records]


def on(kind: str) -> Callable[[Any], Any]:
    """Run a test on the sample in one store kind only (``sample_location`` of conftest.py)."""
    parametrize = pytest.mark.parametrize("sample_location", [kind], indirect=True)
    return lambda f: pytest.mark.neo4j(parametrize(f)) if kind == "neo4j" else parametrize(f)


@pytest.fixture
def neo4j_sample(sample_location: str) -> Iterator[tuple[str, Any]]:
    """The sample on Neo4j, with a raw driver to look at the graph behind the CLI's back."""
    with _driver(sample_location) as driver:
        yield sample_location, driver


def _json_gaps(run: Run, location: str, *extra: str) -> list[dict[str, Any]]:
    return json.loads(run("gaps", "--year", str(YEAR), "--format", "json", *extra, store=location).stdout)


def _graph_gaps(driver: Any, year: int = YEAR) -> list[dict[str, Any]]:
    return _query(
        driver,
        """
        MATCH (g:Gap {year: $year})
        OPTIONAL MATCH (g)-[:GAP_OF]->(u:Unit)
        OPTIONAL MATCH (g)-[:MISSING_CONTACT_WITH]->(c:Unit)
        RETURN g.id AS id, g.unit_id AS unit_id, g.rule AS rule, g.family AS family,
               g.counterpart_kind AS counterpart_kind, g.counterpart_id AS counterpart_id,
               g.required AS required, g.observed AS observed,
               collect(DISTINCT u.id) AS gap_of, collect(DISTINCT c.id) AS missing
        ORDER BY id
        """,
        year=year,
    )


def _key(g: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(g[k] for k in ("unit_id", "rule", "family", "counterpart_kind", "counterpart_id",
                                "required", "observed"))  # fmt: skip


@on("neo4j")
def test_write_matches_gaps_json(run: Run, neo4j_sample: tuple[str, Any]) -> None:
    location, driver = neo4j_sample
    result = run("gaps", "--year", str(YEAR), "--format", "json", "--write", store=location)
    listed = json.loads(result.stdout)  # stdout stays pure JSON; the summary goes to stderr
    assert listed, "the sample has gaps in 2020"
    assert f"wrote {len(listed)} gaps" in result.stderr

    stored = _graph_gaps(driver)
    assert Counter(_key(g) for g in stored) == Counter(_key(g) for g in listed)
    for g in stored:
        assert g["gap_of"] == [g["unit_id"]], g["id"]
        assert g["missing"] == ([g["counterpart_id"]] if g["counterpart_id"] else []), g["id"]
        assert g["id"].startswith(f"GAP-{YEAR}-{g['unit_id']}-{g['rule']}")

    cov = json.loads(run("coverage", "--year", str(YEAR), "--format", "json", store=location).stdout)
    [totals] = _query(
        driver,
        "MATCH (c:Coverage {year: $year})-[:COVERAGE_OF]->(:TaxBureau) "
        "RETURN count(c) AS bureaus, sum(c.expected) AS expected, sum(c.met) AS met",
        year=YEAR,
    )
    assert totals == {"bureaus": len(cov["units"]), "expected": cov["expected"], "met": cov["met"]}
    assert cov["expected"] - cov["met"] == len(listed)


@on("neo4j")
def test_write_is_idempotent(run: Run, neo4j_sample: tuple[str, Any]) -> None:
    location, driver = neo4j_sample
    run("gaps", "--year", str(YEAR), "--write", "--format", "csv", store=location)
    first = _graph_gaps(driver)
    nodes_rels = "MATCH (n) WHERE n:Gap OR n:Coverage OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r"
    before = _query(driver, nodes_rels)
    second = run("gaps", "--year", str(YEAR), "--write", "--format", "csv", store=location)
    assert f"{len(first)} earlier gaps of {YEAR} replaced" in second.stderr
    assert _graph_gaps(driver) == first
    assert _query(driver, nodes_rels) == before


@on("neo4j")
def test_filters_narrow_the_listing_not_the_write(run: Run, neo4j_sample: tuple[str, Any]) -> None:
    location, driver = neo4j_sample
    full = _json_gaps(run, location)
    county = _json_gaps(run, location, "--level", "county", "--write")
    assert len(county) < len(full)
    assert len(_graph_gaps(driver)) == len(full)


@on("neo4j")
def test_recompute_replaces_the_year_only(run: Run, neo4j_sample: tuple[str, Any], tmp_path: Path) -> None:
    location, driver = neo4j_sample
    run("gaps", "--year", str(YEAR), "--write", "--format", "json", store=location)
    _query(driver, "CREATE (:Gap {id: 'GAP-stale', year: $year, rule: 'stale'})", year=YEAR)
    _query(driver, "CREATE (:Gap {id: 'GAP-1999-other-year', year: 1999, rule: 'kept'})")
    listed = _json_gaps(run, location)
    # Fill one gap with a new ledger row, then recompute: that gap (and the stale node) must go.
    target = next(g for g in listed if g["rule"].startswith("liaison_") and g["counterpart_id"])
    ledger = tmp_path / "links_fix.csv"
    ledger.write_text(
        "id,date,kind,source_id,target_id,count,participants,title\n"
        f"TEST-GAPWRITE-1,{YEAR}-06-01,visit,{target['unit_id']},{target['counterpart_id']},1,,test\n",
        encoding="utf-8",
    )
    try:
        run("load", "--quiet", str(ledger), store=location)
        after = _json_gaps(run, location, "--write")
        assert len(after) == len(listed) - 1
        stored = _graph_gaps(driver)
        assert Counter(_key(g) for g in stored) == Counter(_key(g) for g in after)
        ids = {g["id"] for g in stored}
        assert f"GAP-{YEAR}-{target['unit_id']}-{target['rule']}" not in ids
        assert "GAP-stale" not in ids
        assert _query(driver, "MATCH (g:Gap {year: 1999}) RETURN g.id AS id") == [
            {"id": "GAP-1999-other-year"}
        ]
    finally:
        _query(driver, "MATCH ()-[l {id: 'TEST-GAPWRITE-1'}]->() DELETE l")
        _query(driver, "MATCH (g:Gap {year: 1999}) DETACH DELETE g")
        run("gaps", "--year", str(YEAR), "--write", "--format", "json", store=location)
    assert len(_graph_gaps(driver)) == len(listed)


@on("embedded")
def test_embedded_store_writes_the_gaps_tables(run: Run, sample_location: str) -> None:
    """The embedded store keeps the same records as rows of its gaps and coverage tables: equal to
    ``gaps --format json``, replaced (not added to) when written again, other years untouched."""
    import sqlite3

    result = run("gaps", "--year", str(YEAR), "--format", "json", "--write", store=sample_location)
    listed = json.loads(result.stdout)
    assert listed and f"wrote {len(listed)} gaps" in result.stderr

    def stored() -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
        conn = sqlite3.connect(f"{Path(sample_location).resolve().as_uri()}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            gaps = [dict(r) for r in conn.execute("SELECT * FROM gaps WHERE year = ? ORDER BY id", (YEAR,))]
            totals = tuple(conn.execute(
                "SELECT count(*), sum(expected), sum(met) FROM coverage WHERE year = ?", (YEAR,)
            ).fetchone())  # fmt: skip
        finally:
            conn.close()
        return gaps, totals  # type: ignore[return-value]

    gaps, totals = stored()
    assert Counter(_key(g) for g in gaps) == Counter(_key(g) for g in listed)
    assert all(g["id"].startswith(f"GAP-{YEAR}-{g['unit_id']}-{g['rule']}") for g in gaps)
    cov = json.loads(run("coverage", "--year", str(YEAR), "--format", "json", store=sample_location).stdout)
    assert totals == (len(cov["units"]), cov["expected"], cov["met"])

    again = run("gaps", "--year", str(YEAR), "--write", "--format", "csv", store=sample_location)
    assert f"{len(listed)} earlier gaps of {YEAR} replaced" in again.stderr
    assert stored() == (gaps, totals)
    run("gaps", "--year", str(YEAR - 1), "--write", "--format", "csv", store=sample_location)
    assert stored() == (gaps, totals)
