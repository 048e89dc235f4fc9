"""Expectation rules → requirements → coverage and gaps, computed above the store interface.

Both stores answer two narrow questions (the unit catalogue and per-pair link sums for the year);
everything else happens here, once, so Neo4j and the embedded store cannot disagree about what a
gap is. See ``schema/expectations.yaml`` and contract section 2 for the rules themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..gcpause import collector_paused
from ..model import Region, Unit, regions_within
from ..model.vocabulary import Vocabulary, vocabulary
from ..store.base import PairCount, Store
from .catalogue import LOCAL_COMMITTEE, SUBORDINATE_LOCALITIES, _bindings, _Catalogue, _catalogue_kinds
from .periods import PERIODS, STATUSES, Periodic
from .spec import DIRECTIONS, Rule, rules_of_file, rules_of_systems

__all__ = [
    "Rule",
    "Requirement",
    "Coverage",
    "load_rules",
    "evaluate",
    "coverage",
    "gaps",
    "region_groups",
    "SUBORDINATE_LOCALITIES",
    "LOCAL_COMMITTEE",
    "PERIODS",
    "STATUSES",
    "Sides",
    "sides",
    "expected_counterparts",
    "DIRECTIONS",
]


@dataclass(frozen=True)
class Requirement(Periodic):
    """One expected horizontal contact of one bureau in one year, with what was observed.

    ``met``, ``missed``, ``status`` and ``timing()`` come from :class:`.periods.Periodic`."""

    unit_id: str
    rule: str
    family: str
    counterpart_kind: str
    counterpart_id: str | None
    required: int
    observed: int
    #: for per-subordinate rules, the subordinate bureau the requirement is about
    subject_id: str | None = None
    #: the rule's rhythm; ``required`` is then the minimum in each period
    per: str = "year"
    #: the year's twelve monthly counts, when evaluated by month (periodic rules, ``as_of``)
    months: tuple[int, ...] = ()
    year: int | None = None
    #: counted up to and including this date, with a status as of it
    as_of: dt.date | None = None

    def as_gap(self) -> dict[str, Any]:
        """The contract's JSON shape of a gap; periodic rules add ``per`` and ``missed``, a date
        (``as_of``) adds ``status``, ``due`` and ``expected_by_now``."""
        row: dict[str, Any] = {
            "unit_id": self.unit_id,
            "rule": self.rule,
            "family": self.family,
            "counterpart_kind": self.counterpart_kind,
            "counterpart_id": self.counterpart_id,
            "required": self.required,
            "observed": self.observed,
        }
        row.update(self.timed_fields())
        return row

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.unit_id, self.rule, self.counterpart_id or "", self.subject_id or "")


def load_rules(path: Path | None = None, vocab: Vocabulary | None = None) -> list[Rule]:
    """Read and check the expectation rules; a broken file is a :class:`ConfigError` naming it.

    ``path``: that rules file alone. Otherwise every system's rules (graph.rules.spec): tax's from
    ``schema/expectations.yaml`` (or ``TIAOKUAI_EXPECTATIONS``), the others' from their files."""
    vocab = vocab or vocabulary()
    if path is not None:
        return rules_of_file(path, vocab)
    return rules_of_systems(vocab)


def _requirement_maker() -> Callable[[str, str, str, str, str | None, int, int, str | None], Requirement]:
    """``Requirement(unit_id, rule, family, counterpart_kind, counterpart_id, required, observed,
    subject_id=…)`` for the yearly rules, without the frozen dataclass's ``__init__``, which sets
    each of its 12 fields through ``object.__setattr__``: the same instance (equal, same hash) at
    half the cost, which counts when a national gaps call makes 25,000 of them. Falls back to the
    plain constructor if a field ever gets a default factory."""

    def plain(unit_id: str, rule: str, family: str, cp_kind: str, cp_id: str | None, required: int,
              observed: int, subject_id: str | None) -> Requirement:  # fmt: skip
        return Requirement(unit_id, rule, family, cp_kind, cp_id, required, observed, subject_id=subject_id)

    fields = dataclasses.fields(Requirement)
    if any(f.default_factory is not dataclasses.MISSING or f.init is False for f in fields):  # type: ignore[misc]
        return plain
    given = ("unit_id", "rule", "family", "counterpart_kind", "counterpart_id", "required", "observed",
             "subject_id")  # fmt: skip
    if [f.name for f in fields[: len(given)]] != list(given) or any(
        f.default is dataclasses.MISSING for f in fields[len(given) :]
    ):
        return plain
    rest = {f.name: f.default for f in fields[len(given) :]}  # in field order, as __init__ sets them
    new = object.__new__

    def make(unit_id: str, rule: str, family: str, cp_kind: str, cp_id: str | None, required: int,
             observed: int, subject_id: str | None) -> Requirement:  # fmt: skip
        r = new(Requirement)
        d = r.__dict__
        d.update(unit_id=unit_id, rule=rule, family=family, counterpart_kind=cp_kind,
                 counterpart_id=cp_id, required=required, observed=observed, subject_id=subject_id)  # fmt: skip
        d.update(rest)
        return r

    return make


