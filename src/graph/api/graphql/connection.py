"""Relay-style connections (``edges{node cursor} pageInfo{…} totalCount``) over offset pages.

Cursors are opaque to clients (base64 of ``tk:OFFSET``); a cursor stays valid as long as the list
it came from does not change. ``first`` is capped by ``TIAOKUAI_MAX_PAGE_SIZE``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

import strawberry

from ...store.base import Page
from ..errors import InvalidArgument

if TYPE_CHECKING:
    from .context import Info

__all__ = [
    "Connection",
    "Edge",
    "PageInfo",
    "encode_cursor",
    "decode_cursor",
    "window",
    "connection",
    "paged",
]

T = TypeVar("T")
M = TypeVar("M")

_PREFIX = "tk:"


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset a cursor points at; :class:`InvalidArgument` for anything we did not issue."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if text.startswith(_PREFIX):
            offset = int(text[len(_PREFIX) :])
            if offset >= 0:
                return offset
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidArgument(f"after: {cursor!r} is not a cursor from this API (use pageInfo.endCursor)")


def window(first: int | None, after: str | None, *, default: int, cap: int) -> tuple[int, int]:
    """(offset, limit) for ``first``/``after``; errors name the cap."""
    if first is None:
        first = default
    if first < 0:
        raise InvalidArgument(f"first must be at least 0, got {first}")
    if first > cap:
        raise InvalidArgument(f"first must be at most {cap} (the page size cap), got {first}")
    offset = decode_cursor(after) + 1 if after is not None else 0
    return offset, first


@strawberry.type(description="Where a page sits in the whole list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page and the cursor to continue after it.")
class Edge(Generic[T]):
    node: T
    cursor: str


@strawberry.type(description="A page of a longer list: pass pageInfo.endCursor as `after` for the next.")
class Connection(Generic[T]):
    # Edges, cursors and pageInfo are made only when asked for: a list read through `nodes` (a
    # nested list of each of 100 units, say) builds none of them.
    _items: strawberry.Private[list[T]]
    _offset: strawberry.Private[int]
    _total: strawberry.Private[int]

    @strawberry.field
    def edges(self) -> list[Edge[T]]:
        return [Edge(node=item, cursor=encode_cursor(self._offset + i)) for i, item in enumerate(self._items)]

    @strawberry.field
    def page_info(self) -> PageInfo:
        n, offset = len(self._items), self._offset
        return PageInfo(
            has_next_page=offset + n < self._total,
            has_previous_page=offset > 0,
            start_cursor=encode_cursor(offset) if n else None,
            end_cursor=encode_cursor(offset + n - 1) if n else None,
        )

    @strawberry.field(description="Length of the whole list, not of this page.")
    def total_count(self) -> int:
        return self._total

    @strawberry.field(description="The nodes of this page (shortcut for edges { node }).")
    def nodes(self) -> list[T]:
        return self._items


def connection(items: Sequence[M], total: int, offset: int, convert: Callable[[M], T]) -> Connection[T]:
    """A connection for one page of ``items`` that starts at ``offset`` in a list of ``total``."""
    return Connection(_items=[convert(item) for item in items], _offset=offset, _total=total)


async def paged(
    info: Info,
    first: int | None,
    after: str | None,
    fetch: Callable[[int, int], Awaitable[Page[M]]],
    convert: Callable[[M], T],
) -> Connection[T]:
    """Every Relay connection of the API in one place: ``first``/``after`` checked against the
    settings' page sizes, ``fetch(offset, limit)`` asked for that page (and the total), the
    page returned with its cursors."""
    s = info.context.settings
    offset, limit = window(first, after, default=s.default_page_size, cap=s.max_page_size)
    page = await fetch(offset, limit)
    return connection(page.items, page.total, offset, convert)
