"""Send one HTTP request through an ASGI app in process, with no server and no socket.

Why: two callers need an answer from the app without a listening server: ``tiaokuai serve --get``
(one GET, print the body, exit) and each worker's warm-up at startup (graph.api.warmup, two POSTs
before the worker accepts connections). One function serves both, so both see the app exactly as a
client would: same scope, same headers, and a client that stays connected until the response ends.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

__all__ = ["asgi_request"]


async def asgi_request(
    app: Any,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """Run one request (``path`` may carry a query string) through ``app``; (status, body).

    The pretend client (127.0.0.1, port 0) sends ``body`` at once and disconnects only once the
    response has ended, as a real one would: a disconnect any earlier could cut the answer short.

    >>> async def hello(scope, receive, send):
    ...     await receive()
    ...     await send({"type": "http.response.start", "status": 200, "headers": []})
    ...     await send({"type": "http.response.body", "body": scope["query_string"]})
    >>> asyncio.run(asgi_request(hello, "GET", "/graphql?query={years}"))
    (200, b'query={years}')
    """
    parts = urlsplit(path)
    route = parts.path or "/"
    raw_headers = [(b"host", b"localhost"), (b"accept", b"application/json")]
    if body:
        raw_headers.append((b"content-length", str(len(body)).encode()))
    raw_headers += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 0),
        "server": ("localhost", 80),
    }
    status = 500
    chunks: list[bytes] = []
    request_sent = False
    response_ended = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await response_ended.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                response_ended.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)
