"""``Link``: one ledger row, an event (or ``count`` events) between two units."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from ...model import Link as LinkModel
from .context import Info
from .enums import Family, LinkKind

if TYPE_CHECKING:
    from .unit import Unit

__all__ = ["Link", "Provenance", "link_from_model"]


@strawberry.type(description="Where a link was read from: the ledger file (or API call) and its row.")
class Provenance:
    file: str | None
    row: int | None = strawberry.field(description="Spreadsheet row number (header = 1).")


@strawberry.type(
    description="An event between two units (a report, a visit, a training …), as one ledger row."
)
class Link:
    id: strawberry.ID
    family: Family  # type: ignore[valid-type]
    kind: LinkKind  # type: ignore[valid-type]
    date: dt.date
    count: int = strawberry.field(description="Events this row stands for (at least 1).")
    participants: int | None = strawberry.field(
        description="People involved (trainees, cadres …), if recorded."
    )
    title: str | None = strawberry.field(description="What it was about (事项).")
    source_id: strawberry.ID = strawberry.field(description="The unit that initiated it.")
    target_id: strawberry.ID = strawberry.field(description="The unit it was directed at.")
    provenance: Provenance | None

    @strawberry.field(description="Calendar year of `date`.")
    def year(self) -> int:
        return self.date.year

    @strawberry.field(description="The initiating unit (发起单位).")
    def source(self, info: Info) -> Annotated[Unit, strawberry.lazy(".unit")] | None:
        return _unit(info, str(self.source_id))  # type: ignore[no-any-return]

    @strawberry.field(description="The unit it was directed at (对象单位).")
    def target(self, info: Info) -> Annotated[Unit, strawberry.lazy(".unit")] | None:
        return _unit(info, str(self.target_id))  # type: ignore[no-any-return]


def _unit(info: Info, unit_id: str) -> Any:
    """The unit now, when the request already has it (ends that came with the links are primed),
    else an awaitable of it: a page of 500 links with both ends does not wait 1,000 times."""
    from .unit import unit_from_model

    loader = info.context.loaders.unit
    known = loader.cache_map.get(unit_id)
    if known is not None and known.done() and not known.cancelled() and known.exception() is None:
        found = known.result()
        return unit_from_model(found) if found else None
    return _load_unit(info, unit_id)


async def _load_unit(info: Info, unit_id: str) -> Any:
    from .unit import unit_from_model

    found = await info.context.loaders.unit.load(unit_id)
    return unit_from_model(found) if found else None


def link_from_model(lk: LinkModel) -> Link:
    provenance = (
        Provenance(file=lk.source_file, row=lk.source_row)
        if lk.source_file is not None or lk.source_row is not None
        else None
    )
    return Link(
        id=strawberry.ID(lk.id),
        family=Family(lk.family),
        kind=LinkKind(lk.kind),
        date=lk.date,
        count=lk.count,
        participants=lk.participants,
        title=lk.title,
        source_id=strawberry.ID(lk.source_id),
        target_id=strawberry.ID(lk.target_id),
        provenance=provenance,
    )
