"""``Region``: an administrative division (GB/T 2260)."""

from __future__ import annotations

import strawberry

from ...model import Region as RegionModel
from .context import Info
from .enums import RegionLevel

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


def region_from_model(r: RegionModel) -> Region:
    return Region(code=r.code, name=r.name, level=RegionLevel(r.level), parent_code=r.parent_code)
