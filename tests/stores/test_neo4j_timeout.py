"""An unresponsive Neo4j is reported within the configured timeout, not the driver's 30-60 s.

No Neo4j needed: a loopback socket that accepts connections and never answers stands in for a
server that hangs (a network partition, a stalled proxy).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from graph.errors import ConfigError, StoreUnavailable
from graph.store import open_store
from graph.store.neo4j import Neo4jStore


@pytest.fixture
def silent_server() -> Iterator[str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)  # never answer
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"bolt://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    for conn in held:
        conn.close()
    listener.close()


def test_timeout_bounds_the_wait_for_a_hung_server(silent_server: str):
    store = open_store(silent_server, timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match=r"127\.0\.0\.1"):
        store.ping()
    assert time.monotonic() - started < 15  # the driver's default would wait 30 s or more
    store.close()


def test_timeout_from_the_environment_is_checked():
    with pytest.raises(ConfigError, match="TIAOKUAI_NEO4J_TIMEOUT must be a number"):
        Neo4jStore.from_env("bolt://127.0.0.1:7687", env={"TIAOKUAI_NEO4J_TIMEOUT": "soon"})
