"""The coverage and gap rules (contract section 2) on small graphs whose answers are known."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from graph import rules
from graph.errors import ConfigError
from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.store import open_store

V = vocabulary()
D = dt.date


def link(lid: str, kind: str, src: str, dst: str, date: dt.date, count: int = 1) -> Link:
    return Link(lid, kind, V.family_of(kind), date, src, dst, count)


def locality(code: str, level: str, parent: str | None, *, skip: tuple[str, ...] = ()) -> list[Unit]:
    """A local party committee with its five departments (minus ``skip``)."""
    lpc = Unit(f"LPC-{code}", f"委{code}", "local_party_committee", level, code, parent and f"LPC-{parent}")
    prefixes = {
        "organization_department": "ORG",
        "propaganda_department": "PROP",
        "organs_work_committee": "OWC",
        "discipline_commission": "DISC",
        "party_school": "SCH",
    }
    deps = [
        Unit(f"{p}-{code}", f"{p}{code}", kind, level, code, lpc.id)
        for kind, p in prefixes.items()
        if kind not in skip
    ]
    return [lpc, *deps]


def bureau(code: str, level: str, parent: str | None) -> list[Unit]:
    return [
        Unit(f"TB-{code}", f"局{code}", "tax_bureau", level, code, parent and f"TB-{parent}"),
        Unit(f"BPC-{code}", f"党委{code}", "bureau_party_committee", level, code, f"TB-{code}"),
        Unit(f"PB-{code}-01", f"支部{code}", "party_branch", level, code, f"BPC-{code}"),
    ]


@pytest.fixture
def world(tmp_path: Path):
    """A province with one prefecture and two counties; county 230103 has no organs committee."""
    regions = [
        Region("230000", "省", "province"),
        Region("230100", "市", "prefecture", "230000"),
        Region("230102", "县甲", "county", "230100"),
        Region("230103", "县乙", "county", "230100"),
    ]
    units = (
        bureau("230000", "provincial", None)
        + bureau("230100", "prefecture", "230000")
        + bureau("230102", "county", "230100")
        + bureau("230103", "county", "230100")
        + locality("230000", "provincial", None)
        + locality("230100", "prefecture", "230000")
        + locality("230102", "county", "230100")
        + locality("230103", "county", "230100", skip=("organs_work_committee",))
    )
    store = open_store(tmp_path / "g.tkg")
    store.write(Dataset(regions, units, []))
    return store


def by_key(reqs):
    return {(r.unit_id, r.rule, r.counterpart_id): r for r in reqs}


def test_expected_requirements_per_bureau(world):
    reqs = rules.evaluate(world, 2020)
    # 4 bureaus × 6 rules, plus one coordination requirement per subordinate: 1 (province) + 2
    assert len(reqs) == 4 * 6 + 3
    assert not any(r.met for r in reqs)
    coordinate = [r for r in reqs if r.rule == "coordinate_lower_localities"]
    assert {(r.unit_id, r.counterpart_id) for r in coordinate} == {
        ("TB-230000", "LPC-230100"),
        ("TB-230100", "LPC-230102"),
        ("TB-230100", "LPC-230103"),
    }


def test_missing_counterpart_is_expected_and_unmet(world):
    reqs = by_key(rules.evaluate(world, 2020))
    missing = reqs[("TB-230103", "liaison_organs_work_committee", None)]
    assert missing.counterpart_kind == "organs_work_committee"
    assert not missing.met
    gap_rows = [g.as_gap() for g in rules.gaps(world, 2020, rule="liaison_organs_work_committee")]
    assert {"unit_id": "TB-230103", "rule": "liaison_organs_work_committee", "family": "liaison",
            "counterpart_kind": "organs_work_committee", "counterpart_id": None, "required": 1,
            "observed": 0} in gap_rows  # fmt: skip


def test_link_from_party_branch_counts_for_its_bureau(world):
    world.write(Dataset(links=[link("a", "thematic_report", "PB-230102-01", "LPC-230102", D(2020, 5, 1))]))
    reqs = by_key(rules.evaluate(world, 2020))
    assert reqs[("TB-230102", "report_to_local_committee", "LPC-230102")].observed == 1
    assert reqs[("TB-230102", "report_to_local_committee", "LPC-230102")].met


def test_link_in_another_year_does_not_count(world):
    world.write(Dataset(links=[link("a", "visit", "TB-230102", "PROP-230102", D(2019, 12, 31), 3)]))
    reqs2020 = by_key(rules.evaluate(world, 2020))
    reqs2019 = by_key(rules.evaluate(world, 2019))
    key = ("TB-230102", "liaison_propaganda_department", "PROP-230102")
    assert reqs2020[key].observed == 0
    assert reqs2019[key].observed == 3


def test_direction_matters_for_reports_but_not_liaison(world):
    world.write(
        Dataset(
            links=[
                # a committee "reporting" to the bureau does not satisfy bureau → committee
                link("r", "comprehensive_report", "LPC-230102", "TB-230102", D(2020, 1, 1)),
                # a department attending the bureau's meeting is liaison either way
                link("m", "meeting_attendance", "ORG-230102", "BPC-230102", D(2020, 1, 1), 2),
            ]
        )
    )
    reqs = by_key(rules.evaluate(world, 2020))
    assert reqs[("TB-230102", "report_to_local_committee", "LPC-230102")].observed == 0
    assert reqs[("TB-230102", "liaison_organization_department", "ORG-230102")].observed == 2


def test_wrong_family_or_wrong_locality_does_not_count(world):
    world.write(
        Dataset(
            links=[
                link(
                    "x", "cadre_exchange", "TB-230102", "PROP-230102", D(2020, 3, 1)
                ),  # exchange, not liaison
                link("y", "visit", "TB-230102", "PROP-230103", D(2020, 3, 1)),  # neighbour county's dept
            ]
        )
    )
    reqs = by_key(rules.evaluate(world, 2020))
    assert reqs[("TB-230102", "liaison_propaganda_department", "PROP-230102")].observed == 0


def test_cadre_work_counts_either_counterpart_and_names_the_first(world):
    world.write(Dataset(links=[link("t", "party_school_training", "TB-230100", "SCH-230100", D(2020, 6, 1))]))
    reqs = by_key(rules.evaluate(world, 2020))
    req = reqs[("TB-230100", "cadre_work_with_locality", "ORG-230100")]
    assert req.counterpart_kind == "organization_department"
    assert req.met and req.observed == 1


def test_coordination_visit_counts_only_for_the_subordinate_locality(world):
    world.write(Dataset(links=[link("c", "coordination_visit", "BPC-230100", "LPC-230102", D(2020, 6, 1))]))
    reqs = by_key(rules.evaluate(world, 2020))
    assert reqs[("TB-230100", "coordinate_lower_localities", "LPC-230102")].met
    assert not reqs[("TB-230100", "coordinate_lower_localities", "LPC-230103")].met


def test_coverage_ratios_and_groups(world):
    world.write(
        Dataset(
            links=[
                link("a", "ad_hoc_report", "TB-230000", "LPC-230000", D(2020, 1, 1)),
                link("b", "ad_hoc_report", "TB-230102", "LPC-230102", D(2020, 1, 1)),
                link("c", "visit", "TB-230103", "DISC-230103", D(2020, 1, 1)),
            ]
        )
    )
    cov = rules.coverage(world, 2020).as_dict()
    assert (cov["expected"], cov["met"]) == (27, 3)
    assert cov["ratio"] == pytest.approx(3 / 27)
    regions = {r["region_code"]: (r["expected"], r["met"]) for r in cov["by_region"]}
    # the provincial bureau forms its own group; the prefecture holds itself and its counties
    assert regions == {"230000": (7, 1), "230100": (20, 2)}
    levels = {r["level"]: (r["expected"], r["met"]) for r in cov["by_level"]}
    assert levels == {"provincial": (7, 1), "prefecture": (8, 0), "county": (12, 2)}
    assert [r["rule"] for r in cov["by_rule"]][0] == "report_to_local_committee"
    county = rules.coverage(world, 2020, level="county", region_code="230100").as_dict()
    assert (county["expected"], county["met"]) == (12, 2)


def test_gaps_sorted_and_filtered(world):
    found = rules.gaps(world, 2020, level="county")
    keys = [g.sort_key()[:3] for g in found]
    assert keys == sorted(keys)
    assert {g.unit_id for g in found} == {"TB-230102", "TB-230103"}


def test_broken_rules_file_names_the_file(tmp_path: Path):
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "rules:\n  - {id: r, family: liaison, links: [visit], counterpart: [nowhere], direction: either,"
        " applies_to: {kind: tax_bureau, levels: [county]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"rules\.yaml: rule 1 \(r\): unknown counterpart nowhere"):
        rules.load_rules(bad)
