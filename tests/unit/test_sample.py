"""The bundled Heilongjiang sample: exact 2020 figures, determinism, integrity, realistic coverage.

The coverage computation here is deliberately self-contained (contract section 2 written out
again) so that the sample is checked independently of the project's own rules engine.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from graph.synthetic.sample import (
    LINK_COLUMNS,
    REGION_COLUMNS,
    REMOTE_PREFECTURES,
    UNIT_COLUMNS,
    SampleLedgers,
    build_sample,
    write_sample,
)

REPORT_KINDS = {"comprehensive_report", "thematic_report", "ad_hoc_report"}
LIAISON_KINDS = {
    "meeting_attendance",
    "visit",
    "coordination_visit",
    "information_exchange",
    "joint_research",
    "plan_consultation",
    "joint_supervision",
}
EXCHANGE_KINDS = {"cadre_exchange", "secondment", "party_school_training", "joint_training", "recommendation"}
ALL_LINK_KINDS = REPORT_KINDS | LIAISON_KINDS | EXCHANGE_KINDS | {"instruction"}
UNIT_KINDS = {
    "tax_bureau",
    "bureau_party_committee",
    "party_branch",
    "local_party_committee",
    "organization_department",
    "propaganda_department",
    "organs_work_committee",
    "discipline_commission",
    "party_school",
}
LIAISON_RULES = {
    "liaison_organization_department": "organization_department",
    "liaison_propaganda_department": "propaganda_department",
    "liaison_organs_work_committee": "organs_work_committee",
    "liaison_discipline_commission": "discipline_commission",
}


@pytest.fixture(scope="module")
def sample() -> SampleLedgers:
    return build_sample()


def totals(links: list[dict[str, str]], year: int) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"count": 0, "participants": 0})
    for row in links:
        if row["date"].startswith(f"{year}-"):
            out[row["kind"]]["count"] += int(row["count"])
            out[row["kind"]]["participants"] += int(row["participants"] or 0)
    return out


# ---- coverage, written out from the contract -------------------------------------------------


@dataclass
class Coverage:
    by_rule: dict[str, list[int]]  # rule -> [met, expected]
    by_unit: dict[str, list[int]]  # bureau id -> [met, expected]

    def ratio(self, rule: str | None = None) -> float:
        if rule is None:
            met = sum(m for m, _ in self.by_rule.values())
            expected = sum(e for _, e in self.by_rule.values())
        else:
            met, expected = self.by_rule[rule]
        return met / expected

    @property
    def expected(self) -> int:
        return sum(e for _, e in self.by_rule.values())


def coverage(ledgers: SampleLedgers, year: int) -> Coverage:
    units = {u["id"]: u for u in ledgers.units}
    # the bureau whose side a unit belongs to: bureau, its committee, the committee's branches
    side_of: dict[str, str] = {}
    for u in units.values():
        if u["kind"] == "tax_bureau":
            side_of[u["id"]] = u["id"]
    for u in units.values():
        if u["kind"] == "bureau_party_committee":
            side_of[u["id"]] = u["parent_id"]
    for u in units.values():
        if u["kind"] == "party_branch":
            side_of[u["id"]] = side_of[u["parent_id"]]
    local: dict[tuple[str, str], str] = {}
    for u in units.values():
        if u["kind"] not in ("tax_bureau", "bureau_party_committee", "party_branch"):
            local[(u["region_code"], u["kind"])] = u["id"]

    # observed[(bureau, counterpart, direction)][kind]: direction "out" is bureau side -> counterpart
    observed: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in ledgers.links:
        if not row["date"].startswith(f"{year}-"):
            continue
        source, target, n = row["source_id"], row["target_id"], int(row["count"])
        if source in side_of:
            observed[(side_of[source], target, "out")][row["kind"]] += n
        if target in side_of:
            observed[(side_of[target], source, "in")][row["kind"]] += n

    def count(kinds: set[str], bureau: str, counterpart: str | None, either: bool) -> int:
        if counterpart is None:
            return 0
        directions = ("out", "in") if either else ("out",)
        return sum(
            n for d in directions for kind, n in observed[(bureau, counterpart, d)].items() if kind in kinds
        )

    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def record(rule: str, bureau: str, ok: bool) -> None:
        for bucket in (by_rule[rule], by_unit[bureau]):
            bucket[0] += int(ok)
            bucket[1] += 1

    bureaus = [
        u
        for u in units.values()
        if u["kind"] == "tax_bureau" and u["level"] in ("provincial", "prefecture", "county")
    ]
    for b in bureaus:
        bid, region = b["id"], b["region_code"]
        lpc = local.get((region, "local_party_committee"))
        record("report_to_local_committee", bid, count(REPORT_KINDS, bid, lpc, either=False) >= 1)
        for rule, kind in LIAISON_RULES.items():
            record(rule, bid, count(LIAISON_KINDS, bid, local.get((region, kind)), either=True) >= 1)
        cadre = sum(
            count(EXCHANGE_KINDS, bid, local.get((region, kind)), either=True)
            for kind in ("organization_department", "party_school")
        )
        record("cadre_work_with_locality", bid, cadre >= 1)
        if b["level"] in ("provincial", "prefecture"):
            for sub in units.values():
                if sub["kind"] == "tax_bureau" and sub["parent_id"] == bid:
                    target = local.get((sub["region_code"], "local_party_committee"))
                    record(
                        "coordinate_lower_localities",
                        bid,
                        count({"coordination_visit"}, bid, target, either=False) >= 1,
                    )
    return Coverage(dict(by_rule), dict(by_unit))


# ---- the case study's 2020 figures -------------------------------------------------------------


def test_2020_totals_match_the_case_study(sample: SampleLedgers) -> None:
    t = totals(sample.links, 2020)
    assert sum(t[k]["count"] for k in REPORT_KINDS) == 651
    assert t["instruction"]["count"] == 117
    assert t["meeting_attendance"]["count"] == 374
    assert t["visit"]["count"] == 996
    assert 380 <= t["coordination_visit"]["count"] <= 399
    assert t["party_school_training"]["participants"] == 1175
    assert t["secondment"]["participants"] == 38
    assert t["recommendation"]["participants"] == 253


def test_joint_research_since_2020_is_six(sample: SampleLedgers) -> None:
    t2020, t2021 = totals(sample.links, 2020), totals(sample.links, 2021)
    assert t2020["joint_research"]["count"] + t2021["joint_research"]["count"] == 6
    units = {u["id"]: u for u in sample.units}
    for row in sample.links:
        if row["kind"] == "joint_research":
            kinds = {units[row["source_id"]]["kind"], units[row["target_id"]]["kind"]}
            assert kinds == {"tax_bureau", "organs_work_committee"}
            levels = {units[row["source_id"]]["level"], units[row["target_id"]]["level"]}
            assert levels <= {"provincial", "prefecture"}


def test_every_kind_occurs_in_2020(sample: SampleLedgers) -> None:
    assert set(totals(sample.links, 2020)) == ALL_LINK_KINDS


def test_2019_is_lower_and_2021_higher(sample: SampleLedgers) -> None:
    def volume(year: int) -> int:
        return sum(v["count"] for v in totals(sample.links, year).values())

    assert volume(2019) < volume(2020) < volume(2021)


# ---- determinism and files ---------------------------------------------------------------------


def test_same_seed_same_rows_other_seed_other_rows(sample: SampleLedgers) -> None:
    assert build_sample() == sample
    other = build_sample(seed=7)
    assert other.links != sample.links
    assert totals(other.links, 2020)["visit"]["count"] == 996  # the figures hold for any seed


def test_write_sample_is_byte_identical(tmp_path: Path) -> None:
    first = write_sample(tmp_path / "a")
    second = write_sample(tmp_path / "b")
    names = ["regions.csv", "units.csv", "links_2019.csv", "links_2020.csv", "links_2021.csv"]
    assert [p.name for p in first] == names
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_written_files_hold_the_built_rows(tmp_path: Path, sample: SampleLedgers) -> None:
    paths = {p.name: p for p in write_sample(tmp_path)}

    def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
        with paths[name].open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            return list(reader.fieldnames or []), list(reader)

    assert read("regions.csv") == (list(REGION_COLUMNS), sample.regions)
    assert read("units.csv") == (list(UNIT_COLUMNS), sample.units)
    for year in (2019, 2020, 2021):
        assert read(f"links_{year}.csv") == (list(LINK_COLUMNS), sample.links_for_year(year))


# ---- integrity ---------------------------------------------------------------------------------


def test_regions_are_the_bundled_divisions(sample: SampleLedgers) -> None:
    levels = defaultdict(int)
    for r in sample.regions:
        levels[r["level"]] += 1
    assert dict(levels) == {"province": 1, "prefecture": 13, "county": 121}


def test_every_reference_exists(sample: SampleLedgers) -> None:
    regions = {r["code"] for r in sample.regions}
    units = {u["id"] for u in sample.units}
    assert len(units) == len(sample.units)
    for u in sample.units:
        assert u["kind"] in UNIT_KINDS
        assert u["level"] in ("national", "provincial", "prefecture", "county")
        assert u["region_code"] in regions or (u["id"] == "TB-000000" and u["region_code"] == "")
        assert u["parent_id"] in units or u["parent_id"] == ""
    for link in sample.links:
        assert link["source_id"] in units and link["target_id"] in units


def test_units_follow_the_id_scheme(sample: SampleLedgers) -> None:
    units = {u["id"]: u for u in sample.units}
    assert units["TB-000000"]["name"] == "国家税务总局"
    assert units["TB-230000"]["name"] == "国家税务总局黑龙江省税务局"
    assert units["TB-230000"]["parent_id"] == "TB-000000"
    assert units["TB-230100"]["name"] == "国家税务总局哈尔滨市税务局"
    assert units["TB-230102"]["name"] == "国家税务总局哈尔滨市道里区税务局"
    assert units["TB-230102"]["parent_id"] == "TB-230100"
    assert units["TB-232700"]["name"] == "国家税务总局大兴安岭地区税务局"
    assert units["BPC-230100"]["parent_id"] == "TB-230100"
    assert units["LPC-230000"]["name"] == "中共黑龙江省委员会"
    assert units["LPC-230000"]["parent_id"] == ""
    assert units["LPC-230100"]["name"] == "中共哈尔滨市委员会"
    assert units["LPC-230102"]["parent_id"] == "LPC-230100"
    assert units["ORG-230100"]["name"] == "中共哈尔滨市委组织部"
    assert units["DISC-230100"]["name"] == "哈尔滨市纪委监委"
    assert units["SCH-230100"]["name"] == "中共哈尔滨市委党校"
    assert units["SCH-232700"]["name"] == "中共大兴安岭地委党校"
    for code in [r["code"] for r in sample.regions]:
        for prefix in ("TB", "BPC", "LPC", "ORG", "PROP", "DISC", "SCH"):
            assert f"{prefix}-{code}" in units
        branches = [uid for uid in units if uid.startswith(f"PB-{code}-")]
        assert 2 <= len(branches) <= 6
        assert all(units[b]["parent_id"] == f"BPC-{code}" for b in branches)
    missing_owc = [r["code"] for r in sample.regions if f"OWC-{r['code']}" not in units]
    assert 3 <= len(missing_owc) <= 6
    assert all(code[:4] + "00" in REMOTE_PREFECTURES for code in missing_owc)
    assert all(u["name_en"] for u in sample.units)


def test_links_are_well_formed(sample: SampleLedgers) -> None:
    ids = [link["id"] for link in sample.links]
    assert len(ids) == len(set(ids))
    years = set()
    for link in sample.links:
        assert link["kind"] in ALL_LINK_KINDS
        year = date.fromisoformat(link["date"]).year
        years.add(year)
        assert re.fullmatch(rf"L{year}-\d{{6}}", link["id"])
        assert int(link["count"]) >= 1
        assert link["participants"] == "" or int(link["participants"]) >= 0
        assert link["title"]
    assert years == {2019, 2020, 2021}


# ---- coverage realism --------------------------------------------------------------------------


def test_expected_requirements_are_944(sample: SampleLedgers) -> None:
    assert coverage(sample, 2020).expected == 135 * 6 + 13 + 121


def test_2020_coverage_is_high_but_not_perfect(sample: SampleLedgers) -> None:
    cov = coverage(sample, 2020)
    assert 0.70 <= cov.ratio() <= 0.98
    assert cov.ratio("report_to_local_committee") >= 0.97
    assert cov.ratio("report_to_local_committee") > cov.ratio("liaison_propaganda_department")
    assert cov.ratio("liaison_organization_department") > cov.ratio("cadre_work_with_locality")


def test_coverage_trend(sample: SampleLedgers) -> None:
    ratios = [coverage(sample, year).ratio() for year in (2019, 2020, 2021)]
    assert ratios[0] < ratios[1] < ratios[2]


def test_remote_counties_are_weaker(sample: SampleLedgers) -> None:
    cov = coverage(sample, 2020)
    units = {u["id"]: u for u in sample.units}
    remote, other = [], []
    for uid, (met, expected) in cov.by_unit.items():
        if units[uid]["level"] != "county":
            continue
        bucket = remote if units[uid]["region_code"][:4] + "00" in REMOTE_PREFECTURES else other
        bucket.append(met / expected)
    assert sum(remote) / len(remote) < sum(other) / len(other)


def test_some_channels_lapse_between_years(sample: SampleLedgers) -> None:
    before, after = coverage_pairs(sample, 2019), coverage_pairs(sample, 2020)
    assert before - after, "no channel alive in 2019 lapsed in 2020"
    assert after - before, "no channel revived in 2020"


def coverage_pairs(ledgers: SampleLedgers, year: int) -> set[tuple[str, str]]:
    """(bureau side member's bureau, counterpart) pairs with a liaison link in the year."""
    units = {u["id"]: u for u in ledgers.units}

    def bureau_of(uid: str) -> str | None:
        while uid and units[uid]["kind"] in ("party_branch", "bureau_party_committee"):
            uid = units[uid]["parent_id"]
        return uid if units[uid]["kind"] == "tax_bureau" else None

    pairs = set()
    for link in ledgers.links:
        if link["date"].startswith(f"{year}-") and link["kind"] in LIAISON_KINDS:
            source, target = link["source_id"], link["target_id"]
            for ours, theirs in ((source, target), (target, source)):
                bureau = bureau_of(ours)
                if bureau and units[theirs]["kind"] in LIAISON_RULES.values():
                    pairs.add((bureau, theirs))
    return pairs
