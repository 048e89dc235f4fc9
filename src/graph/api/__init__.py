"""The HTTP API: a FastAPI app serving GraphQL at ``/graphql`` plus health endpoints.

``create_app(settings, store)`` builds everything; the caller owns the store (opens and closes it).
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
