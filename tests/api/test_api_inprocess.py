"""graph.api.inprocess: one request through the app in process, as ``serve --get`` and each
worker's warm-up send it, on both stores."""

from __future__ import annotations

import asyncio
import doctest
import json

from graphql_client import settings

import graph.api.inprocess
from graph.api import create_app
from graph.api.inprocess import asgi_request
from graph.store import Store


def test_doctests() -> None:
    assert doctest.testmod(graph.api.inprocess).failed == 0


def test_post_and_get_answer_alike(sample_store: Store) -> None:
    app = create_app(settings(), sample_store)
    query = '{ unit(id: "TB-230000") { name } }'
    body = json.dumps({"query": query}).encode()
    posted = asyncio.run(asgi_request(app, "POST", "/graphql", body, {"Content-Type": "application/json"}))
    got = asyncio.run(asgi_request(app, "GET", "/graphql?query=" + query.replace(" ", "%20")))
    assert posted[0] == got[0] == 200
    expected = sample_store.get_units(["TB-230000"])["TB-230000"].name
    assert json.loads(posted[1])["data"] == json.loads(got[1])["data"] == {"unit": {"name": expected}}


def test_an_error_status_reaches_the_caller(sample_store: Store) -> None:
    app = create_app(settings(), sample_store)
    status, _ = asyncio.run(asgi_request(app, "GET", "/nowhere"))
    assert status == 404
