"""Contact over time on a generated dataset with planted mid-year shortfalls, dormant pairs and
unexpected contacts: the library, the CLI's JSON and GraphQL agree with a computation written here
from the definitions alone (docs/analysis.md), on both stores.

The world is the small one of conftest.py (a province, a prefecture, four counties; each with a
bureau side TB/BPC(/PB) and a locality LPC, ORG, PROP, DISC). Background contact is drawn with a
seeded generator; then:

* 230103 sends no report to its committee in the second quarter of 2020 (quarterly rule: behind
  as of 2020-07-15);
* 230104 has no liaison with its propaganda department in 2020 (yearly rule: on_track in July,
  unmet at the end of the year);
* 230105 met its discipline commission every two weeks in 2019 and never again (dormant in 2020);
* TB-230102 visits another county's propaganda department and BPC-230104 the provincial
  organization department (unexpected: other locality).
"""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import json
import random
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from _world import CODES, COUNTIES, LEVEL, PREFECTURE, PROVINCE, world_units
from click.testing import CliRunner

from graph import rules
from graph.analysis import timing
from graph.cli import cli
from graph.model import Dataset, Link
from graph.model.vocabulary import vocabulary
from graph.store import Store

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
QUARTERLY = ROOT / "schema" / "expectations-quarterly.yaml"
REPORTS = ("comprehensive_report", "thematic_report", "ad_hoc_report")
LIAISON = ("visit", "meeting_attendance", "information_exchange", "joint_research")


def planted_links(seed: int = 21) -> list[Link]:
    rng = random.Random(seed)
    vocab = vocabulary()
    rows: list[tuple[str, dt.date, str, str, int]] = []

    def day(year: int, month: int) -> dt.date:
        return D(year, month, rng.randint(1, 28))

    for year in (2019, 2020, 2021):
        for c in CODES:
            side = [f"TB-{c}", f"BPC-{c}"] + ([f"PB-{c}-01"] if c in (PREFECTURE, "230102") else [])
            for q in range(4):  # a report most quarters
                if rng.random() < 0.8 and not (c == "230103" and year == 2020 and q == 1):
                    rows.append((rng.choice(REPORTS), day(year, 3 * q + rng.randint(1, 3)), f"BPC-{c}",
                                 f"LPC-{c}", 1))  # fmt: skip
            for dep in ("ORG", "PROP", "DISC"):
                if (c, dep, year) == ("230104", "PROP", 2020) or (c, dep) == ("230105", "DISC"):
                    continue
                for _ in range(rng.randint(0, 5)):
                    a, b = rng.choice(side), f"{dep}-{c}"
                    a, b = (a, b) if rng.random() < 0.6 else (b, a)
                    rows.append((rng.choice(LIAISON), day(year, rng.randint(1, 12)), a, b, rng.randint(1, 3)))
            if rng.random() < 0.6:
                rows.append(("cadre_exchange", day(year, rng.randint(1, 12)), f"ORG-{c}", f"TB-{c}", 1))
        subs = {PROVINCE: [PREFECTURE], PREFECTURE: list(COUNTIES)}
        for up, downs in subs.items():
            for down in downs:
                for _ in range(rng.randint(0, 2)):
                    rows.append(("coordination_visit", day(year, rng.randint(1, 12)), f"TB-{up}",
                                 f"LPC-{down}", 1))  # fmt: skip
    # the planted dormant pair: every two weeks through 2019, then silence
    d = D(2019, 1, 3)
    while d.year == 2019:
        rows.append(("visit", d, "TB-230105", "DISC-230105", 1))
        d += dt.timedelta(days=14)
    # planted unexpected contact
    rows.append(("visit", D(2020, 3, 5), "TB-230102", "PROP-230103", 1))
    rows.append(("meeting_attendance", D(2020, 9, 9), "ORG-230000", "BPC-230104", 2))
    return [
        Link(f"P{i:05d}", kind, vocab.family_of(kind), when, a, b, n)
        for i, (kind, when, a, b, n) in enumerate(rows, start=1)
    ]


def planted_dataset() -> Dataset:
    regions, units = world_units()
    return Dataset(regions=regions, units=units, links=planted_links())


# -- the independent computation ------------------------------------------------------------------

