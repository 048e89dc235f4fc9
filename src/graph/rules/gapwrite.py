"""Write a year's gaps (and each bureau's coverage) into the store, for Neo4j Browser users to see.

``tiaokuai gaps --year Y --write`` calls :func:`write_gaps`. The year's requirements come from
:func:`graph.rules.evaluate`, exactly as ``tiaokuai gaps`` and ``tiaokuai coverage`` compute them,
and are stored as:

* ``(:Gap {id, year, rule, family, counterpart_kind, required, observed, unit_id, counterpart_id,
  subject_id, name})`` for every unmet requirement, with ``(:Gap)-[:GAP_OF {year}]->(:Unit)`` to
  the bureau, ``(:Gap)-[:MISSING_CONTACT_WITH {year}]->(:Unit)`` to the counterpart when it exists,
  and, for ``coordinate_lower_localities``, ``(:Gap)-[:CONCERNS {year}]->(:Unit)`` to the
  subordinate bureau whose locality was not visited;
* ``(:Coverage {id, year, unit_id, expected, met, ratio, name})-[:COVERAGE_OF {year}]->(:Unit)``
  for every bureau the rules bind, so a prefecture's coverage can be read in the Browser.

Ids are deterministic (``GAP-2020-TB-230102-liaison_propaganda_department``, with the subordinate
bureau appended for per-subordinate rules; ``COV-2020-TB-230102``). A write replaces the year:
the year's ``Gap`` and ``Coverage`` nodes are deleted and written anew in one transaction, so
running it twice changes nothing and a recompute after new ledgers leaves no stale gap behind.
Other years are untouched. ``counterpart_id`` and ``subject_id`` are absent (Neo4j stores no
nulls) when there is none.

This module builds the records from the requirements; the store writes them
(:meth:`graph.store.base.Store.write_gaps`): Neo4j as the nodes above (the Cypher in
:mod:`graph.store.cypher`), the embedded SQLite store as rows of its ``gaps`` and ``coverage``
tables (same ids and fields; see docs/stores.md), both replacing the year in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import GapWriteUnsupported
from ..model.vocabulary import vocabulary
from ..store.base import Store
from . import Requirement, Rule, evaluate

__all__ = ["GapWriteUnsupported", "GapWriteSummary", "write_gaps", "gap_id", "coverage_id"]


@dataclass(frozen=True)
class GapWriteSummary:
    year: int
    gaps: int  # Gap nodes written
    coverage: int  # Coverage nodes written (bureaus the rules bind)
    replaced: int  # Gap nodes of the year that existed before and were deleted
    location: str

    def message(self) -> str:
        return (
            f"wrote {self.gaps} gap{'s' if self.gaps != 1 else ''} and the coverage of {self.coverage} "
            f"bureau{'s' if self.coverage != 1 else ''} for {self.year} into {self.location} "
            f"(all bureaus; {self.replaced} earlier gap{'s' if self.replaced != 1 else ''} of "
            f"{self.year} replaced)"
        )


def gap_id(year: int, req: Requirement) -> str:
    parts = ["GAP", str(year), req.unit_id, req.rule]
    if req.subject_id:
        parts.append(req.subject_id)
    return "-".join(parts)


def coverage_id(year: int, unit_id: str) -> str:
    return f"COV-{year}-{unit_id}"


def _gap_rows(year: int, requirements: Sequence[Requirement]) -> list[dict[str, Any]]:
    vocab = vocabulary()
    rows = []
    for req in requirements:
        if req.met:
            continue
        family_zh = vocab.families[req.family]["zh"] if req.family in vocab.families else req.family
        kind = vocab.unit_kinds.get(req.counterpart_kind)
        props: dict[str, Any] = {
            "id": gap_id(year, req),
            "year": year,
            "rule": req.rule,
            "family": req.family,
            "counterpart_kind": req.counterpart_kind,
            "required": req.required,
            "observed": req.observed,
            "unit_id": req.unit_id,
            "name": f"缺{family_zh}·{kind.zh if kind else req.counterpart_kind}",
        }
        if req.counterpart_id:
            props["counterpart_id"] = req.counterpart_id
        if req.subject_id:
            props["subject_id"] = req.subject_id
        rows.append(
            {
                "unit_id": req.unit_id,
                "counterpart_id": req.counterpart_id,
                "subject_id": req.subject_id,
                "props": props,
            }
        )
    return rows


def _coverage_rows(year: int, requirements: Sequence[Requirement]) -> list[dict[str, Any]]:
    tally: dict[str, list[int]] = {}
    for req in requirements:
        row = tally.setdefault(req.unit_id, [0, 0])
        row[0] += 1
        row[1] += req.met
    return [
        {
            "id": coverage_id(year, unit_id),
            "year": year,
            "unit_id": unit_id,
            "expected": expected,
            "met": met,
            "ratio": met / expected if expected else None,
            "name": f"{met}/{expected}",
        }
        for unit_id, (expected, met) in sorted(tally.items())
    ]


def write_gaps(
    store: Store,
    year: int,
    *,
    rules: Sequence[Rule] | None = None,
    requirements: Sequence[Requirement] | None = None,
) -> GapWriteSummary:
    """Replace the year's Gap and Coverage records by those of the current data, in one transaction.

    ``requirements`` (all of the year's, met or not, as :func:`graph.rules.evaluate` returns them)
    may be passed to avoid evaluating twice; otherwise they are evaluated here with ``rules``.
    The store writes them (:meth:`~graph.store.base.Store.write_gaps`); one that cannot hold them
    raises :class:`~graph.errors.GapWriteUnsupported`.
    """
    if requirements is None:
        requirements = evaluate(store, year, rules)
    done = store.write_gaps(year, _gap_rows(year, requirements), _coverage_rows(year, requirements))
    return GapWriteSummary(year, done.gaps, done.coverage, done.replaced, store.location)
