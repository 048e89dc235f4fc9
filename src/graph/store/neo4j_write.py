"""The Neo4j store's writes in one transaction: rows built from a dataset, regions, units and
their structural edges, and links in pipelined batches.

A mixin of :class:`~graph.store.neo4j.Neo4jStore`; the batched load of a big dataset
(:mod:`graph.store.neo4j_load`) reuses these for its final transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ..errors import StoreError
from ..model import Dataset, Link, Region, Unit
from ..model.captions import caption
from ..model.vocabulary import vocabulary
from . import cypher
from .neo4j_reads import _unique

__all__ = ["Neo4jWrites"]

T = TypeVar("T")


def _chunks(rows: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


class Neo4jWrites:
    """Row building and the statements of a write inside one transaction."""

    location: str

    def get_regions(self, codes: Iterable[str]) -> dict[str, Region]:
        raise NotImplementedError  # Neo4jReads.get_regions

    def _region_names(
        self, units: Sequence[Unit], regions: Sequence[Region]
    ) -> dict[str, tuple[str, str | None]]:
        """Region code -> (its name, the name of the region around it), for the units' regions:
        what a unit's Browser caption splits at and leaves out (graph.model.captions). Regions not in
        this load are read first."""
        known = {r.code: r for r in regions}

        def fetch(codes: Iterable[str | None]) -> None:
            missing = {code for code in codes if code and code not in known}
            if missing:
                known.update(self.get_regions(sorted(missing)))

        fetch(u.region_code for u in units)
        fetch(known[u.region_code].parent_code for u in units if u.region_code in known)
        out: dict[str, tuple[str, str | None]] = {}
        for u in units:
            region = known.get(u.region_code or "")
            if region:
                parent = known.get(region.parent_code or "")
                out[region.code] = (region.name, parent.name if parent else None)
        return out

    def _rows(
        self, dataset: Dataset
    ) -> tuple[
        list[dict[str, Any]],
        dict[str, list[dict[str, Any]]],
        list[dict[str, Any]],
        list[Link],
        dict[str, str],
    ]:
        """The rows of a write: regions, units by kind label, structure rows, links (sorted by id,
        each id once: the last row of an id wins, as when the embedded store applies them one by
        one) and the relationship type of each family. Raises StoreError on an unknown kind or family."""
        vocab = vocabulary()
        regions = list({r.code: r for r in dataset.regions}.values())
        units = list({u.id: u for u in dataset.units}.values())
        # sorted by id, so that each batch spans a narrow id range (see cypher.LINK_RANGE_CLEAR);
        # of one id, the last (a stable sort keeps them in order)
        ordered = sorted(dataset.links, key=lambda lk: lk.id)
        links = [lk for i, lk in enumerate(ordered) if i + 1 == len(ordered) or ordered[i + 1].id != lk.id]
        del ordered
        region_rows: list[dict[str, Any]] = [
            {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code} for r in regions
        ]
        unit_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        places = self._region_names(units, regions)
        for u in units:
            if u.kind not in vocab.unit_kinds:
                raise StoreError(f"unit {u.id}: unknown kind {u.kind!r}; nothing was written")
            own, around = places.get(u.region_code or "", (None, None))
            unit_rows[vocab.label(u.kind)].append(
                {
                    "id": u.id, "name": u.name, "name_en": u.name_en, "kind": u.kind,
                    "level": u.level, "region_code": u.region_code, "parent_id": u.parent_id,
                    "extra": json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else None,
                    "system": u.system, "caption": caption(u.name, around, own),
                }
            )  # fmt: skip
        structure_rows: list[dict[str, Any]] = [
            {"id": u.id, "parent_id": u.parent_id, "region_code": u.region_code} for u in units
        ]
        # family -> relationship type (not a dict per link: a national load has a million)
        rel_of: dict[str, str] = {f: vocab.rel_type(f) for f in vocab.families}
        for lk in links:
            if lk.family not in rel_of:
                raise StoreError(f"link {lk.id}: unknown family {lk.family!r}; nothing was written")
        return region_rows, unit_rows, structure_rows, links, rel_of

    def _write_structure(
        self, tx: Any, region_rows: list[dict[str, Any]], unit_rows: dict[str, list[dict[str, Any]]],
        structure_rows: list[dict[str, Any]], size: int,
    ) -> None:  # fmt: skip
        """Regions, their WITHIN edges, units and their UNDER and IN_REGION edges, inside ``tx``."""

        def run(query: str, **params: Any) -> Any:
            return tx.run(query, params)

        # regions, then their WITHIN edges (parents may come later in the same load)
        for rows in _chunks(region_rows, size):
            run(cypher.REGION_MERGE, rows=rows).consume()
        for rows in _chunks(region_rows, size):
            run(cypher.REGION_UNLINK_PARENT, rows=rows).consume()
            run(cypher.REGION_LINK_PARENT, rows=[r for r in rows if r["parent_code"]]).consume()
            codes = [r["code"] for r in rows]
            run(cypher.REGION_ADOPT_CHILDREN, codes=codes).consume()
            run(cypher.REGION_ADOPT_UNITS, codes=codes).consume()
        # units (one statement per kind label), then UNDER and IN_REGION
        for label, label_rows in unit_rows.items():
            for rows in _chunks(label_rows, size):
                run(cypher.unit_merge(label), rows=rows).consume()
        for rows in _chunks(structure_rows, size):
            run(cypher.UNIT_UNLINK_PARENT, rows=rows).consume()
            run(cypher.UNIT_LINK_PARENT, rows=[r for r in rows if r["parent_id"]]).consume()
            run(cypher.UNIT_ADOPT_CHILDREN, ids=[r["id"] for r in rows]).consume()
            run(cypher.UNIT_UNLINK_REGION, rows=rows).consume()
            run(cypher.UNIT_LINK_REGION, rows=[r for r in rows if r["region_code"]]).consume()

    def _write_links(self, tx: Any, links: Sequence[Link], rel_of: dict[str, str], size: int) -> int:
        """Write ``links`` (sorted by id) in batches of ``size`` inside ``tx``; returns how many
        were created.

        The links' units are looked up once, by id (cypher.UNIT_NODES), and found again by element
        id in each batch: a unit missing from the database stops the load before any link is sent.
        A batch of new links is sent without waiting for the one before: ``tx.run`` returns once
        the server has accepted the statement, and the client builds and packs the next batch
        while the server creates the last one (Bolt pipelines the statements of a transaction).
        Each batch's count is checked once the next batch has been sent, when its answer has
        already arrived. Waiting for every answer left the server idle for the client's share of
        the work, about a fifth of the load's time. Links that may exist (the id check below) are
        found, moved or updated first, batch by batch, as a reload needs.
        """
        ends = _unique(e for lk in links for e in (lk.source_id, lk.target_id))
        node: dict[str, str] = {}
        for ids in _chunks(ends, 50_000):
            node.update(tx.run(cypher.UNIT_NODES, {"ids": ids}).single(strict=True)["nodes"])
        missing = [e for e in ends if e not in node]
        if missing:
            unwritten = sum(1 for lk in links if lk.source_id not in node or lk.target_id not in node)
            raise StoreError(
                f"cannot write {unwritten} link(s) to Neo4j at {self.location}: "
                f"unit(s) {', '.join(sorted(missing)[:10])} do not exist; nothing was written"
            )

        def rows_of(batch: Sequence[Link]) -> list[list[Any]]:
            # lists in the order of cypher.LINK_ROW_FIELDS
            return [
                [lk.id, lk.source_id, lk.target_id, lk.kind, lk.date, lk.date.year, lk.count,
                 lk.participants, lk.title, lk.source_file, lk.source_row,
                 node[lk.source_id], node[lk.target_id]]
                for lk in batch
            ]  # fmt: skip

        def clear(ids: list[str]) -> bool:
            # no stored link's id within the range of ids: none of them can exist
            return bool(tx.run(cypher.LINK_RANGE_CLEAR, {"ids": ids}).single(strict=True)["clear"])

        pending: list[tuple[Any, int]] = []  # (result, links sent) of creates not yet checked

        def check(upto: int) -> None:
            for result, sent in pending[:upto]:
                done = result.single(strict=True)["created"]
                if done != sent:  # a unit deleted or replaced by another writer since UNIT_NODES
                    raise StoreError(
                        f"cannot write {sent - done} link(s) to Neo4j at {self.location}: their units "
                        "were deleted or replaced while the load ran (another writer?); nothing was "
                        "written. Run the load again."
                    )
            del pending[:upto]

        # one range check for the whole write: a first import or a new year's ledger passes it,
        # and no batch needs its own check
        all_new = bool(links) and clear([lk.id for lk in links])
        created = 0
        for batch in _chunks(links, size):
            link_rel = {lk.id: rel_of[lk.family] for lk in batch}
            rows = rows_of(batch)
            ids = [r[0] for r in rows]
            found: set[str] = set()
            if not all_new and not clear(ids):
                found = set(tx.run(cypher.LINK_FOUND, {"ids": ids}).single(strict=True)["found"])
            kept: set[str] = set()
            if found:
                keys = [
                    {"id": r[0], "source_id": r[1], "target_id": r[2], "rel_type": link_rel[r[0]]}
                    for r in rows
                    if r[0] in found
                ]
                kept = set(tx.run(cypher.LINK_EXISTING, {"rows": keys}).single(strict=True)["kept"])
            created += len(rows) - len(found)
            sent = len(pending)
            for rel in cypher.REL_TYPES:
                mine = [r for r in rows if link_rel[r[0]] == rel]
                update = [r for r in mine if r[0] in kept]
                create = [r for r in mine if r[0] not in kept]
                if update:
                    tx.run(cypher.LINK_UPDATE[rel], {"rows": update}).consume()
                if create:
                    pending.append((tx.run(cypher.LINK_CREATE[rel], {"rows": create}), len(create)))
            check(sent)  # the batches before this one: answered by now
        check(len(pending))
        return created
