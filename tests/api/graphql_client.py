"""Helpers for the API tests: a live uvicorn server, a GraphQL client, settings.

A module of its own (not conftest.py) so that tests import it by a name no other directory uses.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import httpx
from liveserver import free_port, live_server  # noqa: F401 (re-exported for the tests here)

from graph.config import Settings
from graph.store.base import Store as StoreBase

API_KEY = "test-key-0123456789abcdef"
SAMPLE_UNITS = 1523


class GraphQLClient:
    """A small GraphQL-over-HTTP client (POST JSON), as a dashboard would use."""

    def __init__(self, http: httpx.Client):
        self.http = http

    def post(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    def run(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """The whole response body (data and errors)."""
        response = self.post(query, variables, key)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def data(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        """``data``, failing the test on any error."""
        body = self.run(query, variables, key)
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def errors(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> list[str]:
        body = self.run(query, variables, key)
        assert body.get("errors"), f"expected errors, got {body}"
        return [e["message"] for e in body["errors"]]


def settings(**overrides: Any) -> Settings:
    base: dict[str, Any] = {"api_keys": [API_KEY]}
    base.update(overrides)
    return Settings(**base)


class CountingStore(StoreBase):
    """Delegates every Store method to a real store and counts the calls (thread-safe): a real
    store behind a proxy, not a mock."""

    def __init__(self, inner: StoreBase) -> None:
        self.inner = inner
        self.location = inner.location
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _counted(name: str) -> Any:
    def method(self: CountingStore, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls[name] += 1
        return getattr(self.inner, name)(*args, **kwargs)

    method.__name__ = name
    return method


_WITH_DEFAULTS = ("find_units_with", "find_units_where", "find_links_where", "links_of_units", "aggregate_units",
                  "aggregate_links", "unit_timelines")  # fmt: skip
for _name in (*StoreBase.__abstractmethods__, *_WITH_DEFAULTS):
    setattr(CountingStore, _name, _counted(_name))
# the store generation is the answer cache's key (graph.api.limits.cache), read once per request
# that asks a cached question: not a question about the data, so not counted
CountingStore.generation = lambda self: self.inner.generation()  # type: ignore[method-assign]
CountingStore.__abstractmethods__ = frozenset()
