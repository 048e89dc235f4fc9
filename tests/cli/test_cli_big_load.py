"""`tiaokuai sample --national`, `load --jobs/--recover` and `clear` at the surface, on each store.

The national sample is written at a small scale here; at scale 1.0 (a million links) the slow test
tests/stores/test_neo4j_national_slow.py loads, clears and reloads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def stats(run, location: str, year: int = 2021) -> dict:
    return json.loads(run("stats", "--year", str(year), "--format", "json", store=location).stdout)


def test_national_sample_loads_with_jobs_and_clears(tmp_path: Path, location: str, run) -> None:
    folder = tmp_path / "national"
    out = run("sample", "--national", "--scale", "0.01", "--seed", "3", "--out", str(folder))
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["links_2019.csv", "links_2020.csv", "links_2021.csv", "links_2022.csv",
                     "links_2023.csv", "regions.csv", "units.csv"]  # fmt: skip
    assert str(folder / "units.csv") in out.stdout
    loaded = run("load", "--jobs", "2", str(folder), store=location)
    assert "links/s" in loaded.stderr and "(0 new)" not in loaded.stderr
    before = stats(run, location)
    assert before["links"] > 0
    # the same files again change nothing
    again = run("load", "-j", "1", str(folder), store=location)
    assert " (0 new)" in again.stderr
    assert stats(run, location) == before

    refused = run("clear", store=location, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert stats(run, location) == before
    cleared = run("clear", "--yes", store=location)
    assert "cleared" in cleared.stderr
    assert stats(run, location)["links"] == 0
    assert stats(run, location)["units"] == 0


def test_recover_without_paths_and_load_without_either(location: str, run) -> None:
    recovered = run("load", "--recover", store=location)
    assert "recovered 0 interrupted load(s)" in recovered.stderr
    missing = run("load", store=location, check=False)
    assert missing.returncode == 2 and "--recover" in missing.stderr


@pytest.mark.parametrize("scale", ["0", "8"])
def test_national_scale_out_of_range_is_refused(tmp_path: Path, run, scale: str) -> None:
    bad = run("sample", "--national", "--scale", scale, "--out", str(tmp_path / "x"), check=False)
    assert bad.returncode == 2 and "--scale" in bad.stderr
