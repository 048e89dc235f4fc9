"""`tiaokuai load --replace year=… / region=…` at the surface, on each store.

The store after a replace is compared with a reference embedded store loaded from scratch with
what the replace should leave: the sample's links outside the slice plus the new file's links."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, fields: list[str], rows: list[dict[str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path


def graph(run, location: str, tmp: Path) -> dict[str, object]:
    """Every year's stats and exported links (aggregated by pair and kind), as readers see them."""
    out: dict[str, object] = {}
    for year in (2019, 2020, 2021):
        out[f"stats{year}"] = json.loads(
            run("stats", "--year", str(year), "--format", "json", store=location).stdout
        )
        target = tmp / f"export-{year}.json"
        run("export", "--format", "json", "--year", str(year), "--out", str(target), store=location)
        edges = json.loads(target.read_text(encoding="utf-8"))["links"]
        out[f"links{year}"] = sorted(json.dumps(e, sort_keys=True) for e in edges)
    return out


@pytest.fixture
def sample(sample_ledgers: Path) -> Path:
    return sample_ledgers


def links_of(sample: Path) -> tuple[list[str], list[dict[str, str]]]:
    fields, rows = [], []
    for year in (2019, 2020, 2021):
        fields, part = read(sample / f"links_{year}.csv")
        rows += part
    return fields, rows


def in_region(sample: Path, code: str) -> set[str]:
    """Units located in region ``code`` or a region within it."""
    _, regions = read(sample / "regions.csv")
    parent = {r["code"]: r.get("parent_code") or "" for r in regions}

    def within(c: str) -> bool:
        while c:
            if c == code:
                return True
            c = parent.get(c, "")
        return False

    _, units = read(sample / "units.csv")
    return {u["id"] for u in units if within(u.get("region_code") or "")}


def check_replace(
    run, location: str, tmp: Path, sample: Path, option: str, in_slice, expect_gone: bool = True
) -> None:
    fields, rows = links_of(sample)
    sliced = [r for r in rows if in_slice(r)]
    assert 50 < len(sliced) < len(rows)
    new = [dict(r) for r in sliced[::2]]
    new[0]["count"] = "7"
    new_file = write(tmp / "new" / "links_new.csv", fields, new)
    run("load", "-q", str(sample), store=location)
    replaced = run("load", "--replace", option, str(new_file), store=location)
    assert f"{len(sliced) - len(new)} stored link(s) not in the files deleted" in replaced.stderr
    if not location.endswith(".tkg"):  # a replace is a batched load on Neo4j: it shows its steps
        steps = next(line for line in replaced.stderr.splitlines() if line.startswith("各步用时 steps: "))
        named = [part.rsplit(" ", 2)[0] for part in steps.split(": ", 1)[1].split(", ")]
        assert named == ["校验 validate", "开始 begin", "暂存单位 stage units", "写入联系 write links",
                         "隐藏被替换 hide replaced", "切换 switch", "收尾 finish"]  # fmt: skip

    reference = str(tmp / "reference.db")
    ref_folder = tmp / "ref"
    for name in ("regions.csv", "units.csv"):
        write(ref_folder / name, *read(sample / name))
    write(ref_folder / "links_kept.csv", fields, [r for r in rows if not in_slice(r)] + new)
    run("load", "-q", str(ref_folder), store=reference)
    assert graph(run, location, tmp) == graph(run, reference, tmp)


def test_replace_year(tmp_path: Path, location: str, run, sample: Path) -> None:
    check_replace(run, location, tmp_path, sample, "year=2020", lambda r: r["date"].startswith("2020"))


def test_replace_region(tmp_path: Path, location: str, run, sample: Path) -> None:
    units = in_region(sample, "230100")
    check_replace(
        run, location, tmp_path, sample, "region=230100",
        lambda r: r["source_id"] in units or r["target_id"] in units,
    )  # fmt: skip


def test_failing_replace_changes_nothing(tmp_path: Path, location: str, run, sample: Path) -> None:
    run("load", "-q", str(sample), store=location)
    before = graph(run, location, tmp_path)
    fields, rows = read(sample / "links_2020.csv")
    bad = [dict(r) for r in rows[:20]]
    bad[5]["date"] = "2020-13-45"
    bad_file = write(tmp_path / "bad" / "links_2020.csv", fields, bad)
    failed = run("load", "--replace", "year=2020", str(bad_file), store=location, check=False)
    assert failed.returncode == 1 and "links_2020.csv" in failed.stderr
    assert graph(run, location, tmp_path) == before


@pytest.mark.parametrize("value", ["year=20", "county=230100", "2020", "region="])
def test_replace_option_is_checked(tmp_path: Path, run, sample: Path, value: str) -> None:
    bad = run("load", "--replace", value, str(sample), store=str(tmp_path / "s.db"), check=False)
    assert bad.returncode == 2 and "--replace" in bad.stderr
