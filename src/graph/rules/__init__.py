"""Expectation rules → requirements → coverage and gaps, computed above the store interface.

Both stores answer two narrow questions (the unit catalogue and per-pair link sums for the year);
everything else happens here, once, so Neo4j and the embedded store cannot disagree about what a
gap is. See ``schema/expectations.yaml`` and contract section 2 for the rules themselves.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from ..gcpause import collector_paused
from ..model import Region, Unit, regions_within
from ..model.vocabulary import Vocabulary, vocabulary
from ..resources import schema_path
from ..store.base import Store

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
]

SUBORDINATE_LOCALITIES = "subordinate_localities"
LOCAL_COMMITTEE = "local_party_committee"
DIRECTIONS = ("outgoing", "either")


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    kinds: tuple[str, ...]
    counterparts: tuple[str, ...]
    direction: str
    min: int
    unit_kind: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Requirement:
    """One expected horizontal contact of one bureau in one year, with what was observed."""

    unit_id: str
    rule: str
    family: str
    counterpart_kind: str
    counterpart_id: str | None
    required: int
    observed: int
    #: for per-subordinate rules, the subordinate bureau the requirement is about
    subject_id: str | None = None

    @property
    def met(self) -> bool:
        return self.observed >= self.required

    def as_gap(self) -> dict[str, Any]:
        """The contract's JSON shape of a gap."""
        return {
            "unit_id": self.unit_id,
            "rule": self.rule,
            "family": self.family,
            "counterpart_kind": self.counterpart_kind,
            "counterpart_id": self.counterpart_id,
            "required": self.required,
            "observed": self.observed,
        }

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.unit_id, self.rule, self.counterpart_id or "", self.subject_id or "")


