"""Refusals as GraphQL-shaped JSON: ``{"errors": [{"message", "extensions": {"code", …}}]}``.

Every way the service refuses a request answers in this shape, with the HTTP status that says
why, so that a dashboard needs one error path:

========  ====================  ====================================================
status    code                  when
========  ====================  ====================================================
400       ``BAD_REQUEST``        malformed request (no query, a GET mutation, bad
                                 Content-Length, …)
400       ``BAD_JSON``           the body is not JSON (or not UTF-8, or nested too deep)
401       ``UNAUTHENTICATED``    reads need a key and none or a wrong one came
400       ``QUERY_TOO_COSTLY``   the query's cost is over ``TIAOKUAI_MAX_COST``
405       ``METHOD_NOT_ALLOWED`` neither GET nor POST
413       ``BODY_TOO_LARGE``     the body is over ``TIAOKUAI_MAX_BODY_BYTES``
415       ``BAD_CONTENT_TYPE``   a POST that is not ``application/json``
429       ``RATE_LIMITED``       the client spent its ``TIAOKUAI_COST_PER_MINUTE``
                                 (``Retry-After`` says when to come back)
504       ``TIMEOUT``            the request ran past ``TIAOKUAI_REQUEST_TIMEOUT``
========  ====================  ====================================================

Errors inside a query that ran (bad arguments, a mutation without a key …) stay HTTP 200 with
their code, as GraphQL over HTTP has it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "refusal",
    "refusal_response",
    "STATUS_OF_CODE",
    "code_for_status",
    "graphql_http_exception_handler",
]

#: HTTP status of a refusal by its code (errors of a query that ran keep 200)
STATUS_OF_CODE = {
    "QUERY_TOO_COSTLY": 400,
    "RATE_LIMITED": 429,
    "TIMEOUT": 504,
}

_CODE_OF_STATUS = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "BODY_TOO_LARGE",
    415: "BAD_CONTENT_TYPE",
    429: "RATE_LIMITED",
    504: "TIMEOUT",
}


def code_for_status(status: int) -> str:
    return _CODE_OF_STATUS.get(status, "BAD_REQUEST" if status < 500 else "INTERNAL_SERVER_ERROR")


def refusal(message: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extra}}]}


def refusal_response(
    message: str, status: int, code: str | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    return JSONResponse(
        refusal(message, code or code_for_status(status), **extra), status_code=status, headers=headers
    )


async def graphql_http_exception_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTPException (the key check of ``get_context``) on ``/graphql`` as a refusal;
    elsewhere FastAPI's own answer."""
    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException

    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/graphql"):
        return await http_exception_handler(request, exc)
    return refusal_response(str(exc.detail), exc.status_code, headers=dict(exc.headers or {}))
