"""Value objects shared by loaders, stores, rules and the API.

They are frozen so that a store can hand out the same object to many readers, and plain so that
they serialise to JSON, GraphML and Cypher parameters without adapters.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Region", "Unit", "Link", "Dataset", "regions_within"]


@dataclass(frozen=True, slots=True)
class Region:
    """An administrative division (GB/T 2260 six-digit code)."""

    code: str
    name: str
    level: str  # province | prefecture | county
    parent_code: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """An organisation: a bureau, a party body of a bureau, or a local party body."""

    id: str
    name: str
    kind: str
    level: str  # national | provincial | prefecture | county
    region_code: str | None = None
    parent_id: str | None = None
    name_en: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=True, hash=False)
    #: its vertical system (schema/systems/<id>.yaml); None for the local side, which every system
    #: shares, and where not stated (a load always states it: a ledger without the column is tax's;
    #: graph.queries.systems.unit_system falls back on the kind's system)
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """One ledger row: an event (or several, see ``count``) between two units."""

    id: str
    kind: str
    family: str
    date: dt.date
    source_id: str
    target_id: str
    count: int = 1
    participants: int | None = None
    title: str | None = None
    source_file: str | None = None
    source_row: int | None = None

    @property
    def year(self) -> int:
        return self.date.year

    def as_row(self) -> dict[str, Any]:
        """Flat dict for stores and exports (date as ISO text, year precomputed)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "family": self.family,
            "date": self.date.isoformat(),
            "year": self.date.year,
            "source_id": self.source_id,
            "target_id": self.target_id,
            "count": self.count,
            "participants": self.participants,
            "title": self.title,
            "source_file": self.source_file,
            "source_row": self.source_row,
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Link:
        date = row["date"]
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        elif isinstance(date, dt.datetime):
            date = date.date()
        elif not isinstance(date, dt.date):  # neo4j.time.Date
            date = dt.date(date.year, date.month, date.day)
        return cls(
            id=row["id"],
            kind=row["kind"],
            family=row["family"],
            date=date,
            source_id=row["source_id"],
            target_id=row["target_id"],
            count=1 if row.get("count") is None else int(row["count"]),
            participants=row.get("participants"),
            title=row.get("title"),
            source_file=row.get("source_file"),
            source_row=row.get("source_row"),
        )


@dataclass(slots=True)
class Dataset:
    """What one load writes: all or nothing."""

    regions: list[Region] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.regions) + len(self.units) + len(self.links)


def regions_within(regions: Iterable[Region], code: str) -> set[str]:
    """``code`` and every region below it (by ``parent_code``), as filters "in this region" mean.

    >>> rs = [Region("230000", "省", "province"), Region("230100", "市", "prefecture", "230000"),
    ...       Region("230102", "区", "county", "230100"), Region("230200", "另一市", "prefecture", "230000")]
    >>> sorted(regions_within(rs, "230100"))
    ['230100', '230102']
    """
    children: dict[str, list[str]] = defaultdict(list)
    for r in regions:
        if r.parent_code:
            children[r.parent_code].append(r.code)
    found, todo = {code}, [code]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