def evaluate(
    store: Store, year: int, rules: Sequence[Rule] | None = None, *, as_of: dt.date | None = None
) -> list[Requirement]:
    """Every requirement of every bureau the rules bind, with observed counts, in gap order.

    ``as_of``: count links up to that day and give each requirement a status as of it. Periodic
    rules and ``as_of`` read monthly counts (graph.rules.timed); yearly rules the year's pairs.

    At national scale this builds about half a million objects (units, pair counts, the observed
    sums, requirements) and frees them again, none of them cyclic: the cyclic collector is paused
    meanwhile (graph.gcpause), which took 0.2-0.4 s off a Neo4j gaps call of 2.4-2.9 s."""
    with collector_paused():
        return _evaluate(store, year, rules, as_of)


def _evaluate(
    store: Store, year: int, rules: Sequence[Rule] | None, as_of: dt.date | None
) -> list[Requirement]:
    vocab = vocabulary()
    rules = list(rules) if rules is not None else load_rules(vocab=vocab)
    cat = _Catalogue(store.units_of_kinds(_catalogue_kinds(rules, vocab)), vocab)
    if as_of is not None or any(r.per != "year" for r in rules):
        from .timed import evaluate_months

        return evaluate_months(store, year, rules, cat, as_of)
    link_kinds = sorted({k for r in rules for k in r.kinds})

    # observed[(bureau, counterpart)][kind] split by direction relative to the bureau side: one pass
    # over the year's pair counts (118,000 nationally) per bureau kind, each unit's bureau looked up once
    outgoing: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    incoming: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    bureau_kinds = sorted({r.unit_kind for r in rules})
    sides = []
    for bureau_kind in bureau_kinds:
        side = {uid: b for uid in cat.units if (b := cat.bureau_of(uid, bureau_kind)) is not None}
        sides.append(side.get)
    pairs = store.pair_counts([year], link_kinds)
    for side_of in sides:  # usually one (every rule binds tax bureaus): one pass over the pairs each
        _sum_pairs_by_bureau(pairs, side_of, outgoing, incoming)
    del pairs

    kinds_of = {rule.id: frozenset(rule.kinds) for rule in rules}

    def observed(rule: Rule, bureau: str, counterparts: Iterable[str | None]) -> int:
        total = 0
        kinds = kinds_of[rule.id]
        either = rule.direction == "either"
        for cp in counterparts:
            if cp is None:
                continue
            found = outgoing.get((bureau, cp))
            if found:
                total += sum(n for k, n in found.items() if k in kinds)
            if either:
                found = incoming.get((bureau, cp))
                if found:
                    total += sum(n for k, n in found.items() if k in kinds)
        return total

    result: list[Requirement] = []
    make = _requirement_maker()
    for rule, unit, cp_kind, cps, subject in _bindings(rules, cat):
        result.append(
            make(
                unit.id,
                rule.id,
                rule.family,
                cp_kind,
                cps[0],
                rule.min,
                observed(rule, unit.id, cps),
                subject,
            )
        )
    result.sort(key=Requirement.sort_key)
    return result


