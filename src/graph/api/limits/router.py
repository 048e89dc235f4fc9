"""The GraphQL router of a shared service: a deadline per request, and refusals as JSON.

* Each operation runs under the request's deadline (``TIAOKUAI_REQUEST_TIMEOUT``): the deadline is
  set for the store work (:mod:`graph.store.deadline`: Neo4j transactions carry the time left and
  the server cancels them; every store call checks it) and the execution is awaited for that long
  at most. Past it the answer is a ``TIMEOUT`` error, HTTP 504, whatever is still running is
  cancelled (resolvers) or stops at its next store call (worker threads).
* A query asked again at the same store generation, in the same scope, is answered from the
  process's cache of whole answers (:mod:`.responses`), after its client is charged its cost.
* Refusals decided by :class:`~graph.api.limits.extension.LimitsExtension` get their HTTP status
  (400 ``QUERY_TOO_COSTLY``, 429 ``RATE_LIMITED`` with ``Retry-After``).
* A costly query run by the worker's pool (:mod:`.offload`) comes back with its data encoded
  already; the worker puts those bytes in the body without decoding them.
* strawberry's own refusals (bad JSON, a content type it does not read, a GET mutation …), which
  it answers in plain text, are answered as GraphQL-shaped JSON (:mod:`.refusals`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, OperationType
from strawberry.types import ExecutionResult

from ...store import deadline
from ..ide import TiaokuaiGraphQLRouter
from . import responses
from .extension import charge
from .offload import encode_response
from .refusals import STATUS_OF_CODE, refusal_response

__all__ = ["LimitedGraphQLRouter"]

log = logging.getLogger("graph.api")


def _code_of(reason: str, status: int) -> tuple[int, str | None]:
    if "parse request body as JSON" in reason:
        return status, "BAD_JSON"
    if "Unsupported content type" in reason:
        return 415, "BAD_CONTENT_TYPE"
    return status, None


class LimitedGraphQLRouter(TiaokuaiGraphQLRouter):
    """:class:`~graph.api.ide.TiaokuaiGraphQLRouter` with the limits of :mod:`graph.api.limits`."""

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
                found = await responses.lookup(request, context, request_data)
                result = found.result  # a cached answer (charged), or a refusal of its cost
                if result is None:
                    result = await self._offloaded(request, request_adapter, context, request_data, seconds)
                if result is None:
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
                responses.remember(request, context, found, result)
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
        for code in ("RATE_LIMITED", "QUERY_TOO_COSTLY"):
            if code in codes:  # a refused request: the audit log names who asked
                from ..audit import refused_query

                refused_query(context, code, str(result.errors[0]) if result.errors else code)
                break
        for code in ("TIMEOUT", "RATE_LIMITED", "QUERY_TOO_COSTLY"):
            if code in codes and (result.data is None or code == "TIMEOUT"):
                sub_response.status_code = STATUS_OF_CODE[code]
                if code == "RATE_LIMITED":
                    sub_response.headers["Retry-After"] = str(getattr(context, "retry_after", 60))
                break
        return result

    async def _offloaded(
        self, request: Any, request_adapter: Any, context: Any, request_data: Any, seconds: float
    ) -> ExecutionResult | None:
        """Run a costly query in the worker's pool (graph.api.limits.offload), or None to run it
        here. The client is charged here, as for any query."""
        offloader = getattr(request.app.state, "offloader", None)
        if offloader is None or request_adapter.method not in ("GET", "POST"):
            return None
        limits = request.app.state.limits
        schema = self.schema._schema  # type: ignore[attr-defined]  # graphql-core's schema
        plan = offloader.plan(
            schema, request_data.query, request_data.operation_name, request_data.variables, limits.costing
        )
        if plan is None:
            return None
        context.cost = plan.cost
        context.operation_type = OperationType.QUERY  # the pool runs queries only
        refused = charge(context, limits, plan.cost)
        if refused is not None:
            return ExecutionResult(data=None, errors=refused.errors, extensions={"cost": plan.cost})
        try:
            body = await asyncio.wait_for(
                offloader.execute(
                    request_data.query,
                    request_data.variables,
                    request_data.operation_name,
                    authorized=bool(context.authorized),
                    key_presented=bool(context.key_presented),
                    caller=context.caller,
                    seconds=seconds,
                ),
                timeout=seconds,
            )
        except TimeoutError:
            raise
        except Exception:  # a broken pool (a process killed): answer in place rather than fail
            log.exception("the pool for costly queries failed; running the query in the worker")
            offloader.close()
            return None
        if body.get("timeout"):
            raise TimeoutError
        errors = [
            GraphQLError(e.get("message", ""), path=e.get("path"), extensions=e.get("extensions"))
            for e in body.get("errors") or []
        ]
        # data stays encoded (offload.Encoded): encode_json puts it in the body as it is
        return ExecutionResult(
            data=body.get("data"), errors=errors or None, extensions=body.get("extensions")
        )

    def encode_json(self, data: object) -> str | bytes:
        """strawberry's encoding, except that a costly answer's data, encoded by the pool
        (:class:`~graph.api.limits.offload.Encoded`), goes in as it is."""
        spliced = encode_response(data, super().encode_json)
        return super().encode_json(data) if spliced is None else spliced
