"""Properties of coverage as of a date, over random data and dates (hypothesis), and the sample's
figures that docs/analysis.md quotes."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from _world import CODES, world_units
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import rules
from graph.analysis import timing
from graph.model import Dataset, Link
from graph.model.vocabulary import vocabulary
from graph.store import Store, open_store

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
QUARTERLY = rules.load_rules(ROOT / "schema" / "expectations-quarterly.yaml")
YEARLY = rules.load_rules(ROOT / "schema" / "expectations.yaml")

# pairs the rules look at (bureau side → locality, both ways), and the kinds that count for them
_PAIRS = [(f"{side}-{c}", f"{dep}-{c}") for c in CODES for side in ("TB", "BPC")
          for dep in ("LPC", "ORG", "PROP", "DISC")]  # fmt: skip
_KINDS = ["thematic_report", "visit", "meeting_attendance", "cadre_exchange", "coordination_visit"]

days = st.integers(min_value=0, max_value=365).map(lambda n: D(2020, 1, 1) + dt.timedelta(days=n))
link_rows = st.lists(
    st.tuples(st.sampled_from(_PAIRS), st.booleans(), st.sampled_from(_KINDS), days, st.integers(1, 3)),
    max_size=60,
)


def _store(rows: list[tuple[tuple[str, str], bool, str, dt.date, int]], where: str) -> Store:
    vocab = vocabulary()
    regions, units = world_units()
    links = [
        Link(f"H{i}", kind, vocab.family_of(kind), when, *(pair if fwd else pair[::-1]), n)
        for i, (pair, fwd, kind, when, n) in enumerate(rows)
    ]
    store = open_store(Path(where) / "g.tkg")
    store.write(Dataset(regions=regions, units=units, links=links))
    return store


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=link_rows, late=st.integers(min_value=0, max_value=400))
def test_as_of_the_last_day_is_the_yearly_answer(rows, late) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as where, _store(rows, where) as store:
        for rule_defs in (YEARLY, QUARTERLY):
            yearly = rules.evaluate(store, 2020, rule_defs)
            for as_of in (D(2020, 12, 31), D(2020, 12, 31) + dt.timedelta(days=late)):
                dated = rules.evaluate(store, 2020, rule_defs, as_of=as_of)
                assert [(r.sort_key(), r.met) for r in dated] == [(r.sort_key(), r.met) for r in yearly]
                assert {r.status for r in dated} <= {"met", "unmet"}
                assert [r.sort_key() for r in rules.gaps(store, 2020, rules=rule_defs, as_of=as_of)] == [
                    r.sort_key() for r in rules.gaps(store, 2020, rules=rule_defs)
                ]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=link_rows, dates=st.lists(days, min_size=2, max_size=6))
def test_a_yearly_status_never_leaves_met(rows, dates) -> None:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as where, _store(rows, where) as store:
        seen: dict[tuple[str, str, str, str], str] = {}
        for as_of in sorted(dates):
            for r in rules.evaluate(store, 2020, YEARLY, as_of=as_of):
                before = seen.get(r.sort_key())
                assert r.status in ("met", "on_track", "unmet")
                assert r.status != "unmet" or as_of == D(2020, 12, 31)
                if before == "met":
                    assert r.status == "met", (r, as_of)
                seen[r.sort_key()] = r.status  # type: ignore[assignment]


def test_the_sample_falls_behind_on_a_quarterly_rule(sample_store: Store) -> None:
    reqs = rules.evaluate(sample_store, 2020, QUARTERLY, as_of=D(2020, 7, 15))
    behind = [r for r in reqs if r.status == "behind"]
    assert behind and {r.rule for r in behind} == {"report_to_local_committee"}
    assert all(r.timing().due in (D(2020, 3, 31), D(2020, 6, 30)) for r in behind)
    # the yearly rules are on track or met in July; nothing is unmet before the year is over
    assert {r.status for r in reqs} == {"met", "on_track", "behind"}


def test_the_sample_has_dormant_ties(sample_store: Store) -> None:
    found = timing.dormant(sample_store, D(2020, 12, 31))
    assert found
    for row in found:
        assert row["contacts"] >= timing.MIN_CONTACTS
        assert row["days_silent"] > timing.DORMANT_FACTOR * row["median_interval_days"]


@given(
    per=st.sampled_from(rules.PERIODS),
    minimum=st.integers(1, 3),
    months=st.lists(st.integers(0, 3), min_size=12, max_size=12),
)
def test_met_by_month_is_the_status_at_each_month_end(per, minimum, months) -> None:  # type: ignore[no-untyped-def]
    from graph.rules.periods import met_by_month, status_as_of

    ends = [D(2020, m, 1) + dt.timedelta(days=31) for m in range(1, 13)]
    ends = [d - dt.timedelta(days=d.day) for d in ends]  # the last day of each month
    assert met_by_month(per, minimum, months) == [
        status_as_of(2020, per, minimum, months, d).status == "met" for d in ends
    ]
