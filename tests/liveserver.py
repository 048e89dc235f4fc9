"""A live uvicorn server for tests that talk HTTP, shared by every test directory.

``tests/`` is on ``sys.path`` (its conftest.py puts it there), so any test imports this as
``liveserver``.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["free_port", "live_server", "serve_process"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Run an ASGI app under uvicorn in a thread on a free loopback port; yield its base URL."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def serve_process(
    store: Path,
    *options: str,
    env: dict[str, str] | None = None,
    ready: str = "/healthz",
    timeout: float = 60,
) -> tuple[subprocess.Popen[str], str]:
    """Start ``tiaokuai serve`` over ``store`` as a process of its own on a free loopback port, with
    none of the developer's TIAOKUAI_* settings but ``env``; return it and its base URL once
    ``ready`` answers 200 (stdout and stderr are pipes: read the log with ``communicate``)."""
    import httpx

    port = free_port()
    full = {k: v for k, v in os.environ.items() if not k.startswith("TIAOKUAI_")}
    full.update(env or {})
    proc = subprocess.Popen(
        [sys.executable, "-c", "from graph.cli import main; main()", "serve", "--port", str(port),
         "--store", str(store), *options],
        env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(base + ready).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(
                f"tiaokuai serve did not answer {ready} (exit status {proc.returncode}): {err[-3000:]}"
            )
        time.sleep(0.1)
