"""One-sided pairs and reciprocity per bureau, on both stores."""

from __future__ import annotations

from graph.analysis import one_sided, project_years, reciprocity, system_reciprocity

ROWS = [
    (2020, "visit", "TB-230102", "ORG-230102", 3),  # the bureau visits; the department never comes
    (2020, "thematic_report", "BPC-230102", "LPC-230102", 2),  # reports ...
    (2020, "instruction", "LPC-230102", "TB-230102"),  # ... answered: mutual
    (2020, "meeting_attendance", "DISC-230102", "PB-230102-01", 2),  # only the locality acts
    (2019, "visit", "TB-230102", "DISC-230102"),  # ... in 2020; in 2019 the bureau went
    (2020, "ad_hoc_report", "TB-230103", "LPC-230103"),
]


def test_one_sided_pairs_in_one_year(store, world):
    g = project_years(world(store, ROWS), [2019, 2020])
    got = [(r["bureau_id"], r["counterpart_id"], r["initiated_by"], r["bureau_to_local"],
            r["local_to_bureau"], r["kinds"]) for r in one_sided(g, 2020)]  # fmt: skip
    assert got == [
        ("TB-230102", "DISC-230102", "locality", 0, 2, ["meeting_attendance"]),
        ("TB-230102", "ORG-230102", "bureau", 3, 0, ["visit"]),
        ("TB-230103", "LPC-230103", "bureau", 1, 0, ["ad_hoc_report"]),
    ]
    assert one_sided(g, 2020)[0]["counterpart_kind"] == "discipline_commission"
    assert all(r["same_region"] for r in one_sided(g, 2020))


def test_coordination_visits_are_one_sided_across_regions(store, world):
    g = project_years(world(store, [(2020, "coordination_visit", "BPC-230100", "LPC-230103")]), [2020])
    (row,) = one_sided(g, 2020)
    assert (row["bureau_id"], row["counterpart_id"], row["same_region"]) == ("TB-230100", "LPC-230103", False)


def test_one_sided_over_several_years(store, world):
    g = project_years(world(store, ROWS), [2019, 2020])
    # over both years the discipline commission pair has links both ways: not one-sided
    assert [r["counterpart_id"] for r in one_sided(g, [2019, 2020])] == ["ORG-230102", "LPC-230103"]
    assert one_sided(g) == one_sided(g, [2019, 2020])


def test_reciprocity_per_bureau(store, world):
    g = project_years(world(store, ROWS), [2020])
    rows = {r["bureau_id"]: r for r in reciprocity(g, 2020)}
    assert set(rows) == {"TB-230000", "TB-230100", "TB-230102", "TB-230103", "TB-230104", "TB-230105"}
    r = rows["TB-230102"]
    assert (r["partners"], r["mutual"], r["outgoing"], r["incoming"]) == (3, 1, 5, 3)
    assert r["reciprocity"] == 1 / 3 and r["initiative"] == 5 / 8
    r = rows["TB-230103"]
    assert (r["partners"], r["mutual"], r["reciprocity"], r["initiative"]) == (1, 0, 0.0, 1.0)
    r = rows["TB-230104"]
    assert (r["partners"], r["reciprocity"], r["initiative"]) == (0, None, None)


def test_system_reciprocity(store, world):
    g = project_years(world(store, ROWS), [2020])
    s = system_reciprocity(g, 2020)
    # dyads: TB-230102 with ORG, LPC, DISC; TB-230103 with LPC. Mutual: LPC-230102 only.
    # directed horizontal edges: 5, of which 2 reciprocated
    assert s == {"dyads": 4, "mutual": 1, "dyad_reciprocity": 0.25, "edge_reciprocity": 2 / 5}
    empty = project_years(store, [2018])
    assert system_reciprocity(empty, 2018) == {
        "dyads": 0,
        "mutual": 0,
        "dyad_reciprocity": None,
        "edge_reciprocity": None,
    }
