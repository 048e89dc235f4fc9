"""One suite, both stores: the ``store`` fixture runs each test on the embedded store and on Neo4j.

The Neo4j database is emptied before each test (Community edition has one user database, so the
test server must not hold anything you want to keep). Constraints and indexes stay; the store
re-applies them idempotently on its first write anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from store_data import clear_neo4j

from graph.store import Store, open_store

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture
def neo4j_driver(neo4j_uri: str) -> Iterator[Any]:
    """A raw driver on the test server, for looking at the graph behind the store's back."""
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    driver = GraphDatabase.driver(neo4j_uri, auth=auth)
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture
def neo4j_store(neo4j_uri: str, neo4j_driver: Any) -> Iterator[Store]:
    clear_neo4j(neo4j_driver)
    store = open_store(neo4j_uri)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(tmp_path / "g.tkg")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest) -> Store:
    """An empty store of each kind."""
    return request.getfixturevalue(f"{request.param}_store")


@pytest.fixture
def store_kind(store: Store) -> str:
    return "embedded" if type(store).__name__ == "EmbeddedStore" else "neo4j"
