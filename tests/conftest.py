"""Fixtures shared by every test directory: only whether a Neo4j test server can be reached.

``neo4j_uri`` is the Bolt URI of the test server (``$TIAOKUAI_TEST_NEO4J_URI``, default the local
development server that ``scripts/neo4j start`` runs, on ``$TIAOKUAI_NEO4J_BOLT_PORT`` as that script
reads it; the Browser tests take ``$TIAOKUAI_NEO4J_HTTP_PORT`` the same way). When it cannot be reached the tests that
ask for it are skipped, or fail when ``TIAOKUAI_REQUIRE_NEO4J=1`` (CI sets this so that a broken
server never passes as a green run).
"""

from __future__ import annotations

import os

import pytest

#: the Bolt port scripts/neo4j listens on: the same setting, the same default
BOLT_PORT = os.environ.get("TIAOKUAI_NEO4J_BOLT_PORT") or "7687"
DEFAULT_TEST_NEO4J_URI = f"bolt://127.0.0.1:{BOLT_PORT}"


def neo4j_test_auth() -> tuple[str, str] | None:
    """Credentials as the project reads them: none unless ``NEO4J_PASSWORD`` is set."""
    password = os.environ.get("NEO4J_PASSWORD")
    return (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    """The URI of a reachable Neo4j test server; skips (or fails, if required) otherwise."""
    from neo4j import GraphDatabase
    from neo4j.exceptions import DriverError, Neo4jError

    uri = os.environ.get("TIAOKUAI_TEST_NEO4J_URI") or DEFAULT_TEST_NEO4J_URI
    try:
        with GraphDatabase.driver(uri, auth=neo4j_test_auth(), connection_timeout=5) as driver:
            driver.verify_connectivity()
    except (DriverError, Neo4jError, OSError, ValueError) as exc:
        message = f"Neo4j test server not reachable at {uri} ({exc}); start it with scripts/neo4j start"
        if os.environ.get("TIAOKUAI_REQUIRE_NEO4J") == "1":
            pytest.fail(message + " (TIAOKUAI_REQUIRE_NEO4J=1)", pytrace=False)
        pytest.skip(message)
    return uri
