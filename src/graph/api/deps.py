"""FastAPI dependencies: the store, the settings and the GraphQL context, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..config import Settings
from ..rules import Rule
from ..store.base import Store
from .auth import bearer_token, key_is_valid
from .graphql.context import Context

__all__ = ["get_settings", "get_store", "get_context", "SettingsDep", "StoreDep", "ContextDep"]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_rules(request: Request) -> list[Rule]:
    return request.app.state.rules  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RulesDep = Annotated[list[Rule], Depends(get_rules)]


def get_context(request: Request, settings: SettingsDep, store: StoreDep, rules: RulesDep) -> Context:
    """A fresh context (and fresh DataLoaders) per request."""
    header = request.headers.get("authorization")
    token = bearer_token(header)
    authorized = key_is_valid(token, settings.api_keys)
    if settings.require_key_for_reads and not authorized:
        raise HTTPException(
            status_code=401,
            detail="an API key is required: send the header Authorization: Bearer KEY",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Context(store, settings, rules, authorized=authorized, key_presented=header is not None)


ContextDep = Annotated[Context, Depends(get_context)]
