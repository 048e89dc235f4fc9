"""FastAPI dependencies: the store, the settings, the caller and the GraphQL context.

Who is calling is decided here, once per request (:func:`identify`): a key of the keys file
(graph.api.keys; named, with a role and a scope) or, deprecated, of ``TIAOKUAI_API_KEYS``
(unscoped write keys). A caller with a scope gets the store through
:class:`~graph.store.scoped.ScopedStore`, so every read of the request sees only its scope.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..config import Settings
from ..rules import Rule
from ..store.base import Store
from ..store.scoped import ScopedStore
from .auth import Caller, bearer_token, key_is_valid, legacy_caller
from .graphql.context import Context

__all__ = [
    "get_settings", "get_store", "get_context", "identify", "read_store", "request_id",
    "SettingsDep", "StoreDep", "ContextDep", "ReadStoreDep",
]  # fmt: skip

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_rules(request: Request) -> list[Rule]:
    return request.app.state.rules  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RulesDep = Annotated[list[Rule], Depends(get_rules)]


def request_id(request: Request) -> str:
    """The client's ``X-Request-ID`` when it is a plain token, else a fresh one (for the audit log)."""
    given = request.headers.get("x-request-id", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex[:16]


def identify(request: Request) -> tuple[Caller | None, str]:
    """(the caller, "valid") or (None, why: "none", "invalid", "expired", "revoked")."""
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization")
    token = bearer_token(header)
    if token is None:
        return None, "none" if header is None else "invalid"
    ring = getattr(request.app.state, "keyring", None)
    entry, why = ring.lookup_entry(token) if ring is not None else (None, "invalid")
    caller = entry.caller() if entry is not None and why == "valid" else None
    if entry is not None and caller is None:
        request.state.key_name = entry.name  # an expired or revoked key: the audit log names it
    legacy = key_is_valid(token, settings.api_keys)  # always compared: no early exit
    if caller is None and legacy:
        return legacy_caller(token), "valid"
    return caller, why


def _refuse(request: Request, why: str, rid: str) -> HTTPException:
    from .audit import refused_request

    refused_request(request, why, rid)
    message = {
        "none": "an API key is required: send the header Authorization: Bearer KEY",
        "expired": "this API key has expired",
        "revoked": "this API key was revoked",
    }.get(why, "invalid API key")
    return HTTPException(status_code=401, detail=message, headers={"WWW-Authenticate": "Bearer"})


def scoped(store: Store, caller: Caller | None) -> Store:
    """The store as ``caller`` may see it."""
    if caller is None or caller.regions is None:
        return store
    return ScopedStore(store, caller.regions)


def _ide_page(request: Request, settings: Settings) -> bool:
    """A browser opening GraphiQL: a GET for HTML without a query."""
    return (
        settings.graphiql
        and request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


def get_context(request: Request, settings: SettingsDep, store: StoreDep, rules: RulesDep) -> Context:
    """A fresh context (and fresh DataLoaders) per request."""
    header = request.headers.get("authorization")
    caller, why = identify(request)
    rid = request_id(request)
    if settings.reads_need_key and caller is None:
        if _ide_page(request, settings):
            # GraphiQL's page holds no data; it is how a person enters the key (Headers pane).
            # Nothing could run with this context anyway: its store sees an empty scope.
            return Context(ScopedStore(store, ()), settings, rules, authorized=False, key_presented=False,
                           request_id=rid, refusal_reason=why)  # fmt: skip
        raise _refuse(request, why, rid)
    return Context(
        store, settings, rules, authorized=caller is not None, key_presented=header is not None,
        caller=caller, request_id=rid, refusal_reason=why,
    )  # fmt: skip


def read_store(request: Request, settings: SettingsDep, store: StoreDep) -> Store:
    """The store for the HTML pages: a key when reads need one, and the caller's scope."""
    caller, why = identify(request)
    if settings.reads_need_key and caller is None:
        raise _refuse(request, why, request_id(request))
    return scoped(store, caller)


ContextDep = Annotated[Context, Depends(get_context)]
ReadStoreDep = Annotated[Store, Depends(read_store)]
