"""Errors the API shows to clients, and which errors are masked.

Every error the project raises on purpose (:class:`~graph.errors.TiaokuaiError`) says what was
wrong and is shown as is; GraphQL's own validation errors (unknown field, bad enum value, depth
limit) are shown too. Anything else is a bug or an outage we did not foresee: the client sees
"Unexpected error." and the server log gets the traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from ..errors import LoadError, TiaokuaiError

__all__ = [
    "ApiError",
    "InvalidArgument",
    "Unauthenticated",
    "Forbidden",
    "StoreDown",
    "InvalidInput",
    "RequestTimeout",
    "should_mask_error",
    "is_expected",
    "MASKED_MESSAGE",
]

MASKED_MESSAGE = "Unexpected error."

log = logging.getLogger("graph.api")


class ApiError(TiaokuaiError):
    """An error with a machine-readable ``code`` (in the GraphQL error's ``extensions``)."""

    code = "BAD_REQUEST"

    def __init__(self, message: str, **extra: Any):
        super().__init__(message)
        self.extra = extra

    @property
    def extensions(self) -> dict[str, Any]:
        # graphql-core copies an original error's ``extensions`` into the GraphQL error.
        return {"code": self.code, **self.extra}


class InvalidArgument(ApiError):
    code = "BAD_USER_INPUT"


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    code = "FORBIDDEN"


class StoreDown(ApiError):
    code = "STORE_UNAVAILABLE"


class RequestTimeout(ApiError):
    """The request ran past TIAOKUAI_REQUEST_TIMEOUT (graph.api.limits)."""

    code = "TIMEOUT"


class InvalidInput(ApiError):
    """Rows that a load would refuse; ``problems`` lists each ``{file,row,column,message}``."""

    code = "INVALID_INPUT"

    @classmethod
    def from_load_error(cls, exc: LoadError) -> InvalidInput:
        problems = [
            {"file": p.file, "row": p.row, "column": p.column, "message": p.message} for p in exc.problems
        ]
        n = len(problems)
        head = f"{n} problem{'s' if n != 1 else ''} found; nothing was written"
        return cls(f"{head}:\n{exc}", problems=problems)


def _original(error: GraphQLError) -> BaseException | None:
    original = error.original_error
    while isinstance(original, GraphQLError) and original.original_error is not None:
        original = original.original_error
    return original


def is_expected(error: GraphQLError) -> bool:
    """True for validation errors and errors raised on purpose; False for bugs."""
    original = _original(error)
    return original is None or isinstance(original, TiaokuaiError | GraphQLError)


def should_mask_error(error: GraphQLError) -> bool:
    """For strawberry's MaskErrors: hide everything that is not :func:`is_expected`."""
    return not is_expected(error)
