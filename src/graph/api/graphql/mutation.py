"""Mutations: the ledger's units and links, validated exactly as a load, all or nothing.

Every mutation needs ``Authorization: Bearer KEY`` with a ``write`` or ``admin`` key of the keys
file (``TIAOKUAI_KEYS_FILE``, or a deprecated ``TIAOKUAI_API_KEYS`` key); without one it is
refused before anything is read or written. A key with a scope writes inside it only
(graph.store.scoped): one row outside refuses the whole mutation (``FORBIDDEN``, naming the row). Invalid rows come back as one
GraphQL error whose message lists ``FILE:ROW: column: message`` lines (FILE is the mutation's
name, ROW is item index + 2, as if the list were a sheet under a header row) and whose
``extensions.problems`` holds them as objects.
"""

from __future__ import annotations

from typing import Any

import strawberry

from ...errors import LoadError, OutOfScope
from ..errors import Forbidden, InvalidArgument, InvalidInput, Unauthenticated
from .context import Info
from .link import Link, link_from_model
from .region import Region, region_from_model
from .unit import Unit, unit_from_model

__all__ = ["Mutation", "RegionInput", "UnitInput", "LinkInput", "MAX_ROWS"]

#: rows per mutation; larger batches belong in a ledger file and `tiaokuai load`
MAX_ROWS = 5_000


@strawberry.input(description="A regions ledger row (区划代码, 名称, 级别, 上级代码).")
class RegionInput:
    code: str = strawberry.field(description="Six-digit division code (GB/T 2260).")
    name: str
    level: str = strawberry.field(description="province | prefecture | county (or 省, 市, 县 …).")
    parent_code: str | None = None


@strawberry.input(description="A units ledger row (编号, 名称, 类型, 级别, 区划代码, 上级编号, 英文名称).")
class UnitInput:
    id: str
    name: str
    kind: str = strawberry.field(description="A unit kind as a ledger writes it: tax_bureau, 税务局, 省委 …")
    level: str = strawberry.field(
        description="national | provincial | prefecture | county (or 省, 市, 县 …)."
    )
    region_code: str | None = None
    parent_id: str | None = None
    name_en: str | None = None
    system: str | None = strawberry.field(
        default=None, description="Its vertical system's id (系统; default: its kind's system, else tax)."
    )


@strawberry.input(description="A links ledger row (日期, 类型, 发起单位, 对象单位, 编号, 次数, 人数, 事项).")
class LinkInput:
    date: str = strawberry.field(description="The date as a ledger writes it, e.g. 2020-03-01.")
    kind: str = strawberry.field(description="A link kind (visit, 走访 …); the family follows from it.")
    source_id: str
    target_id: str
    id: str | None = strawberry.field(
        default=None,
        description="Omit for a deterministic id: recording the same rows twice changes nothing.",
    )
    count: int | None = strawberry.field(default=None, description="Events in this row; default 1.")
    participants: int | None = None
    title: str | None = None


@strawberry.type(description="What upsertRegions wrote.")
class UpsertRegionsResult:
    written: int
    regions: list[Region]


@strawberry.type(description="What upsertUnits wrote.")
class UpsertUnitsResult:
    written: int
    units: list[Unit]


@strawberry.type(description="What recordLinks wrote.")
class RecordLinksResult:
    written: int
    created: int = strawberry.field(description="Links that were not in the store before.")
    links: list[Link]


def require_key(info: Info) -> None:
    """Refuse unless the request carried a valid key that may write. Raised before any store access."""
    ctx = info.context
    if not ctx.settings.mutations_enabled:
        raise Forbidden(
            "mutations are disabled: the server has no API keys (set TIAOKUAI_KEYS_FILE; TIAOKUAI_API_KEYS is deprecated)"
        )
    if not ctx.key_presented:
        raise Unauthenticated("this mutation needs an API key: send the header Authorization: Bearer KEY")
    if not ctx.authorized or ctx.caller is None:
        reason = {"expired": "this API key has expired", "revoked": "this API key was revoked"}
        raise Unauthenticated(reason.get(ctx.refusal_reason, "invalid API key"))
    if not ctx.caller.may_write:
        raise Forbidden(f"the key {ctx.caller.name!r} may read only (role {ctx.caller.role})")


def _rows(items: list[Any], fields: list[str]) -> list[dict[str, Any]]:
    if not items:
        raise InvalidArgument("nothing to write: the list is empty")
    if len(items) > MAX_ROWS:
        raise InvalidArgument(
            f"at most {MAX_ROWS} rows per call, got {len(items)}; load larger ledgers with tiaokuai load"
        )
    rows = []
    for item in items:
        row = {}
        for f in fields:
            v = getattr(item, f)
            row[f] = None if v is None else str(v)
        rows.append(row)
    return rows


async def _validate_and_write(info: Info, table: str, rows: list[dict[str, Any]], source: str) -> Any:
    from ...ingest import rows_to_dataset

    ctx = info.context

    def work() -> Any:
        # references resolve against the whole graph (a county's link to its prefecture's committee);
        # the scope is checked by the scoped store's write, before anything is written
        dataset = rows_to_dataset(table, rows, ctx.unscoped_store, source=source)  # type: ignore[arg-type]
        return dataset, ctx.store.write(dataset)

    try:
        return await ctx.call(work)
    except LoadError as exc:
        raise InvalidInput.from_load_error(exc) from exc
    except OutOfScope as exc:
        raise Forbidden(f"{source} {exc}; nothing was written") from exc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Add or replace regions by code, validated as a regions ledger (all or nothing). "
        "Needs an API key."
    )
    async def upsert_regions(self, info: Info, regions: list[RegionInput]) -> UpsertRegionsResult:
        require_key(info)
        rows = _rows(regions, ["code", "name", "level", "parent_code"])
        dataset, summary = await _validate_and_write(info, "regions", rows, "upsertRegions")
        return UpsertRegionsResult(
            written=summary.regions, regions=[region_from_model(r) for r in dataset.regions]
        )

    @strawberry.mutation(
        description="Add or replace units by id, validated as a units ledger (all or nothing). "
        "Needs an API key."
    )
    async def upsert_units(self, info: Info, units: list[UnitInput]) -> UpsertUnitsResult:
        require_key(info)
        rows = _rows(units, ["id", "name", "kind", "level", "region_code", "parent_id", "name_en", "system"])
        dataset, summary = await _validate_and_write(info, "units", rows, "upsertUnits")
        return UpsertUnitsResult(written=summary.units, units=[unit_from_model(u) for u in dataset.units])

    @strawberry.mutation(
        description="Record links, validated as a links ledger (all or nothing); rows without id get a "
        "deterministic one. Needs an API key."
    )
    async def record_links(self, info: Info, links: list[LinkInput]) -> RecordLinksResult:
        require_key(info)
        rows = _rows(
            links, ["id", "date", "kind", "source_id", "target_id", "count", "participants", "title"]
        )
        dataset, summary = await _validate_and_write(info, "links", rows, "recordLinks")
        return RecordLinksResult(
            written=summary.links,
            created=summary.links_created,
            links=[link_from_model(lk) for lk in dataset.links],
        )