SIDE = {u.id: f"TB-{u.region_code}" for u in world_units()[1] if u.kind != "local_party_committee"
        and u.id.split("-")[0] in ("TB", "BPC", "PB")}  # fmt: skip
PERIOD_MONTHS = {"year": 12, "half": 6, "quarter": 3, "month": 1}


def _periods(year: int, per: str) -> list[tuple[dt.date, dt.date]]:
    span = PERIOD_MONTHS[per]
    out = []
    for first in range(1, 13, span):
        last = first + span - 1
        out.append((D(year, first, 1), D(year, last, calendar.monthrange(year, last)[1])))
    return out


def expected_spec(rule_defs: list[rules.Rule]) -> list[dict[str, Any]]:
    """Every requirement of the world, written out by hand from the rules' meaning."""
    vocab = vocabulary()
    local_of = {"organization_department": "ORG", "propaganda_department": "PROP",
                "discipline_commission": "DISC", "local_party_committee": "LPC"}  # fmt: skip
    reqs = []
    for r in rule_defs:
        kinds = set()
        for word in {"liaison": ["liaison"], "exchange": ["exchange"]}.get(r.family, []):
            kinds |= set(vocab.kinds_of_family(word))
        kinds = kinds if r.id not in ("report_to_local_committee", "coordinate_lower_localities") else set()
        kinds |= {"report_to_local_committee": set(REPORTS), "coordinate_lower_localities": {"coordination_visit"}
                  }.get(r.id, set())  # fmt: skip
        for c in CODES:
            if LEVEL[c] not in r.levels:
                continue
            if r.id == "coordinate_lower_localities":
                for down in {PROVINCE: [PREFECTURE], PREFECTURE: list(COUNTIES)}.get(c, []):
                    reqs.append({"unit": f"TB-{c}", "rule": r, "cps": [f"LPC-{down}"], "subject": f"TB-{down}",
                                 "kinds": kinds})  # fmt: skip
                continue
            cps = [f"{local_of[k]}-{c}" for k in r.counterparts if k in local_of]
            reqs.append({"unit": f"TB-{c}", "rule": r, "cps": cps, "subject": None, "kinds": kinds})
    return reqs


def _matching(req: dict[str, Any], links: list[Link], until: dt.date, year: int) -> list[Link]:
    out = []
    for lk in links:
        if lk.date.year != year or lk.date > until or lk.kind not in req["kinds"]:
            continue
        fwd = SIDE.get(lk.source_id) == req["unit"] and lk.target_id in req["cps"]
        back = SIDE.get(lk.target_id) == req["unit"] and lk.source_id in req["cps"]
        if fwd or (back and req["rule"].direction == "either"):
            out.append(lk)
    return out


def reference_status(req: dict[str, Any], links: list[Link], year: int, as_of: dt.date) -> dict[str, Any]:
    rule = req["rule"]
    got = _matching(req, links, as_of, year)
    periods = _periods(year, rule.per)
    counts = [sum(lk.count for lk in got if a <= lk.date <= b) for a, b in periods]
    ended = [i for i, (_, b) in enumerate(periods) if b <= as_of]
    begun = [i for i, (a, _) in enumerate(periods) if a <= as_of]
    missed = [i for i in ended if counts[i] < rule.min]
    if as_of < D(year, 1, 1):
        status, due = "on_track", periods[0][1]
    elif missed:
        status = "unmet" if as_of >= D(year, 12, 31) else "behind"
        due = periods[missed[0]][1]
    elif all(counts[i] >= rule.min for i in begun):
        status = "met"
        current = [i for i in begun if i not in ended]
        due = periods[current[0]][1] if current else periods[ended[-1]][1]
    else:
        status, due = "on_track", periods[[i for i in begun if i not in ended][0]][1]
    return {
        "unit_id": req["unit"], "rule": rule.id, "counterpart_id": req["cps"][0] if req["cps"] else None,
        "observed": sum(counts), "status": status, "due": due.isoformat(),
        "expected_by_now": rule.min * len(ended),
    }  # fmt: skip


