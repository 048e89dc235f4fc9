"""Writing gaps back into Neo4j for Browser users: the Neo4j store's :meth:`Store.write_gaps`.

A mixin of :class:`~graph.store.neo4j.Neo4jStore`, which supplies :meth:`write_transaction`; the
statements are in :mod:`graph.store.cypher` (``GAP_SCHEMA``, ``GAPS_*``, ``COVERAGE_WRITE``) and the
rows are built by :mod:`graph.rules.gapwrite`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..errors import StoreError
from . import cypher
from .base import GapsWritten

__all__ = ["Neo4jGapWriter"]

T = TypeVar("T")


class Neo4jGapWriter:
    """``write_gaps`` for the Neo4j store: the year's Gap and Coverage nodes replaced at once."""

    def write_transaction(self, work: Callable[[Any], T], doing: str, *, schema: bool = False) -> T:
        raise NotImplementedError  # Neo4jStore.write_transaction

    def write_gaps(
        self, year: int, gaps: Sequence[dict[str, Any]], coverage: Sequence[dict[str, Any]]
    ) -> GapsWritten:
        """Replace the year's ``:Gap`` and ``:Coverage`` nodes in one transaction (docs/browser.md).

        A gap links to its bureau (``GAP_OF``), to the counterpart when it exists
        (``MISSING_CONTACT_WITH``) and to the subordinate bureau of a per-subordinate rule
        (``CONCERNS``); a coverage node to its bureau (``COVERAGE_OF``), all with the year."""
        batch = 2000

        def schema(tx: Any) -> None:
            for statement in cypher.GAP_SCHEMA:
                tx.run(statement).consume()

        def work(tx: Any) -> GapsWritten:
            replaced = tx.run(cypher.GAPS_DELETE_YEAR, year=year).single()["gaps"]
            written = covered = 0
            for start in range(0, len(gaps), batch):
                written += tx.run(cypher.GAPS_WRITE, rows=list(gaps[start : start + batch])).single()[
                    "written"
                ]
            for start in range(0, len(coverage), batch):
                covered += tx.run(cypher.COVERAGE_WRITE, rows=list(coverage[start : start + batch])).single()[
                    "written"
                ]
            if written != len(gaps) or covered != len(coverage):
                # a bureau vanished between reading and writing: roll back rather than write half
                raise StoreError(
                    f"wrote {written} of {len(gaps)} gaps and {covered} of {len(coverage)} "
                    "coverage nodes: units changed meanwhile; nothing was written, run it again"
                )
            return GapsWritten(written, covered, replaced)

        # Schema statements cannot share a transaction with writes; they are idempotent.
        self.write_transaction(schema, "creating the Gap and Coverage constraints", schema=True)
        return self.write_transaction(work, f"writing the gaps of {year}")
