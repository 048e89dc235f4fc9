"""Fixtures for the Neo4j Browser tests: the Browser's URL, the sample in Neo4j, Chromium.

The Browser is the one the local Neo4j serves (``scripts/neo4j start``) at
``$TIAOKUAI_TEST_NEO4J_HTTP_URL`` (default: ``$TIAOKUAI_NEO4J_HTTP_PORT``, the port ``scripts/neo4j``
serves the Browser on, 7474 unless set, on the host of the Bolt test URI).
``sample_in_neo4j`` empties the test database, loads the bundled sample and writes the 2020 gaps,
once per module. Chromium is ``$TIAOKUAI_CHROMIUM`` or Debian's ``/usr/bin/chromium``
(``scripts/install-chromium``); without it the ``browser`` tests skip, or fail when
``TIAOKUAI_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))

from cdp import find_chromium  # noqa: E402

from graph.cli import cli  # noqa: E402

SAMPLE_YEAR = 2020


@pytest.fixture(scope="session")
def neo4j_http_url(neo4j_uri: str) -> str:
    explicit = os.environ.get("TIAOKUAI_TEST_NEO4J_HTTP_URL")
    if explicit:
        return explicit.rstrip("/")
    port = os.environ.get("TIAOKUAI_NEO4J_HTTP_PORT") or "7474"  # as scripts/neo4j reads it
    return f"http://{urlsplit(neo4j_uri).hostname or '127.0.0.1'}:{port}"


def tiaokuai(*args: str) -> str:
    outcome = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert outcome.exit_code == 0, f"tiaokuai {' '.join(args)}: {outcome.stderr}"
    return outcome.stdout


@pytest.fixture(scope="module")
def sample_in_neo4j(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test Neo4j emptied, holding the bundled sample and its 2020 gaps; returns the URI."""
    from neo4j import GraphDatabase

    from graph.store.cypher import CLEAR_DATABASE

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    with (
        GraphDatabase.driver(neo4j_uri, auth=auth) as driver,
        driver.session(database=os.environ.get("NEO4J_DATABASE") or "neo4j") as session,
    ):
        session.run(CLEAR_DATABASE).consume()
    folder = tmp_path_factory.mktemp("browser-sample")
    tiaokuai("sample", "--out", str(folder))
    tiaokuai("load", "--quiet", "--store", neo4j_uri, str(folder))
    tiaokuai("gaps", "--year", str(SAMPLE_YEAR), "--write", "--format", "json", "--store", neo4j_uri)
    return neo4j_uri


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_chromium()
    if path is None:
        message = "Chromium not found (scripts/install-chromium, or set TIAOKUAI_CHROMIUM)"
        if os.environ.get("TIAOKUAI_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (TIAOKUAI_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    return path
