"""Expected-but-missing contact (the rules) and lapsed channels, on both stores."""

from __future__ import annotations

import pytest

from graph import rules
from graph.analysis import channels, lapsed, lapsed_requirements, missing, project_years, revived

ROWS = [
    # TB-230102: propaganda liaison in 2019 (through its branch), none in 2020: lapsed
    (2019, "visit", "PB-230102-01", "PROP-230102", 2),
    # reporting both years: alive, not lapsed
    (2019, "comprehensive_report", "BPC-230102", "LPC-230102"),
    (2020, "comprehensive_report", "BPC-230102", "LPC-230102"),
    # exchange with the organization department in 2019 only, but liaison with it in 2020:
    # the exchange channel lapsed, the liaison channel revived
    (2019, "secondment", "TB-230102", "ORG-230102"),
    (2020, "meeting_attendance", "ORG-230102", "TB-230102"),
    # another county reports in 2019 only
    (2019, "ad_hoc_report", "TB-230103", "LPC-230103", 4),
]


def test_channels_are_per_bureau_counterpart_and_family(store, world):
    g = project_years(world(store, ROWS), [2019, 2020])
    assert channels(g, 2019) == {
        ("TB-230102", "LPC-230102", "reporting"): 1,
        ("TB-230102", "ORG-230102", "exchange"): 1,
        ("TB-230102", "PROP-230102", "liaison"): 2,
        ("TB-230103", "LPC-230103", "reporting"): 4,
    }


def test_lapsed_and_revived(store, world):
    g = project_years(world(store, ROWS), [2019, 2020])
    got = [
        (r["bureau_id"], r["counterpart_id"], r["family"], r["count_2019"], r["count_2020"])
        for r in lapsed(g, 2020)
    ]
    assert got == [
        ("TB-230102", "ORG-230102", "exchange", 1, 0),
        ("TB-230102", "PROP-230102", "liaison", 2, 0),
        ("TB-230103", "LPC-230103", "reporting", 4, 0),
    ]
    row = lapsed(g, 2020)[1]
    assert row["counterpart_kind"] == "propaganda_department" and row["counterpart_name"] == "宣传部230102"
    assert row["name"] == "税务局230102" and row["level"] == "county"
    back = revived(g, 2020)
    assert [(r["counterpart_id"], r["family"], r["count_2019"], r["count_2020"]) for r in back] == [
        ("ORG-230102", "liaison", 0, 1)
    ]


def test_lapsed_needs_last_year_in_the_projection(store, world):
    g = project_years(world(store, ROWS), [2020])
    with pytest.raises(ValueError, match="2019"):
        lapsed(g, 2020)


def test_nothing_lapses_without_last_year_data(store, world):
    g = project_years(world(store, ROWS), [2020, 2021])
    assert lapsed(g, 2021) == [
        {"bureau_id": "TB-230102", "name": "税务局230102", "level": "county", "region_code": "230102",
         "counterpart_id": c, "counterpart_name": n, "counterpart_kind": k, "family": f,
         "count_2020": 1, "count_2021": 0}
        for c, n, k, f in [("LPC-230102", "党委230102", "local_party_committee", "reporting"),
                           ("ORG-230102", "组织部230102", "organization_department", "liaison")]
    ]  # fmt: skip
    g18 = project_years(store, [2018, 2019])
    assert lapsed(g18, 2019) == []


def test_lapsed_requirements_are_rules_met_last_year_only(store, world):
    world(store, ROWS)
    got = {
        (r["unit_id"], r["rule"], r["previous_observed"], r["observed"])
        for r in lapsed_requirements(store, 2020)
    }
    assert got == {
        ("TB-230102", "liaison_propaganda_department", 2, 0),
        ("TB-230102", "cadre_work_with_locality", 1, 0),  # the 2019 secondment, nothing in 2020
        ("TB-230103", "report_to_local_committee", 4, 0),
    }
    # the organization department liaison was unmet in 2019 and met in 2020: not lapsed
    assert not any(r == "liaison_organization_department" for _, r, *_ in got)


def test_missing_is_the_rule_engines_gaps_with_names(store, world):
    world(store, ROWS)
    rows = missing(store, 2020)
    assert [{k: v for k, v in r.items() if k not in ("name", "counterpart_name")} for r in rows] == [
        g.as_gap() for g in rules.gaps(store, 2020)
    ]
    first = next(
        r for r in rows if r["unit_id"] == "TB-230102" and r["rule"] == "liaison_discipline_commission"
    )
    assert first["name"] == "税务局230102" and first["counterpart_name"] == "纪委监委230102"
    assert missing(store, 2020, rule="report_to_local_committee", level="county") == [
        r for r in rows if r["rule"] == "report_to_local_committee" and r["unit_id"] != "TB-230100"
        and r["unit_id"] != "TB-230000"
    ]  # fmt: skip