def reference_dormant(links: list[Link], as_of: dt.date, k: float = 8) -> list[tuple[str, str, str, int]]:
    days: dict[tuple[str, str], set[dt.date]] = defaultdict(set)
    for lk in links:
        if lk.date > as_of:
            continue
        for a, b in ((lk.source_id, lk.target_id), (lk.target_id, lk.source_id)):
            if a in SIDE and b not in SIDE:
                days[(SIDE[a], b)].add(lk.date)
    out = []
    for (bureau, local), found in sorted(days.items()):
        ds = sorted(found)
        if len(ds) < 3:
            continue
        median = statistics.median([(y - x).days for x, y in zip(ds, ds[1:], strict=False)])
        if (as_of - ds[-1]).days > k * median:
            out.append((bureau, local, ds[-1].isoformat(), (as_of - ds[-1]).days))
    return out


def reference_unexpected(links: list[Link], year: int) -> list[tuple[str, str, int]]:
    expected: dict[str, set[str]] = defaultdict(set)
    for req in expected_spec(rules.load_rules()):
        expected[req["unit"]] |= set(req["cps"])
    tally: dict[tuple[str, str], int] = defaultdict(int)
    for lk in links:
        if lk.date.year != year:
            continue
        for a, b in ((lk.source_id, lk.target_id), (lk.target_id, lk.source_id)):
            if a in SIDE and b not in SIDE and b not in expected[SIDE[a]]:
                tally[(SIDE[a], b)] += lk.count
    return sorted((a, b, n) for (a, b), n in tally.items())


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def planted(store: Store) -> Store:
    store.write(planted_dataset())
    return store


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _graphql(store: Store, query: str, rule_defs: list[rules.Rule]) -> dict[str, Any]:
    from graph.api.graphql.context import Context
    from graph.api.graphql.schema import build_schema
    from graph.config import Settings

    ctx = Context(store, Settings.model_construct(), rule_defs, True, False)
    result = asyncio.run(build_schema(Settings.model_construct()).execute(query, context_value=ctx))
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data


# -- the tests ------------------------------------------------------------------------------------

DATES = [D(2020, 3, 31), D(2020, 7, 15), D(2020, 9, 30), D(2020, 12, 31), D(2021, 2, 1)]


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["unit_id"], row["rule"], row["counterpart_id"], row["status"], row["due"],
            row["expected_by_now"], row["observed"])  # fmt: skip


@pytest.mark.parametrize("rules_file", ["expectations.yaml", "expectations-quarterly.yaml"])
def test_statuses_match_the_definitions(planted: Store, rules_file: str) -> None:
    rule_defs = rules.load_rules(ROOT / "schema" / rules_file)
    links = planted_links()
    spec = expected_spec(rule_defs)
    for as_of in DATES:
        want = sorted(_key(reference_status(req, links, 2020, as_of)) for req in spec)
        got = rules.evaluate(planted, 2020, rule_defs, as_of=as_of)
        assert sorted(_key({**r.as_gap(), **{"counterpart_id": r.counterpart_id}}) for r in got) == want, (
            as_of
        )
        gaps = rules.gaps(planted, 2020, rules=rule_defs, as_of=as_of)
        assert sorted(_key(g.as_gap()) for g in gaps) == [w for w in want if w[3] != "met"]


def test_planted_shortfalls_show(planted: Store) -> None:
    quarterly = rules.load_rules(QUARTERLY)
    july = {(g.unit_id, g.rule): g for g in rules.gaps(planted, 2020, rules=quarterly, as_of=D(2020, 7, 15))}
    late = july[("TB-230103", "report_to_local_committee")]
    assert (late.status, late.missed, late.timing().due) == ("behind", ("2020-Q2",), D(2020, 6, 30))
    assert july[("TB-230104", "liaison_propaganda_department")].status == "on_track"
    year_end = rules.gaps(planted, 2020, rules=quarterly, as_of=D(2020, 12, 31))
    assert ("TB-230104", "liaison_propaganda_department", "unmet") in {
        (g.unit_id, g.rule, g.status) for g in year_end
    }
    # without a date the quarterly requirement lists the missed quarter
    whole = {(g.unit_id, g.rule): g.as_gap() for g in rules.gaps(planted, 2020, rules=quarterly)}
    assert "2020-Q2" in whole[("TB-230103", "report_to_local_committee")]["missed"]


