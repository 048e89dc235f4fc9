"""Recording the Cypher this process sends through the neo4j driver, for tests that check what
reached the server (only parameters, never values in the text) or how many statements a request
took.

``Session.run`` carries auto-commit queries, ``ManagedTransaction.run`` every statement of a
managed transaction (``Driver.execute_query`` included) and ``Transaction.run`` those of an explicit
one (the store's load), so each statement is recorded exactly once. Nothing is replaced: the real driver still sends every statement.
"""

from __future__ import annotations

from typing import Any

import pytest


class CypherLog:
    """``sent``: (statement text, (args, kwargs)) for every statement, in the order sent."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        import neo4j

        self.sent: list[tuple[str, Any]] = []
        log = self.sent

        def wrap(cls: type) -> None:
            original = cls.run  # type: ignore[attr-defined]

            def recording(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                log.append((str(getattr(query, "text", query)), (args, kwargs)))  # list.append: thread-safe
                return original(self, query, *args, **kwargs)

            monkeypatch.setattr(cls, "run", recording)

        wrap(neo4j.ManagedTransaction)
        wrap(neo4j.Transaction)
        wrap(neo4j.Session)

    @property
    def texts(self) -> list[str]:
        return [text for text, _ in self.sent]
