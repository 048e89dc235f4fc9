"""GraphiQL served offline: tiaokuai's own page, its scripts and styles from ``/static/graphiql/``.

strawberry's GraphiQL page loads React, GraphiQL and the explorer plugin from a public CDN, which
an office intranet cannot reach ("Loading..." for ever). :class:`TiaokuaiGraphQLRouter` serves
``templates/graphiql.html`` instead: the same GraphiQL 3.8.3 / React 18.2.0 / explorer 1.0.2 that
strawberry's page names, copied from their npm packages into ``static/graphiql/`` by
``scripts/graphiql-assets`` (rerun it to update), opening on a tiaokuai example query with Chinese
comments, with links to the report and unit pages (:mod:`graph.api.pages`) above it.
"""

from __future__ import annotations

import functools
from pathlib import Path

from .security import SafeGraphQLRouter

__all__ = ["TiaokuaiGraphQLRouter", "graphiql_html", "STATIC_DIR"]

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"


@functools.lru_cache(maxsize=1)
def graphiql_html() -> str:
    return (HERE / "templates" / "graphiql.html").read_text(encoding="utf-8")


class TiaokuaiGraphQLRouter(SafeGraphQLRouter):
    """The GraphQL router, with GraphiQL from tiaokuai's own server instead of a CDN."""

    @property
    def graphql_ide_html(self) -> str:
        return graphiql_html()
