"""The time dimension of the rules (issue 21): requirements evaluated from monthly counts (periodic
rules, coverage as of a date), and the bureau sides and expected counterparts the time analyses
read (graph.analysis.timing). The periods and statuses themselves are in :mod:`.periods`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ..model.vocabulary import vocabulary
from ..store.base import Store
from . import (
    LOCAL_COMMITTEE,
    SUBORDINATE_LOCALITIES,
    Requirement,
    Rule,
    _bindings,
    _Catalogue,
    load_rules,
)

__all__ = ["evaluate_months", "Sides", "sides", "expected_counterparts"]


def evaluate_months(
    store: Store, year: int, rules: Sequence[Rule], cat: _Catalogue, as_of: dt.date | None
) -> list[Requirement]:
    """The same requirements from monthly counts (up to ``as_of``), each with its twelve months."""
    link_kinds = sorted({k for r in rules for k in r.kinds})
    outgoing: dict[tuple[str, str, str], list[int]] = {}
    incoming: dict[tuple[str, str, str], list[int]] = {}
    bureau_kinds = sorted({r.unit_kind for r in rules})
    for pc in store.pair_month_counts([year], link_kinds, until=as_of):
        for bureau_kind in bureau_kinds:
            src = cat.bureau_of(pc.source_id, bureau_kind)
            if src is not None:
                outgoing.setdefault((src, pc.target_id, pc.kind), [0] * 12)[pc.month - 1] += pc.count
            dst = cat.bureau_of(pc.target_id, bureau_kind)
            if dst is not None:
                incoming.setdefault((dst, pc.source_id, pc.kind), [0] * 12)[pc.month - 1] += pc.count

    def observed(rule: Rule, bureau: str, counterparts: Iterable[str | None]) -> tuple[int, ...]:
        total = [0] * 12
        for cp in counterparts:
            if cp is None:
                continue
            for kind in rule.kinds:
                sources = (outgoing, incoming) if rule.direction == "either" else (outgoing,)
                for tally in sources:
                    found = tally.get((bureau, cp, kind))
                    if found is not None:
                        total = [a + b for a, b in zip(total, found, strict=True)]
        return tuple(total)

    result: list[Requirement] = []
    for rule, unit, cp_kind, cps, subject in _bindings(rules, cat):
        months = observed(rule, unit.id, cps)
        result.append(
            Requirement(unit.id, rule.id, rule.family, cp_kind, cps[0], rule.min, sum(months),
                        subject_id=subject, per=rule.per, months=months, year=year, as_of=as_of)
        )  # fmt: skip
    result.sort(key=Requirement.sort_key)
    return result


class Sides:
    """Which bureau's side a unit is on, and which counterparts the rules expect of each bureau:
    what dormant ties, unexpected contact and congruence (graph.analysis.timing) read."""

    def __init__(self, store: Store, rules: Sequence[Rule]):
        vocab = vocabulary()
        self.rules = list(rules)
        self.bureau_kinds = sorted({r.unit_kind for r in self.rules}) or ["tax_bureau"]
        self.local_side = {k for k, v in vocab.unit_kinds.items() if v.side != "bureau"}
        self.cat = _Catalogue(store.units_of_kinds(sorted(vocab.unit_kinds)), vocab)
        self.units = self.cat.units

    def bureau_of(self, unit_id: str) -> str | None:
        """The bureau (of a kind the rules bind) whose side ``unit_id`` is on, or None."""
        for kind in self.bureau_kinds:
            found = self.cat.bureau_of(unit_id, kind)
            if found is not None:
                return found
        return None

    def is_local(self, unit_id: str) -> bool:
        u = self.units.get(unit_id)
        return u is not None and u.kind in self.local_side

    def expected(self) -> dict[str, set[str]]:
        """Bureau id → the counterpart ids some rule expects it to contact (every bureau a rule
        binds is a key, possibly with an empty set when its counterparts do not exist)."""
        found: dict[str, set[str]] = {}
        for _rule, unit, _kind, cps, _subject in _bindings(self.rules, self.cat):
            found.setdefault(unit.id, set()).update(cp for cp in cps if cp is not None)
        return found

    def named_kinds(self, unit_kind: str | None = None) -> set[str]:
        """Counterpart kinds some rule names (the local committee for coordination rules); with
        ``unit_kind``, only the rules binding that kind (a customs rule names nothing for tax)."""
        rules = [r for r in self.rules if unit_kind is None or r.unit_kind == unit_kind]
        kinds = {c for r in rules for c in r.counterparts if c != SUBORDINATE_LOCALITIES}
        if any(SUBORDINATE_LOCALITIES in r.counterparts for r in rules):
            kinds.add(LOCAL_COMMITTEE)
        return kinds


def sides(store: Store, rules: Sequence[Rule] | None = None) -> Sides:
    return Sides(store, list(rules) if rules is not None else load_rules())


def expected_counterparts(store: Store, rules: Sequence[Rule] | None = None) -> dict[str, set[str]]:
    """Bureau id → counterpart ids the rules expect (see :meth:`Sides.expected`)."""
    return sides(store, rules).expected()
