"""``Region``: an administrative division (GB/T 2260)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from ...model import Region as RegionModel
from .context import Info
from .enums import RegionLevel

if TYPE_CHECKING:
    from .coverage import Coverage
    from .unit import Unit

__all__ = ["Region", "region_from_model"]


@strawberry.type(description="An administrative division (GB/T 2260 six-digit code).")
class Region:
    code: str = strawberry.field(description="Six-digit division code, e.g. 230100 (哈尔滨市).")
    name: str
    level: RegionLevel  # type: ignore[valid-type]
    parent_code: str | None = strawberry.field(description="The division one level up.")

    @strawberry.field(description="The division one level up.")
    async def parent(self, info: Info) -> Region | None:
        if not self.parent_code:
            return None
        found = await info.context.loaders.region.load(self.parent_code)
        return region_from_model(found) if found else None

    @strawberry.field(
        description="Every vertical unit the rules bind (bureaus, customs …, not their party bodies) in the "
        "region or within it, of every system (or of `system`, an id from `systems`), by id: the locality's "
        "view across systems (条条 in one 块)."
    )
    async def vertical_units(
        self, info: Info, system: str | None = None
    ) -> list[Annotated[Unit, strawberry.lazy(".unit")]]:
        from .systems import vertical_units

        return await vertical_units(info, self.code, system)

    @strawberry.field(
        description="Coverage of the vertical units in the region or within it (of `system`, if given); "
        "`bySystem` splits it per system."
    )
    async def coverage(
        self, info: Info, year: int, system: str | None = None
    ) -> Annotated[Coverage, strawberry.lazy(".coverage")]:
        from .systems import region_coverage

        return await region_coverage(info, self.code, year, system)


def region_from_model(r: RegionModel) -> Region:
    return Region(code=r.code, name=r.name, level=RegionLevel(r.level), parent_code=r.parent_code)
