"""Assemble the schema: roots, limits and error masking. Nothing here reads settings at import."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from ...config import Settings
from ..errors import MASKED_MESSAGE, is_expected, should_mask_error
from ..limits.cost import describe_costs
from ..limits.extension import LimitsExtension
from .mutation import Mutation
from .query import Query

__all__ = ["build_schema", "schema_sdl"]

log = logging.getLogger("graph.api")


class _Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log bugs with their traceback; expected errors (bad input, auth, outages) in one line."""
        for error in errors:
            if is_expected(error):
                log.info("graphql error: %s", error.message.splitlines()[0] if error.message else "")
            else:
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(settings: Settings) -> strawberry.Schema:
    # The depth and alias limits are validation rules; their classes are made once here, so that
    # every request validates with the same rules and the validation cache (keyed by schema,
    # parsed document and rule classes) hits. Per-request QueryDepthLimiter/MaxAliasesLimiter
    # factories would make new rule classes each time and the cache would never hit. The token
    # limit is a parser option, part of the parser cache's key.
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        *([] if settings.introspection else [NoSchemaIntrospectionCustomRule]),
    ]
    # Factories: a fresh extension instance per request (they keep per-operation state); the
    # caches themselves are module-level LRUs shared by all instances of the same maxsize.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(limit_rules),
        # Parsing and validating a lookup costs more than running it; both caches key on the
        # query text (and parse options) or the parsed document, schema and rules, never on the
        # variables, so every request still runs its resolvers (tests/api/test_api_caches.py).
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
        # the cost budget and the cost rate, after validation and before any resolver runs
        LimitsExtension,
        lambda: MaskErrors(should_mask_error=should_mask_error, error_message=MASKED_MESSAGE),
    ]
    schema = _Schema(query=Query, mutation=Mutation, extensions=extensions)
    describe_costs(schema._schema)  # "Cost: N." in the descriptions of the heavier fields
    return schema


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``schema/schema.graphql``."""
    return build_schema(Settings.model_construct()).as_str() + "\n"