def _sum_pairs_by_bureau(
    pairs: Iterable[PairCount],
    side_of: Callable[[str], str | None],
    outgoing: dict[tuple[str, str], dict[str, int]],
    incoming: dict[tuple[str, str], dict[str, int]],
) -> None:
    """Add each pair's count to ``outgoing[(bureau, target)][kind]`` for the bureau its source
    belongs to and to ``incoming[(bureau, source)][kind]`` for its target's, through ``side_of``
    (unit id -> its bureau of one kind, or None).

    Why one loop per bureau kind, not a loop over the kinds inside the loop over pairs: nationally
    there are 118,000 pairs and usually one bureau kind, so the per-pair work stays a few lookups.
    """
    for source_id, target_id, kind, _year, count, _participants, _records in pairs:
        src = side_of(source_id)
        if src is not None:
            sums = outgoing[(src, target_id)]
            sums[kind] = sums.get(kind, 0) + count
        dst = side_of(target_id)
        if dst is not None:
            sums = incoming[(dst, source_id)]
            sums[kind] = sums.get(kind, 0) + count


# -- filtering and aggregation ---------------------------------------------------------------------


def region_groups(regions: Iterable[Region]) -> dict[str, str]:
    """Map each region code to its coverage group: its prefecture, or the province for itself.

    Why: offices read coverage per prefecture (市(地)), with the provincial bureau on its own line.
    """
    by_code = {r.code: r for r in regions}
    groups: dict[str, str] = {}
    for code in by_code:
        current = by_code[code]
        for _ in range(10):
            if current.level in ("prefecture", "province") or not current.parent_code:
                break
            parent = by_code.get(current.parent_code)
            if parent is None:
                break
            current = parent
        groups[code] = current.code
    return groups


def _select(
    store: Store,
    requirements: list[Requirement],
    level: str | None,
    region_code: str | None,
    regions: list[Region],
) -> tuple[list[Requirement], dict[str, Unit]]:
    units = store.get_units({r.unit_id for r in requirements})
    keep_regions = regions_within(regions, region_code) if region_code else None
    selected = [
        r
        for r in requirements
        if (level is None or units[r.unit_id].level == level)
        and (keep_regions is None or units[r.unit_id].region_code in keep_regions)
    ]
    return selected, units


def gaps(
    store: Store,
    year: int,
    *,
    level: str | None = None,
    region_code: str | None = None,
    rule: str | None = None,
    rules: Sequence[Rule] | None = None,
    requirements: Sequence[Requirement] | None = None,
    as_of: dt.date | None = None,
    status: str | None = None,
) -> list[Requirement]:
    """Unmet requirements, sorted by unit_id, rule, counterpart_id (contract section 3).

    ``requirements``: the year's, already evaluated with ``rules`` (saves evaluating them again).
    ``as_of``: as of that day, the requirements not met so far (``on_track``, ``behind`` or
    ``unmet``); ``status``: only those of that status."""
    reqs = list(requirements) if requirements is not None else evaluate(store, year, rules, as_of=as_of)
    selected, _ = _select(store, reqs, level, region_code, store.regions() if region_code else [])
    found = [r for r in selected if not r.met and (rule is None or r.rule == rule)]
    if status is not None:
        found = [r for r in found if r.status == status]
    return found


def _ratio(met: int, expected: int) -> float | None:
    return met / expected if expected else None


@dataclass(frozen=True)
class Coverage:
    """Coverage of one year, with the breakdowns offices read (contract JSON shape via as_dict)."""

    year: int
    expected: int
    met: int
    by_level: list[dict[str, Any]]
    by_rule: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    units: list[dict[str, Any]]
    #: with a date: counted up to it; every row then also counts on_track, behind and unmet
    as_of: dt.date | None = None
    statuses: dict[str, int] | None = None
    #: per vertical system (issue 20): ``{"system", "name", "expected", "met", "ratio"}``
    by_system: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        return _ratio(self.met, self.expected)

    def as_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"year": self.year}
        if self.as_of is not None:
            head["as_of"] = self.as_of.isoformat()
        head.update(expected=self.expected, met=self.met, ratio=self.ratio)
        if self.statuses is not None:
            head.update(self.statuses)
        return {
            **head,
            "by_level": self.by_level,
            "by_rule": self.by_rule,
            "by_region": self.by_region,
            # only where a system other than tax has requirements: a tax-only answer keeps the
            # contract's shape of every earlier release
            **({"by_system": self.by_system} if any(r["system"] != "tax" for r in self.by_system) else {}),
            "units": self.units,
        }


