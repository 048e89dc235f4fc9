"""The national-scale generator (graph.synthetic.national) and a smoke run of bench/run.py.

Generator tests are about shape, not speed: determinism, the scale knob, referential integrity,
the id scheme, and that gaps exist. The smoke runs check that the benchmark harness works end to
end on tiny data and writes the keys docs/performance.md documents.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from graph import rules
from graph.model.vocabulary import vocabulary
from graph.store.embedded import EmbeddedStore
from graph.synthetic import national
from graph.synthetic.national import (
    LINKS_PER_YEAR,
    NATIONAL_BUREAU_ID,
    YEARS,
    build_national,
    write_dataset_csv,
    write_national,
)

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "bench" / "run.py"

BUREAU_SIDE_PREFIX = {"tax_bureau": "TB", "bureau_party_committee": "BPC", "party_branch": "PB"}
LOCAL_PREFIX = {
    "local_party_committee": "LPC",
    "organization_department": "ORG",
    "propaganda_department": "PROP",
    "organs_work_committee": "OWC",
    "discipline_commission": "DISC",
    "party_school": "SCH",
}
REGION_LEVEL_OF_UNIT = {"provincial": "province", "prefecture": "prefecture", "county": "county"}


@pytest.fixture(scope="module")
def small():
    return build_national(0.01, seed=1)


@pytest.fixture(scope="module")
def medium():
    return build_national(0.05, seed=1)


# -- determinism and the scale knob ---------------------------------------------------------------


def test_same_seed_same_dataset(small):
    again = build_national(0.01, seed=1)
    assert again.regions == small.regions
    assert again.units == small.units
    assert again.links == small.links


def test_other_seed_other_links(small):
    other = build_national(0.01, seed=2)
    assert [lk.source_id for lk in other.links[:200]] != [lk.source_id for lk in small.links[:200]]


def test_scale_one_means_a_million_links_over_five_years():
    assert sum(LINKS_PER_YEAR.values()) == 1_000_000
    assert YEARS == (2019, 2020, 2021, 2022, 2023)


def test_scale_changes_sizes_roughly_proportionally(small, medium):
    def bureaus(d):
        return Counter(u.level for u in d.units if u.kind == "tax_bureau")

    assert len(medium.links) == pytest.approx(50_000, rel=0.05)
    assert len(small.links) == pytest.approx(10_000, rel=0.08)
    assert len(medium.links) / len(small.links) == pytest.approx(5, rel=0.1)
    b_small, b_medium = bureaus(small), bureaus(medium)
    assert b_medium["county"] == 150 and b_small["county"] == 30  # 3,000 × scale
    assert b_medium["prefecture"] == 25 and b_small["prefecture"] == 5  # 500 × scale
    assert sum(b_medium.values()) / sum(b_small.values()) == pytest.approx(5, rel=0.15)


def test_full_scale_structure_without_links():
    """Scale 1 has 36 provincial-level regions, 500 prefectures and 3,000 counties."""
    import random

    regions, units, bureaus = national.build_structure(1.0, random.Random(1))
    levels = Counter(r.level for r in regions)
    assert levels == {"province": 36, "prefecture": 500, "county": 3000}
    assert len(bureaus) == 3536
    assert 35_000 < len(units) < 45_000


@pytest.mark.parametrize("scale", [0, -1, float("nan"), float("inf"), national.MAX_SCALE * 2])
def test_bad_scale_is_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        build_national(scale)


# -- referential integrity and the id scheme ----------------------------------------------------


def test_ids_are_unique(medium):
    assert len({u.id for u in medium.units}) == len(medium.units)
    assert len({r.code for r in medium.regions}) == len(medium.regions)
    assert len({lk.id for lk in medium.links}) == len(medium.links)


def test_regions_are_well_formed_and_nested(medium):
    by_code = {r.code: r for r in medium.regions}
    for r in medium.regions:
        assert re.fullmatch(r"\d{6}", r.code), r.code
        if r.level == "province":
            assert r.parent_code is None and r.code.endswith("0000")
        elif r.level == "prefecture":
            assert r.code.endswith("00") and r.parent_code == r.code[:2] + "0000"
        else:
            assert r.level == "county" and not r.code.endswith("00")
            assert r.parent_code == r.code[:4] + "00"
        if r.parent_code:
            assert r.parent_code in by_code


def test_units_follow_the_sample_id_scheme_and_parents_exist(medium):
    units = {u.id: u for u in medium.units}
    regions = {r.code: r for r in medium.regions}
    assert units[NATIONAL_BUREAU_ID].level == "national"
    for u in medium.units:
        if u.id == NATIONAL_BUREAU_ID:
            continue
        code = u.region_code
        assert code in regions
        assert REGION_LEVEL_OF_UNIT[u.level] == regions[code].level
        prefix = BUREAU_SIDE_PREFIX.get(u.kind) or LOCAL_PREFIX[u.kind]
        if u.kind == "party_branch":
            assert re.fullmatch(rf"PB-{code}-\d\d", u.id), u.id
        else:
            assert u.id == f"{prefix}-{code}"
        # parent_id as the contract defines it, per kind
        parent_code = regions[code].parent_code
        expected_parent = {
            "tax_bureau": f"TB-{parent_code}" if parent_code else NATIONAL_BUREAU_ID,
            "bureau_party_committee": f"TB-{code}",
            "party_branch": f"BPC-{code}",
            "local_party_committee": f"LPC-{parent_code}" if parent_code else None,
        }.get(u.kind, f"LPC-{code}")
        assert u.parent_id == expected_parent, u
        if u.parent_id:
            assert u.parent_id in units


def test_every_region_has_its_bureau_and_committee(medium):
    ids = {u.id for u in medium.units}
    for r in medium.regions:
        for prefix in ("TB", "BPC", "LPC", "ORG", "PROP", "DISC", "SCH"):
            assert f"{prefix}-{r.code}" in ids
        assert f"PB-{r.code}-01" in ids and f"PB-{r.code}-02" in ids


def test_links_reference_units_and_use_known_kinds(medium):
    vocab = vocabulary()
    ids = {u.id for u in medium.units}
    kinds = Counter()
    for lk in medium.links:
        assert lk.source_id in ids and lk.target_id in ids and lk.source_id != lk.target_id
        assert vocab.family_of(lk.kind) == lk.family
        assert lk.date.year in YEARS
        assert re.fullmatch(rf"L{lk.date.year}-\d{{7}}", lk.id)
        assert lk.count >= 1
        assert lk.participants is None or lk.participants >= 0
        kinds[lk.kind] += 1
    assert set(kinds) == set(vocab.link_kinds)  # every kind occurs at this size


def test_csv_ledgers_load_through_the_loaders(tmp_path):
    from loaders import load_paths

    data = build_national(0.002, seed=5)
    paths = write_national(tmp_path / "ledgers", 0.002, seed=5)
    assert [p.name for p in paths] == ["regions.csv", "units.csv"] + [f"links_{y}.csv" for y in YEARS]
    store = EmbeddedStore(tmp_path / "g.tkg")
    report = load_paths(store, [tmp_path / "ledgers"])
    assert (report.regions, report.units, report.links) == (
        len(data.regions),
        len(data.units),
        len(data.links),
    )
    first = data.links[0]
    loaded = store.get_links([first.id])[first.id]
    assert (loaded.kind, loaded.date, loaded.source_id, loaded.target_id, loaded.count, loaded.title) == (
        first.kind, first.date, first.source_id, first.target_id, first.count, first.title,
    )  # fmt: skip
    assert (loaded.source_file, loaded.source_row) == (f"links_{first.date.year}.csv", 2)


def test_streamed_ledgers_are_the_built_dataset_byte_for_byte(tmp_path):
    """``sample --national`` writes the links as they are drawn; the files must be exactly those
    of writing the dataset the benchmarks build in memory (same draws, same order, same years)."""
    streamed = write_national(tmp_path / "streamed", 0.003, seed=7)
    built = write_dataset_csv(build_national(0.003, seed=7), tmp_path / "built")
    assert [p.name for p in streamed] == [p.name for p in built]
    for a, b in zip(streamed, built, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


# -- gaps ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def medium_store(medium, tmp_path_factory):
    store = EmbeddedStore(tmp_path_factory.mktemp("national") / "g.tkg")
    store.write(medium)
    return store


def test_gaps_exist_but_coverage_is_mostly_met(medium_store):
    for year in (2019, 2023):
        cov = rules.coverage(medium_store, year)
        assert 0.7 < cov.ratio < 0.97, (year, cov.ratio)
    gaps = rules.gaps(medium_store, 2021)
    by_rule = Counter(g.rule for g in gaps)
    assert len(by_rule) >= 5  # gaps spread over the rules, not one broken channel
    assert by_rule["liaison_propaganda_department"] > by_rule["liaison_organization_department"]
    assert any(g.counterpart_id is None for g in gaps)  # counties without an organs work committee


def test_coverage_improves_over_the_years(medium_store):
    ratios = [rules.coverage(medium_store, y).ratio for y in (2019, 2023)]
    assert ratios[0] < ratios[1]


def test_met_decisions_are_what_the_rules_see(medium, medium_store):
    """Links are written only on channels decided as met, and every met channel has a link."""
    import random

    rng = random.Random(1)
    _, _, bureaus = national.build_structure(0.05, rng)
    met = national.decide_met(bureaus, rng)
    for year in (2020, 2022):
        for req in rules.evaluate(medium_store, year):
            code = req.unit_id.removeprefix("TB-")
            key = f"{national.COORDINATE}:{req.subject_id[3:]}" if req.subject_id else req.rule
            assert (key in met[year][code]) == req.met, req


# -- bench/run.py end to end ----------------------------------------------------------------------

EMBEDDED_KEYS = [
    "embedded_load_links_per_s",
    "loaders_read_validate_links_per_s",
    "gaps_national_embedded_s",
    "gaps_national_embedded_repeat_s",
    "coverage_national_embedded_s",
    "embedded_open_fresh_process_s",
    "embedded_rss_mb_per_100k_links",
    "serve_rps_16_clients",
    "serve_p99_ms_16_clients",
    "serve_errors_16_clients",
    "embedded_load_vs_sqlite_executemany",
    "embedded_small_load_vs_empty",
    "embedded_gaps_vs_sql_floor",
    "embedded_rss_mb_1m_links",
    "embedded_open_ms_1m_links",
]
NEO4J_KEYS = [
    "neo4j_load_links_per_s",
    "neo4j_load_vs_per_row",
    "graphql_lookup_p50_vs_driver",
    "graphql_lookup_p99_vs_driver",
    "bolt_roundtrips_per_request_1000_items",
    "gaps_national_neo4j_s",
    "coverage_national_neo4j_s",
    "serve_rps_16_clients_neo4j",
]


def _run_bench(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--serve-seconds", "1", "--workdir", str(tmp_path),
         "--out", str(out), *args],
        capture_output=True, text=True, timeout=900, cwd=REPO, env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "targets:" in proc.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def test_bench_only_refuses_an_unknown_step(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--only", "neo4j_load,no_such_step", "--out", str(tmp_path / "b.json")],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--only: unknown step(s) no_such_step" in proc.stderr and "neo4j_load" in proc.stderr
    assert not (tmp_path / "b.json").exists()


def test_bench_only_runs_the_steps_named(tmp_path):
    doc = _run_bench(tmp_path, "--no-neo4j", "--only", "embedded_load")
    assert doc["errors"] == {}
    assert doc["embedded_load_links_per_s"] is not None  # asked for
    assert doc["gaps_national_embedded_s"] is None  # not asked for


def test_bench_smoke_embedded(tmp_path):
    doc = _run_bench(tmp_path, "--no-neo4j")
    for key in EMBEDDED_KEYS + NEO4J_KEYS:
        assert key in doc, key
    for key in EMBEDDED_KEYS:
        assert doc[key] is not None, (key, doc["errors"])
    assert doc["serve_errors_16_clients"] == 0
    assert doc["errors"] == {}
    assert doc["targets"]["gaps_national_embedded_s"]["pass"] is True
    assert doc["targets"]["neo4j_load_links_per_s"]["pass"] is None  # skipped, not failed
    assert doc["meta"]["machine"]["nproc"] >= 1


@pytest.mark.neo4j
def test_bench_smoke_neo4j(tmp_path, neo4j_uri):
    doc = _run_bench(tmp_path, "--neo4j", neo4j_uri)
    assert doc["errors"] == {}, doc["errors"]
    for key in EMBEDDED_KEYS + NEO4J_KEYS:
        assert doc[key] is not None, key
    assert doc["neo4j_gaps_match_embedded"] is True
    assert doc["serve_errors_16_clients_neo4j"] == 0
    assert doc["bolt_roundtrips_per_request_1000_items"] >= 1
    assert doc["items_returned_1000_items"] >= 1


@pytest.mark.neo4j
def test_bench_smoke_peer(tmp_path, neo4j_uri):
    """@neo4j/graphql beside tiaokuai (bench/peer_bench.py): measured with equal answers, or skipped
    with the reason (no Node, no APOC in the server), never an error."""
    doc = _run_bench(tmp_path, "--neo4j", neo4j_uri, "--only", "peer")
    assert doc["errors"] == {}, doc["errors"]
    if doc.get("peer_skipped"):
        assert "Node.js" in doc["peer_skipped"] or "APOC" in doc["peer_skipped"]
        return
    for question in ("units_of_prefecture", "links_two_hops", "links_by_family", "analyst"):
        assert doc[f"graphql_vs_neo4j_graphql_p50_{question}"] > 0
        assert doc[f"peer_{question}_tiaokuai_bolt_round_trips"] >= 1
    assert doc["targets"]["graphql_vs_neo4j_graphql_p50"]["value"] is not None
