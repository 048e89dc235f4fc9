"""Limits of a service many offices share (issue 17): cost budget, cost rate, deadline, caches.

* :mod:`.cost`: the cost of a query, computed before it runs; over ``TIAOKUAI_MAX_COST`` it is
  refused (``QUERY_TOO_COSTLY``); every answer carries ``extensions.cost``;
* :mod:`.rate`: cost points per client per minute (``TIAOKUAI_COST_PER_MINUTE``; 429,
  ``RATE_LIMITED``);
* :mod:`graph.store.deadline` and :mod:`.guard`: a deadline per request
  (``TIAOKUAI_REQUEST_TIMEOUT``; ``TIMEOUT``), store work off the event loop;
* :mod:`.cache`: answers cached per process, keyed by the store generation (``TIAOKUAI_CACHE_MB``);
* :mod:`.responses`: whole answers of queries in that cache, keyed also by document, variables and
  the caller's scope, charged like any answer (``TIAOKUAI_RESPONSE_CACHE``);
* :mod:`.extension` and :mod:`.router`: where they meet strawberry and HTTP; :mod:`.refusals`:
  every refusal as GraphQL-shaped JSON with its HTTP status.

One :class:`Limits` per app (``app.state.limits``): the rate buckets and the cache of the process.
"""

from __future__ import annotations

from ...config import Settings
from .cache import AnswerCache
from .cost import Costing
from .rate import CostRate

__all__ = ["Limits"]


class Limits:
    """The per-process state of the limits, built from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.costing = Costing(
            max_page_size=settings.max_page_size, default_page_size=settings.default_page_size
        )
        self.rate = CostRate(settings.cost_per_minute)
        self.cache = AnswerCache(int(settings.cache_mb * 1024 * 1024))