def load_rules(path: Path | None = None, vocab: Vocabulary | None = None) -> list[Rule]:
    """Read and check the expectation rules; a broken file is a :class:`ConfigError` naming it."""
    vocab = vocab or vocabulary()
    path = path or Path(os.environ.get("TIAOKUAI_EXPECTATIONS") or schema_path("expectations.yaml"))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read expectation rules {path}: {exc}") from exc
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, spec in enumerate((data or {}).get("rules", []), start=1):
        where = f"{path}: rule {i} ({spec.get('id', '?')})"
        try:
            rule = Rule(
                id=str(spec["id"]),
                family=str(spec["family"]),
                kinds=tuple(vocab.expand_link_words(list(spec["links"]))),
                counterparts=tuple(spec["counterpart"]),
                direction=str(spec.get("direction", "either")),
                min=int(spec.get("min", 1)),
                unit_kind=str(spec["applies_to"]["kind"]),
                levels=tuple(spec["applies_to"]["levels"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {exc}") from exc
        problems: list[str] = []
        if rule.family not in vocab.families:
            problems.append(f"unknown family {rule.family}")
        if rule.direction not in DIRECTIONS:
            problems.append(f"unknown direction {rule.direction}")
        problems += [
            f"unknown counterpart {c}"
            for c in rule.counterparts
            if c != SUBORDINATE_LOCALITIES and c not in vocab.unit_kinds
        ]
        problems += [f"unknown level {lv}" for lv in rule.levels if lv not in vocab.unit_levels]
        if rule.unit_kind not in vocab.unit_kinds:
            problems.append(f"unknown unit kind {rule.unit_kind}")
        if rule.id in seen:
            problems.append("duplicate rule id")
        if rule.min < 1:
            problems.append("min must be at least 1")
        if problems:
            raise ConfigError(f"{where}: " + "; ".join(problems))
        seen.add(rule.id)
        rules.append(rule)
    return rules


class _Catalogue:
    """The units the rules talk about, indexed for the questions the rules ask."""

    def __init__(self, units: Iterable[Unit], vocab: Vocabulary):
        self.units = {u.id: u for u in units}
        self.committee_of_region: dict[str, str] = {}
        self.department: dict[tuple[str, str], str] = {}  # (committee id, kind) -> unit id
        self.subordinates: dict[str, list[str]] = defaultdict(list)
        bureau_side = set(vocab.bureau_side_kinds)
        for u in sorted(self.units.values(), key=lambda u: u.id):
            if u.kind == LOCAL_COMMITTEE and u.region_code:
                self.committee_of_region.setdefault(u.region_code, u.id)
        for u in sorted(self.units.values(), key=lambda u: u.id):
            parent = self.units.get(u.parent_id) if u.parent_id else None
            if parent is None:
                continue
            if parent.kind == LOCAL_COMMITTEE:
                self.department.setdefault((parent.id, u.kind), u.id)
            if u.kind == parent.kind and u.kind in bureau_side:
                self.subordinates[parent.id].append(u.id)
        self._bureau_side = bureau_side
        self._side_cache: dict[str, str | None] = {}

    def bureau_of(self, unit_id: str, bureau_kind: str) -> str | None:
        """The bureau whose side ``unit_id`` is on (itself, its party committee, their branches)."""
        if unit_id in self._side_cache:
            return self._side_cache[unit_id]
        found: str | None = None
        current = self.units.get(unit_id)
        for _ in range(8):  # bureau → committee → (general) branch → branch: a few steps at most
            if current is None or current.kind not in self._bureau_side:
                break
            if current.kind == bureau_kind:
                found = current.id
                break
            current = self.units.get(current.parent_id) if current.parent_id else None
        self._side_cache[unit_id] = found
        return found

    def counterpart(self, region_code: str | None, kind: str) -> str | None:
        committee = self.committee_of_region.get(region_code or "")
        if committee is None or kind == LOCAL_COMMITTEE:
            return committee
        return self.department.get((committee, kind))


def _catalogue_kinds(rules: Sequence[Rule], vocab: Vocabulary) -> list[str]:
    kinds = set(vocab.bureau_side_kinds) | {LOCAL_COMMITTEE} | {r.unit_kind for r in rules}
    kinds |= {c for r in rules for c in r.counterparts if c != SUBORDINATE_LOCALITIES}
    return sorted(kinds)


def evaluate(store: Store, year: int, rules: Sequence[Rule] | None = None) -> list[Requirement]:
    """Every requirement of every bureau the rules bind, with observed counts, in gap order.

    At national scale this builds about half a million objects (units, pair counts, the observed
    sums, requirements) and frees them again, none of them cyclic: the cyclic collector is paused
    meanwhile (graph.gcpause), which took 0.2-0.4 s off a Neo4j gaps call of 2.4-2.9 s."""
    with collector_paused():
        return _evaluate(store, year, rules)


def _evaluate(store: Store, year: int, rules: Sequence[Rule] | None) -> list[Requirement]:
    vocab = vocabulary()
    rules = list(rules) if rules is not None else load_rules(vocab=vocab)
    cat = _Catalogue(store.units_of_kinds(_catalogue_kinds(rules, vocab)), vocab)
    link_kinds = sorted({k for r in rules for k in r.kinds})

    # observed[(bureau, counterpart)][kind] split by direction relative to the bureau side: one
    # pass over the year's pair counts (118,000 nationally) with each unit's bureau looked up once
    outgoing: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    incoming: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    bureau_kinds = sorted({r.unit_kind for r in rules})
    sides = []
    for bureau_kind in bureau_kinds:
        side = {uid: b for uid in cat.units if (b := cat.bureau_of(uid, bureau_kind)) is not None}
        sides.append(side.get)
    for source_id, target_id, kind, _year, count, _participants, _records in store.pair_counts(
        [year], link_kinds
    ):
        for side_of in sides:
            src = side_of(source_id)
            if src is not None:
                sums = outgoing[(src, target_id)]
                sums[kind] = sums.get(kind, 0) + count
            dst = side_of(target_id)
            if dst is not None:
                sums = incoming[(dst, source_id)]
                sums[kind] = sums.get(kind, 0) + count

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
    for rule in rules:
        levels = set(rule.levels)
        for unit in cat.units.values():
            if unit.kind != rule.unit_kind or unit.level not in levels:
                continue
            if rule.counterparts == (SUBORDINATE_LOCALITIES,):
                for sub_id in cat.subordinates.get(unit.id, []):
                    sub = cat.units[sub_id]
                    cp = cat.counterpart(sub.region_code, LOCAL_COMMITTEE)
                    result.append(
                        Requirement(unit.id, rule.id, rule.family, LOCAL_COMMITTEE, cp, rule.min,
                                    observed(rule, unit.id, [cp]), subject_id=sub_id)
                    )  # fmt: skip
                continue
            cps = [cat.counterpart(unit.region_code, kind) for kind in rule.counterparts]
            result.append(
                Requirement(unit.id, rule.id, rule.family, rule.counterparts[0], cps[0], rule.min,
                            observed(rule, unit.id, cps))
            )  # fmt: skip
    result.sort(key=Requirement.sort_key)
    return result


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
) -> list[Requirement]:
    """Unmet requirements, sorted by unit_id, rule, counterpart_id (contract section 3).

    ``requirements``: the year's, already evaluated with ``rules`` (saves evaluating them again)."""
    reqs = list(requirements) if requirements is not None else evaluate(store, year, rules)
    selected, _ = _select(store, reqs, level, region_code, store.regions() if region_code else [])
    return [r for r in selected if not r.met and (rule is None or r.rule == rule)]


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

    @property
    def ratio(self) -> float | None:
        return _ratio(self.met, self.expected)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "expected": self.expected,
            "met": self.met,
            "ratio": self.ratio,
            "by_level": self.by_level,
            "by_rule": self.by_rule,
            "by_region": self.by_region,
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


def summarise(
    year: int, requirements: Sequence[Requirement], units: dict[str, Unit], regions: Sequence[Region],
    rule_order: Sequence[str], level_order: Sequence[str],
) -> Coverage:  # fmt: skip
    """Aggregate requirements into a :class:`Coverage` (sums of met over sums of expected)."""
    groups = region_groups(regions)
    names = {r.code: r.name for r in regions}
    met = sum(r.met for r in requirements)

    def rows(field: str, tallies: list[tuple[str, int, int]]) -> list[dict[str, Any]]:
        return [{field: k, "expected": e, "met": m, "ratio": _ratio(m, e)} for k, e, m in tallies]

    by_region = []
    for code, e, m in _tally(
        (groups.get(units[r.unit_id].region_code or "", units[r.unit_id].region_code or ""), r)
        for r in requirements
    ):
        by_region.append(
            {"region_code": code, "name": names.get(code), "expected": e, "met": m, "ratio": _ratio(m, e)}
        )
    unit_rows = []
    for uid, e, m in _tally((r.unit_id, r) for r in requirements):
        unit_rows.append(
            {"unit_id": uid, "name": units[uid].name, "expected": e, "met": m, "ratio": _ratio(m, e)}
        )
    return Coverage(
        year=year,
        expected=len(requirements),
        met=met,
        by_level=rows("level", _tally(((units[r.unit_id].level, r) for r in requirements), level_order)),
        by_rule=rows("rule", _tally(((r.rule, r) for r in requirements), rule_order)),
        by_region=by_region,
        units=unit_rows,
    )


def coverage(
    store: Store,
    year: int,
    *,
    level: str | None = None,
    region_code: str | None = None,
    rules: Sequence[Rule] | None = None,
) -> Coverage:
    """Coverage for the year, optionally for one level and/or the bureaus within one region."""
    rules = list(rules) if rules is not None else load_rules()
    reqs = evaluate(store, year, rules)
    regions = store.regions()
    selected, units = _select(store, reqs, level, region_code, regions)
    return summarise(year, selected, units, regions, [r.id for r in rules], vocabulary().unit_levels)
