"""API fixtures: the sample loaded into each store, live uvicorn servers, and a GraphQL client.

``sample_store`` is parametrized over the embedded store and Neo4j (skipped when the test server is
unreachable, failing instead with ``TIAOKUAI_REQUIRE_NEO4J=1``; see ``tests/conftest.py``). The
sample is loaded once per session per store through ``loaders``; since other suites empty the
Neo4j test database between their tests, each use checks that the sample is still there and
reloads it if not.

``live`` starts a real uvicorn server in a thread on a free loopback port and talks to it over
HTTP with httpx: the same path a client takes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql_client import SAMPLE_UNITS, GraphQLClient, live_server, settings

from graph.api import create_app
from graph.store import Store, open_store
from graph.synthetic.sample import write_sample

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


# -- stores ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


def load_dir(store: Store, path: Path) -> None:
    from loaders import load_paths

    load_paths(store, [path])


def clear_neo4j(store: Store) -> None:
    from graph.store.cypher import CLEAR_DATABASE

    driver = store.driver  # type: ignore[attr-defined]  # the test owns this store
    with driver.session(database=store.database) as session:  # type: ignore[attr-defined]
        session.run(CLEAR_DATABASE).consume()


def _sample_intact(store: Store) -> bool:
    return store.count_units() == SAMPLE_UNITS and bool(store.get_links(["L2020-000001"]))


@pytest.fixture(scope="session")
def _embedded_sample(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("embedded") / "sample.tkg")
    load_dir(store, sample_dir)
    yield store
    store.close()


@pytest.fixture(scope="session")
def _neo4j_sample(neo4j_uri: str) -> Iterator[Store]:
    store = open_store(neo4j_uri)
    yield store
    store.close()


@pytest.fixture(params=STORE_KINDS)
def sample_store(request: pytest.FixtureRequest, sample_dir: Path) -> Store:
    """A store (of each kind) holding exactly the bundled sample."""
    store: Store = request.getfixturevalue(f"_{request.param}_sample")
    if not _sample_intact(store):
        if request.param == "neo4j":
            clear_neo4j(store)
        load_dir(store, sample_dir)
        assert _sample_intact(store)
    return store


@pytest.fixture(scope="session")
def reference_store(_embedded_sample: Store) -> Store:
    """The embedded sample store, as the reference answers for both stores."""
    return _embedded_sample


@pytest.fixture(params=STORE_KINDS)
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each kind, for mutations."""
    if request.param == "embedded":
        store = open_store(tmp_path / "empty.tkg")
    else:
        store = open_store(request.getfixturevalue("neo4j_uri"))
        clear_neo4j(store)
    yield store
    store.close()


# -- servers --------------------------------------------------------------------------------------


@pytest.fixture
def serve() -> Iterator[Callable[..., GraphQLClient]]:
    """``serve(store, **settings)`` starts a live server and returns a client for it."""
    with_stack: list[Any] = []

    def start(store: Store, **overrides: Any) -> GraphQLClient:
        cm = live_server(create_app(settings(**overrides), store))
        base = cm.__enter__()
        http = httpx.Client(base_url=base, timeout=60)
        with_stack.append((cm, http))
        return GraphQLClient(http)

    yield start
    for cm, http in reversed(with_stack):
        http.close()
        cm.__exit__(None, None, None)


@pytest.fixture
def client(sample_store: Store, serve: Callable[..., GraphQLClient]) -> GraphQLClient:
    """A client of a live server on the sample, for each store."""
    return serve(sample_store)


@pytest.fixture(autouse=True)
def _no_store_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings built in tests must not pick up a developer's TIAOKUAI_* environment."""
    for name in list(os.environ):
        if name.startswith("TIAOKUAI_") and name not in ("TIAOKUAI_REQUIRE_NEO4J", "TIAOKUAI_TEST_NEO4J_URI"):
            monkeypatch.delenv(name)