def _tally(
    items: Iterable[tuple[str, Requirement]], order: Sequence[str] | None = None
) -> list[tuple[str, int, int]]:
    acc: dict[str, list[int]] = {}
    for key, req in items:
        row = acc.setdefault(key, [0, 0])
        row[0] += 1
        row[1] += req.met
    keys = [k for k in order if k in acc] if order is not None else sorted(acc)
    return [(k, acc[k][0], acc[k][1]) for k in keys]


def _system_of(unit: Unit) -> str:
    """A bureau's system: as stored, else its kind's (a unit written without one), else tax."""
    return unit.system or vocabulary().system_of_kind.get(unit.kind) or "tax"


def _status_counts(requirements: Iterable[Requirement]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES[1:], 0)
    for r in requirements:
        if r.status in counts:
            counts[r.status] += 1  # type: ignore[index]
    return counts


def summarise(
    year: int, requirements: Sequence[Requirement], units: dict[str, Unit], regions: Sequence[Region],
    rule_order: Sequence[str], level_order: Sequence[str],
) -> Coverage:  # fmt: skip
    """Aggregate requirements into a :class:`Coverage` (sums of met over sums of expected)."""
    groups = region_groups(regions)
    names = {r.code: r.name for r in regions}
    met = sum(r.met for r in requirements)
    as_of = next((r.as_of for r in requirements if r.as_of is not None), None)
    by_key: dict[tuple[str, str], list[Requirement]] = defaultdict(list)
    if as_of is not None:
        for r in requirements:
            u = units[r.unit_id]
            group = groups.get(u.region_code or "", u.region_code or "")
            for dim, key in (
                ("system", _system_of(u)),
                ("level", u.level),
                ("rule", r.rule),
                ("region_code", group),
                ("unit_id", r.unit_id),
            ):
                by_key[(dim, key)].append(r)

    def timed(dim: str, row: dict[str, Any]) -> dict[str, Any]:
        if as_of is not None:
            row.update(_status_counts(by_key[(dim, row[dim])]))
        return row

    def rows(field: str, tallies: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
        return [
            timed(field, {field: k, "expected": e, "met": m, "ratio": _ratio(m, e)}) for k, e, m in tallies
        ]

    by_region = []
    for code, e, m in _tally(
        (groups.get(units[r.unit_id].region_code or "", units[r.unit_id].region_code or ""), r)
        for r in requirements
    ):
        by_region.append(timed("region_code",
            {"region_code": code, "name": names.get(code), "expected": e, "met": m, "ratio": _ratio(m, e)}
        ))  # fmt: skip
    unit_rows = []
    for uid, e, m in _tally((r.unit_id, r) for r in requirements):
        unit_rows.append(timed("unit_id",
            {"unit_id": uid, "name": units[uid].name, "expected": e, "met": m, "ratio": _ratio(m, e)}
        ))  # fmt: skip
    return Coverage(
        year=year,
        expected=len(requirements),
        met=met,
        by_level=rows("level", _tally(((units[r.unit_id].level, r) for r in requirements), level_order)),
        by_rule=rows("rule", _tally(((r.rule, r) for r in requirements), rule_order)),
        by_region=by_region,
        units=unit_rows,
        as_of=as_of,
        statuses=_status_counts(requirements) if as_of is not None else None,
        by_system=[
            {"system": row["system"], "name": vocabulary().system_name(row["system"]), **row}
            for row in rows("system", _tally((_system_of(units[r.unit_id]), r) for r in requirements))
        ],
    )


def coverage(
    store: Store,
    year: int,
    *,
    level: str | None = None,
    region_code: str | None = None,
    rules: Sequence[Rule] | None = None,
    as_of: dt.date | None = None,
) -> Coverage:
    """Coverage for the year, optionally for one level and/or the bureaus within one region.

    ``as_of``: coverage so far (links up to that day); ``met`` counts the requirements met so far
    and every row adds the counts of ``on_track``, ``behind`` and ``unmet`` ones."""
    rules = list(rules) if rules is not None else load_rules()
    reqs = evaluate(store, year, rules, as_of=as_of)
    regions = store.regions()
    selected, units = _select(store, reqs, level, region_code, regions)
    return summarise(year, selected, units, regions, [r.id for r in rules], vocabulary().unit_levels)


# The time dimension (issue 21) lives in .timed, which reads this module's catalogue.
from .timed import Sides, expected_counterparts, sides  # noqa: E402
