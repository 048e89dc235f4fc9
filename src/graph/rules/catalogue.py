"""The units the rules talk about (the catalogue: committees, their departments, subordinate
bureaus, which bureau's side a unit is on) and every requirement the rules bind in it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

from ..model import Unit
from ..model.vocabulary import Vocabulary

if TYPE_CHECKING:
    from . import Rule

__all__ = ["SUBORDINATE_LOCALITIES", "LOCAL_COMMITTEE"]

SUBORDINATE_LOCALITIES = "subordinate_localities"
LOCAL_COMMITTEE = "local_party_committee"


class _Catalogue:
    """The units the rules talk about, indexed for the questions the rules ask."""

    def __init__(self, units: Iterable[Unit], vocab: Vocabulary):
        self.units = {u.id: u for u in units}
        self.committee_of_region: dict[str, str] = {}
        self.department: dict[tuple[str, str], str] = {}  # (committee id, kind) -> unit id
        self.subordinates: dict[str, list[str]] = defaultdict(list)
        bureau_side = set(vocab.bureau_side_kinds)
        by_id = sorted(self.units.values(), key=attrgetter("id"))  # stores give them in id order: cheap
        for u in by_id:
            if u.kind == LOCAL_COMMITTEE and u.region_code:
                self.committee_of_region.setdefault(u.region_code, u.id)
        for u in by_id:
            parent = self.units.get(u.parent_id) if u.parent_id else None
            if parent is None:
                continue
            if parent.kind == LOCAL_COMMITTEE:
                self.department.setdefault((parent.id, u.kind), u.id)
            if u.kind == parent.kind and u.kind in bureau_side:
                self.subordinates[parent.id].append(u.id)
        self._bureau_side = bureau_side
        self._side_cache: dict[tuple[str, str], str | None] = {}  # (unit, bureau kind) -> bureau

    def bureau_of(self, unit_id: str, bureau_kind: str) -> str | None:
        """The bureau whose side ``unit_id`` is on (itself, its party committee, their branches)."""
        if (unit_id, bureau_kind) in self._side_cache:
            return self._side_cache[(unit_id, bureau_kind)]
        found: str | None = None
        current = self.units.get(unit_id)
        for _ in range(8):  # bureau → committee → (general) branch → branch: a few steps at most
            if current is None or current.kind not in self._bureau_side:
                break
            if current.kind == bureau_kind:
                found = current.id
                break
            current = self.units.get(current.parent_id) if current.parent_id else None
        self._side_cache[(unit_id, bureau_kind)] = found
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


def _bindings(
    rules: Sequence[Rule], cat: _Catalogue
) -> Iterable[tuple[Rule, Unit, str, list[str | None], str | None]]:
    """(rule, bureau, counterpart kind, counterpart ids, subject) of every requirement: the first
    counterpart id is the requirement's, all of them count."""
    of_kind: dict[str, list[Unit]] = {}  # each rule looks at its kind's units, not all 40,000
    for unit in cat.units.values():
        of_kind.setdefault(unit.kind, []).append(unit)
    for rule in rules:
        levels = set(rule.levels)
        for unit in of_kind.get(rule.unit_kind, ()):
            if unit.level not in levels:
                continue
            if rule.counterparts == (SUBORDINATE_LOCALITIES,):
                for sub_id in cat.subordinates.get(unit.id, []):
                    sub = cat.units[sub_id]
                    yield (
                        rule,
                        unit,
                        LOCAL_COMMITTEE,
                        [cat.counterpart(sub.region_code, LOCAL_COMMITTEE)],
                        sub_id,
                    )
                continue
            cps = [cat.counterpart(unit.region_code, kind) for kind in rule.counterparts]
            yield rule, unit, rule.counterparts[0], cps, None
