"""The "four threes" mechanism profile, on both stores."""

from __future__ import annotations

from graph.analysis import (
    EVIDENCE,
    NONE,
    NOT_APPLICABLE,
    NOT_MODELLED,
    evidence_rules,
    mechanism_profile,
    project_years,
)
from graph.model.vocabulary import vocabulary

NOT_MODELLED_IDS = [
    "joint_implementation",
    "deployment_synergy",
    "characteristics_synergy",
    "assessment_synergy",
]
ROWS = [
    (2020, "joint_research", "LPC-230102", "TB-230102"),  # either direction counts
    (2020, "visit", "PB-230102-01", "PROP-230102", 2),  # liaison, and publicity (propaganda dept)
    (2020, "thematic_report", "BPC-230102", "LPC-230102"),
    (2020, "secondment", "TB-230102", "ORG-230102"),
    (2020, "visit", "TB-230103", "DISC-230103"),
    (2020, "thematic_report", "BPC-230103", "BPC-230100"),  # vertical: no reporting evidence
    (2020, "coordination_visit", "TB-230100", "LPC-230103"),
    (2020, "cadre_exchange", "ORG-230104", "TB-230104"),  # not publicity: organization department
]


def test_evidence_rules_follow_the_vocabulary():
    rules = evidence_rules()
    assert [m.id for m in vocabulary().mechanisms] == list(rules)
    assert [m for m, kinds in rules.items() if not kinds] == NOT_MODELLED_IDS
    assert rules["reporting_interconnection"] == ["comprehensive_report", "thematic_report", "ad_hoc_report",
                                                  "instruction"]  # fmt: skip
    assert "visit" in rules["publicity_linkage"] and "recommendation" in rules["publicity_linkage"]
    assert "thematic_report" not in rules["publicity_linkage"]


def test_profile_per_bureau(store, world):
    g = project_years(world(store, ROWS), [2020])
    prof = mechanism_profile(g, 2020)
    b = {r["bureau_id"]: r for r in prof["bureaus"]}
    assert b["TB-230102"]["counts"] == {
        "joint_research": 1, "reporting_interconnection": 1, "liaison_interconnection": 2,
        "publicity_linkage": 2, "cadre_linkage": 1,
    }  # fmt: skip
    # a county bureau has no subordinates: coordination does not apply to it
    assert b["TB-230102"]["evidenced"] == 5 and b["TB-230102"]["modelled"] == 7
    assert b["TB-230102"]["status"]["coordination_interconnection"] == NOT_APPLICABLE
    assert b["TB-230100"]["modelled"] == b["TB-230000"]["modelled"] == 8
    assert b["TB-230000"]["status"]["coordination_interconnection"] == NONE
    status = b["TB-230102"]["status"]
    assert status["joint_research"] == EVIDENCE and status["supervision_linkage"] == NONE
    assert [m for m, s in status.items() if s == NOT_MODELLED] == NOT_MODELLED_IDS
    # the report up the line is not horizontal: no reporting evidence for TB-230103
    assert b["TB-230103"]["counts"] == {"liaison_interconnection": 1}
    assert b["TB-230100"]["counts"] == {"coordination_interconnection": 1}
    assert b["TB-230104"]["counts"] == {"cadre_linkage": 1}  # no publicity: not a propaganda dept
    assert b["TB-230105"]["evidenced"] == 0
    assert b["TB-230105"]["status"]["assessment_synergy"] == NOT_MODELLED
    assert b["TB-230105"]["status"]["joint_research"] == NONE


def test_profile_of_the_system(store, world):
    g = project_years(world(store, ROWS), [2020])
    prof = mechanism_profile(g, 2020)
    m = {r["id"]: r for r in prof["mechanisms"]}
    assert (m["liaison_interconnection"]["bureaus"], m["liaison_interconnection"]["events"]) == (2, 3)
    assert m["publicity_linkage"]["status"] == EVIDENCE and m["publicity_linkage"]["bureaus"] == 1
    assert m["deployment_synergy"] == {
        "id": "deployment_synergy", "zh": "部署协同", "group": "three_synergies", "group_zh": "三个协同",
        "kinds": [], "status": NOT_MODELLED, "bureaus": 0, "applicable": 0, "events": 0,
    }  # fmt: skip
    assert (
        m["coordination_interconnection"]["bureaus"],
        m["coordination_interconnection"]["applicable"],
    ) == (1, 2)
    assert m["joint_research"]["applicable"] == 6
    assert prof["never"] == {
        "not_modelled": NOT_MODELLED_IDS,
        "unobserved": ["joint_planning", "supervision_linkage"],
    }
