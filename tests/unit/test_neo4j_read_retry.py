"""The Neo4j store's reads are auto-commit queries, which the driver does not retry: it retries once.

The fake driver goes in through the store's documented seam, ``Neo4jStore(uri, driver=...)``."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("neo4j")

from neo4j import exceptions as ne  # noqa: E402

from graph.errors import StoreError, StoreUnavailable  # noqa: E402
from graph.store.neo4j import Neo4jStore  # noqa: E402


class _Session:
    def __init__(self, driver: _Driver) -> None:
        self.driver = driver

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def run(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.driver.calls += 1
        if self.driver.failures:
            raise self.driver.failures.pop(0)
        return [{"n": 7}]


class _Driver:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.calls = 0

    def session(self, **config: Any) -> _Session:
        assert config["default_access_mode"] == "READ"
        return _Session(self)

    def close(self) -> None:
        pass


def _store(failures: list[Exception]) -> tuple[Neo4jStore, _Driver]:
    driver = _Driver(failures)
    return Neo4jStore("bolt://127.0.0.1:1", driver=driver), driver


def test_one_lost_connection_is_retried() -> None:
    store, driver = _store([ne.ServiceUnavailable("gone")])
    assert store.count_units() == 7
    assert driver.calls == 2


def test_a_second_failure_is_reported() -> None:
    store, driver = _store([ne.ServiceUnavailable("gone"), ne.ServiceUnavailable("still gone")])
    with pytest.raises(StoreUnavailable):
        store.count_units()
    assert driver.calls == 2


def test_errors_that_are_not_transient_are_not_retried() -> None:
    store, driver = _store([ne.ClientError("bad")])
    with pytest.raises(StoreError):
        store.count_units()
    assert driver.calls == 1
