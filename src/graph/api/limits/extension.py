"""The strawberry extension that prices each operation before it runs and charges the client.

Runs in ``on_execute``, after parsing and validation (both cached by document text) and before any
resolver: a refused operation does no store work at all. The verdict is kept on the request's
context (``cost``, ``refusal``), where the router (:mod:`.router`) reads the HTTP status.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from ..auth import bearer_token
from .cost import operation_cost
from .rate import client_id

__all__ = ["LimitsExtension", "charge"]


def _refuse(message: str, **extensions: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[GraphQLError(message, extensions=extensions)])


def charge(ctx: Any, limits: Any, cost: int) -> GraphQLExecutionResult | None:
    """Charge the request's client ``cost`` points; a ``RATE_LIMITED`` result when it cannot pay
    (and ``ctx.refusal``, ``ctx.retry_after`` set for the HTTP answer)."""
    request = ctx.request
    token = bearer_token(request.headers.get("authorization"))
    address = request.client.host if request.client else None
    refused = limits.rate.charge(client_id(token, bool(getattr(ctx, "authorized", False)), address), cost)
    if refused is None:
        return None
    ctx.refusal = "RATE_LIMITED"
    ctx.retry_after = refused.retry_after
    return _refuse(
        f"too many queries: this client may spend {limits.settings.cost_per_minute:,} cost points a "
        f"minute and has {refused.available:,} left; this one costs {cost:,}. Try again in "
        f"{refused.retry_after} s.",
        code="RATE_LIMITED",
        cost=cost,
        retryAfter=refused.retry_after,
    )


class LimitsExtension(SchemaExtension):
    """Cost budget (``QUERY_TOO_COSTLY``) and cost rate (``RATE_LIMITED``); ``extensions.cost``."""

    cost: int = 0

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        limits = getattr(getattr(getattr(ctx, "request", None), "app", None), "state", None)
        limits = getattr(limits, "limits", None)
        document = ec.graphql_document
        if limits is None or document is None:
            yield
            return
        operation: OperationDefinitionNode | None = None
        fragments: dict[str, FragmentDefinitionNode] = {}
        wanted = ec.operation_name
        for definition in document.definitions:
            if isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
            elif isinstance(definition, OperationDefinitionNode) and (
                wanted is None or (definition.name and definition.name.value == wanted)
            ):
                operation = operation or definition
        if operation is None:
            yield
            return
        ctx.operation_type = operation.operation
        settings = limits.settings
        self.cost = cost = operation_cost(
            ec.schema._schema, operation, fragments, ec.variables, limits.costing
        )
        ctx.cost = cost
        if cost > settings.max_cost:
            ctx.refusal = "QUERY_TOO_COSTLY"
            ec.result = _refuse(
                f"the query costs {cost:,} points, more than the {settings.max_cost:,} allowed: ask for "
                "smaller pages (first) or fewer nested connections (see docs/graphql.md, Limits)",
                code="QUERY_TOO_COSTLY",
                cost=cost,
                maxCost=settings.max_cost,
            )
            yield
            return
        refused = charge(ctx, limits, cost)
        if refused is not None:
            ec.result = refused
        yield

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.cost}
