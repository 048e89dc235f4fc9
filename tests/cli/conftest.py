"""Run the CLI as users do, on each store: an embedded file and the Neo4j test server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import cli

STORE_KINDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


Run = Callable[..., Result]


@pytest.fixture(scope="session")
def run() -> Run:
    """``run(*args, store=LOCATION, check=True)``: invoke ``tiaokuai`` in-process via click."""

    def invoke(*args: str, store: str | None = None, check: bool = True) -> Result:
        argv = [*args, "--store", store] if store else list(args)
        outcome = CliRunner().invoke(cli, argv, catch_exceptions=False)
        result = Result(outcome.exit_code, outcome.stdout, outcome.stderr)
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, ["tiaokuai", *argv], result.stdout, result.stderr
            )
        return result

    return invoke


def clear_neo4j(uri: str) -> None:
    from neo4j import GraphDatabase

    from graph.store.cypher import CLEAR_DATABASE

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    with (
        GraphDatabase.driver(uri, auth=auth) as driver,
        driver.session(database=os.environ.get("NEO4J_DATABASE") or "neo4j") as session,
    ):
        session.run(CLEAR_DATABASE).consume()  # CALL … IN TRANSACTIONS needs an auto-commit query


def _location(kind: str, request: pytest.FixtureRequest, folder: Path) -> str:
    if kind == "embedded":
        return str(folder / "graph.tkg")
    uri: str = request.getfixturevalue("neo4j_uri")
    clear_neo4j(uri)
    return uri


@pytest.fixture(params=STORE_KINDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind, as a --store value."""
    return _location(request.param, request, tmp_path)


@pytest.fixture(scope="session")
def sample_ledgers(tmp_path_factory: pytest.TempPathFactory, run: Run) -> Path:
    """The bundled sample's ledger files, written once per session; tests only read them."""
    folder = tmp_path_factory.mktemp("sample-ledgers") / "sample"
    run("sample", "--out", str(folder))
    return folder


@pytest.fixture(scope="module", params=STORE_KINDS)
def sample_location(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, run: Run
) -> str:
    """A store of each kind holding the bundled sample, loaded once per module."""
    folder = tmp_path_factory.mktemp("sample")
    location = _location(request.param, request, folder)
    run("sample", "--out", str(folder / "ledgers"))
    run("load", "--quiet", str(folder / "ledgers"), store=location)
    return location
