"""Hardening of the GraphQL endpoint against request bodies that strawberry does not expect.

strawberry answers a body that is not JSON with 400, but only for :class:`json.JSONDecodeError`.
Two other failures of ``json.loads`` escaped as 500 Internal Server Error (found by the
reliability fuzz, ``tests/reliability/test_rel_api_fuzz.py``):

* bytes that are not UTF-8/16/32 (``b"\\xff"``): :class:`UnicodeDecodeError`;
* JSON nested deeper than Python's recursion limit (``[[[[…`` a hundred thousand times, well within
  the body size limit): :class:`RecursionError`.

:class:`SafeGraphQLRouter` turns both into the 400 "Unable to parse request body as JSON" that any
other malformed body gets, for POST bodies and for ``variables``/``extensions`` in GET query strings.

Wired in :func:`graph.api.create_app`, which builds its router as ``SafeGraphQLRouter``.
"""

from __future__ import annotations

import json
from typing import Any

from strawberry.fastapi import GraphQLRouter

__all__ = ["SafeGraphQLRouter"]


class SafeGraphQLRouter(GraphQLRouter):  # type: ignore[misc]
    """:class:`strawberry.fastapi.GraphQLRouter` that answers every undecodable body with 400."""

    def decode_json(self, data: str | bytes) -> Any:
        try:
            return super().decode_json(data)
        except (UnicodeDecodeError, RecursionError) as exc:
            reason = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
            raise json.JSONDecodeError(f"request body is {reason}", "", 0) from None
