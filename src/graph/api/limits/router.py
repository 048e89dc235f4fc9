"""The GraphQL router of a shared service: a deadline per request, and refusals as JSON.

* Each operation runs under the request's deadline (``TIAOKUAI_REQUEST_TIMEOUT``): the deadline is
  set for the store work (:mod:`graph.store.deadline`: Neo4j transactions carry the time left and
  the server cancels them; every store call checks it) and the execution is awaited for that long
  at most. Past it the answer is a ``TIMEOUT`` error, HTTP 504, whatever is still running is
  cancelled (resolvers) or stops at its next store call (worker threads).
* Refusals decided by :class:`~graph.api.limits.extension.LimitsExtension` get their HTTP status
  (400 ``QUERY_TOO_COSTLY``, 429 ``RATE_LIMITED`` with ``Retry-After``).
* strawberry's own refusals (bad JSON, a content type it does not read, a GET mutation …), which
  it answers in plain text, are answered as GraphQL-shaped JSON (:mod:`.refusals`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.types import ExecutionResult

from ...store import deadline
from ..security import SafeGraphQLRouter
from .refusals import STATUS_OF_CODE, refusal_response

__all__ = ["LimitedGraphQLRouter"]


def _code_of(reason: str, status: int) -> tuple[int, str | None]:
    if "parse request body as JSON" in reason:
        return status, "BAD_JSON"
    if "Unsupported content type" in reason:
        return 415, "BAD_CONTENT_TYPE"
    return status, None


class LimitedGraphQLRouter(SafeGraphQLRouter):
    """:class:`~graph.api.security.SafeGraphQLRouter` with the limits of :mod:`graph.api.limits`."""

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().run(*args, **kwargs)
        except HTTPException as exc:
            status, code = _code_of(exc.reason, exc.status_code)
            return refusal_response(exc.reason, status, code)

    async def execute_single(  # noqa: PLR0917 - strawberry's signature
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> ExecutionResult:
        settings = request.app.state.settings
        seconds = settings.request_timeout
        with deadline.deadline(seconds):
            try:
                result = await asyncio.wait_for(
                    super().execute_single(
                        request=request,
                        request_adapter=request_adapter,
                        sub_response=sub_response,
                        context=context,
                        root_value=root_value,
                        request_data=request_data,
                    ),
                    timeout=seconds,
                )
            except TimeoutError:
                error = GraphQLError(
                    f"the request ran out of time: it may run for {seconds:g} s "
                    "(TIAOKUAI_REQUEST_TIMEOUT); ask for less, or narrow it by year, level or region",
                    extensions={"code": "TIMEOUT", "timeoutSeconds": seconds},
                )
                result = ExecutionResult(
                    data=None, errors=[error], extensions={"cost": getattr(context, "cost", 0)}
                )
        codes = [
            (e.extensions or {}).get("code") for e in (result.errors or []) if isinstance(e, GraphQLError)
        ]
        for code in ("TIMEOUT", "RATE_LIMITED", "QUERY_TOO_COSTLY"):
            if code in codes and (result.data is None or code == "TIMEOUT"):
                sub_response.status_code = STATUS_OF_CODE[code]
                if code == "RATE_LIMITED":
                    sub_response.headers["Retry-After"] = str(getattr(context, "retry_after", 60))
                break
        return result
