"""Fixtures of the reliability suite: stores of each kind as ``--store`` values, the sample loaded.

The Neo4j tests use the server of ``tests/conftest.py`` (``neo4j_uri``: skipped when it cannot be
reached, failing with ``TIAOKUAI_REQUIRE_NEO4J=1``) and empty its database first, as the other
suites do. ``TIAOKUAI_FUZZ_EXAMPLES`` scales every hypothesis run (see docs/reliability.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from apihelp import ensure_sample, open_sample, serving
from relhelp import clear_neo4j

from graph.store import Store

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(autouse=True)
def _no_tiaokuai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests must not pick up a developer's TIAOKUAI_* settings (the fuzz scale is ours)."""
    keep = (
        "TIAOKUAI_REQUIRE_NEO4J",
        "TIAOKUAI_TEST_NEO4J_URI",
        "TIAOKUAI_FUZZ_SCALE",
        "TIAOKUAI_LOAD_SECONDS",
    )
    for name in list(os.environ):
        if name.startswith("TIAOKUAI_") and name not in keep:
            monkeypatch.delenv(name)


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def location(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store of each kind, as a ``--store`` value."""
    if store_kind == "embedded":
        yield str(tmp_path / "graph.tkg")
        return
    uri: str = request.getfixturevalue("neo4j_uri")
    clear_neo4j(uri)
    yield uri


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from graph.synthetic.sample import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


@pytest.fixture(scope="session", params=STORE_KINDS)
def sample_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sample_dir: Path
) -> Iterator[tuple[str, Store, httpx.Client]]:
    """A live server on the sample, for each store (one per session: the Neo4j load takes ~20 s)."""
    kind = request.param
    uri = request.getfixturevalue("neo4j_uri") if kind == "neo4j" else None
    store = open_sample(kind, tmp_path_factory.mktemp("api"), sample_dir, uri)
    with serving(store) as http:
        yield kind, store, http
    store.close()


@pytest.fixture
def api(
    sample_api: tuple[str, Store, httpx.Client], sample_dir: Path, request: pytest.FixtureRequest
) -> httpx.Client:
    kind, store, http = sample_api
    ensure_sample(store, sample_dir, request.getfixturevalue("neo4j_uri") if kind == "neo4j" else None)
    return http