def test_cli_json_and_graphql_match(planted: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIAOKUAI_EXPECTATIONS", str(QUARTERLY))
    quarterly = rules.load_rules(QUARTERLY)
    links = planted_links()
    as_of = D(2020, 7, 15)
    want = sorted(
        _key(r) for r in (reference_status(q, links, 2020, as_of) for q in expected_spec(quarterly))
        if r["status"] != "met"
    )  # fmt: skip
    rows = _cli("gaps", "--as-of", "2020-07-15", "--format", "json", "--store", planted.location)
    assert sorted(_key(r) for r in rows) == want
    behind = _cli("gaps", "--as-of", "2020-07-15", "--status", "behind", "--format", "json",
                  "--store", planted.location)  # fmt: skip
    assert sorted(_key(r) for r in behind) == [w for w in want if w[3] == "behind"] != []

    data = _graphql(planted, '{ gaps(year: 2020, asOf: "2020-07-15") { unitId rule counterpartId status due '
                    "expectedByNow observed } }", quarterly)  # fmt: skip
    got = sorted(
        (g["unitId"], g["rule"], g["counterpartId"], g["status"].lower(), g["due"], g["expectedByNow"],
         g["observed"]) for g in data["gaps"]
    )  # fmt: skip
    assert got == want

    cov = _cli("coverage", "--as-of", "2020-07-15", "--format", "json", "--store", planted.location)
    statuses = [reference_status(q, links, 2020, as_of)["status"] for q in expected_spec(quarterly)]
    assert (cov["met"], cov["on_track"], cov["behind"], cov["unmet"]) == tuple(
        statuses.count(s) for s in ("met", "on_track", "behind", "unmet")
    )
    gq = _graphql(
        planted, '{ coverage(year: 2020, asOf: "2020-07-15") { met onTrack behind unmet } }', quarterly
    )
    assert gq["coverage"] == {"met": cov["met"], "onTrack": cov["on_track"], "behind": cov["behind"],
                              "unmet": cov["unmet"]}  # fmt: skip


def test_dormant_ties(planted: Store) -> None:
    links = planted_links()
    for as_of in (D(2020, 6, 30), D(2020, 12, 31), D(2021, 12, 31)):
        want = reference_dormant(links, as_of)
        got = timing.dormant(planted, as_of)
        assert [
            (r["bureau_id"], r["counterpart_id"], r["last_contact"], r["days_silent"]) for r in got
        ] == want
    assert ("TB-230105", "DISC-230105") in {(r[0], r[1]) for r in reference_dormant(links, D(2020, 12, 31))}
    result = _cli("analyse", "--year", "2020", "--format", "json", "--store", planted.location)
    assert result["as_of"] == "2020-12-31"
    assert [(r["bureau_id"], r["counterpart_id"], r["last_contact"], r["days_silent"])
            for r in result["dormant"]] == reference_dormant(links, D(2020, 12, 31))  # fmt: skip
    loose = _cli("analyse", "--year", "2020", "--as-of", "2020-06-30", "--dormant-factor", "2", "--format",
                 "json", "--store", planted.location)  # fmt: skip
    assert [(r["bureau_id"], r["counterpart_id"], r["last_contact"], r["days_silent"])
            for r in loose["dormant"]] == reference_dormant(links, D(2020, 6, 30), k=2)  # fmt: skip
    data = _graphql(planted, '{ dormantTies(asOf: "2020-12-31") { bureauId counterpartId lastContact daysSilent } }',
                    rules.load_rules())  # fmt: skip
    assert [
        (r["bureauId"], r["counterpartId"], r["lastContact"], r["daysSilent"]) for r in data["dormantTies"]
    ] == (reference_dormant(links, D(2020, 12, 31)))
    county = _graphql(planted, '{ dormantTies(asOf: "2020-12-31", level: COUNTY, regionCode: "230105") '
                      "{ bureauId } }", rules.load_rules())  # fmt: skip
    assert {r["bureauId"] for r in county["dormantTies"]} == {"TB-230105"}


def test_unexpected_contact_and_congruence(planted: Store) -> None:
    links = planted_links()
    want = reference_unexpected(links, 2020)
    assert ("TB-230102", "PROP-230103", 1) in want and ("TB-230104", "ORG-230000", 2) in want
    result = _cli("analyse", "--year", "2020", "--format", "json", "--store", planted.location)
    assert [(r["bureau_id"], r["counterpart_id"], r["count"]) for r in result["unexpected"]] == want
    assert {r["reason"] for r in result["unexpected"]} == {"other_locality"}
    data = _graphql(planted, "{ unexpectedContacts(year: 2020) { bureauId counterpartId count } }",
                    rules.load_rules())  # fmt: skip
    assert [(r["bureauId"], r["counterpartId"], r["count"]) for r in data["unexpectedContacts"]] == want

    # congruence: expected pairs with any contact in the year, per bureau
    expected: dict[str, set[str]] = defaultdict(set)
    for req in expected_spec(rules.load_rules()):
        expected[req["unit"]] |= set(req["cps"])
    touched = {(SIDE[a], b) for lk in links if lk.date.year == 2020
               for a, b in ((lk.source_id, lk.target_id), (lk.target_id, lk.source_id)) if a in SIDE}  # fmt: skip
    cg = result["congruence"]
    for row in cg["units"]:
        cps = expected[row["unit_id"]]
        assert (row["expected_pairs"], row["contacted_pairs"]) == (
            len(cps),
            sum((row["unit_id"], cp) in touched for cp in cps),
        )
    assert cg["system"]["expected_pairs"] == sum(len(v) for v in expected.values())
    cov = rules.coverage(planted, 2020)
    assert cg["system"]["coverage"] == cov.ratio
    gq = _graphql(planted, "{ congruence(year: 2020) { system { expectedPairs contactedPairs coverage } } }",
                  rules.load_rules())  # fmt: skip
    assert gq["congruence"]["system"] == {"expectedPairs": cg["system"]["expected_pairs"],
                                          "contactedPairs": cg["system"]["contacted_pairs"],
                                          "coverage": cov.ratio}  # fmt: skip


def test_kind_no_rule_names_is_unexpected(planted: Store) -> None:
    without_cadre = [r for r in rules.load_rules() if r.id not in ("liaison_discipline_commission",)]
    rows = timing.unexpected(planted, 2020, rules=without_cadre)
    reasons = {(r["bureau_id"], r["counterpart_id"]): r["reason"] for r in rows}
    assert reasons[("TB-230102", "DISC-230102")] == "kind_not_in_rules"
    assert reasons[("TB-230102", "PROP-230103")] == "other_locality"


def test_trend_and_series(planted: Store) -> None:
    quarterly = rules.load_rules(QUARTERLY)
    links = planted_links()
    spec = expected_spec(quarterly)
    data = timing.trend(planted, D(2020, 1, 1), D(2020, 12, 31), "month", rules=quarterly)
    assert [p["period"] for p in data["periods"]] == [f"2020-{m:02d}" for m in range(1, 13)]
    for p in data["periods"]:
        end = D.fromisoformat(p["end"])
        start = D.fromisoformat(p["start"])
        contacts = sum(
            lk.count for req in spec for lk in _matching(req, links, end, 2020) if lk.date >= start
        )
        met = sum(reference_status(req, links, 2020, end)["status"] == "met" for req in spec)
        assert (p["contacts"], p["expected"], p["met"]) == (contacts, len(spec), met), p["period"]
    cli_rows = _cli("trend", "--from", "2020-01", "--to", "2020-12", "--by", "quarter", "--format", "json",
                    "--store", planted.location)  # fmt: skip
    assert [p["period"] for p in cli_rows["periods"]] == ["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"]

    # the series of one pair: every link between the bureau side and the counterpart, per quarter
    series = timing.contact_series(planted, "TB-230105", "DISC-230105", "quarter")
    assert len(series) == 1
    points = {p["period"]: p["count"] for p in series[0]["points"]}
    assert sum(points.values()) == sum(lk.count for lk in links if {lk.source_id, lk.target_id} & {
        "TB-230105", "BPC-230105"} and "DISC-230105" in (lk.source_id, lk.target_id))  # fmt: skip
    assert points["2020-Q1"] == 0 and points["2019-Q1"] > 0
    gq = _graphql(planted, '{ contactSeries(unitId: "TB-230105", counterpartId: "DISC-230105", by: QUARTER) '
                  "{ counterpartId points { period count } } }", quarterly)  # fmt: skip
    assert {p["period"]: p["count"] for p in gq["contactSeries"][0]["points"]} == points
