"""Every analysis of one year at once: what ``tiaokuai analyse`` prints and the report reads.

One projection serves all of them: it covers every year up to ``year`` that has links (so
``one_sided`` can look at "ever" and ``lapsed`` at last year), and each analysis picks its years
from the per-year counts on the edges.
"""

from __future__ import annotations

from typing import Any

from ..store.base import Store
from .balance import balance, density, ei_index
from .brokerage import betweenness, brokerage
from .gaps import lapsed, lapsed_requirements, missing, revived
from .isolation import below_peers, isolated
from .mechanisms import mechanism_profile
from .reciprocity import one_sided, reciprocity, system_reciprocity
from .views import project_years

__all__ = ["analyse", "SECTIONS"]

#: The keys of :func:`analyse`'s result besides ``year`` and ``window``, in presentation order.
SECTIONS = (
    "gaps",
    "lapsed",
    "lapsed_requirements",
    "revived",
    "one_sided",
    "reciprocity",
    "isolated",
    "below_peers",
    "mechanisms",
    "balance",
    "ei_index",
    "density",
    "brokerage",
    "betweenness",
)


def analyse(
    store: Store, year: int, *, threshold: float = 2.0, measure: str = "log_events", top: int | None = 20
) -> dict[str, Any]:
    """Run every analysis for ``year`` and return plain data keyed by what each one is.

    * ``gaps``: expected-but-missing contact (the rule engine; contract gap rows with names);
    * ``lapsed`` / ``revived``: channels (bureau, local body, family) alive last year and not this
      year / the reverse; ``lapsed_requirements``: rules met last year and unmet this year;
    * ``one_sided``: bureau–local pairs whose links run one way only, over ``window`` (every year
      up to ``year`` with links: "ever, as far as the data goes");
    * ``reciprocity``: ``{"system": ..., "bureaus": [...]}`` for the year;
    * ``isolated``: bureaus with no horizontal tie in the year; ``below_peers``: robust z-score
      ≤ −``threshold`` against the bureaus of the same level;
    * ``mechanisms``: the "four threes" profile; ``balance``: horizontal vs vertical ties per
      bureau and prefecture; ``ei_index`` and ``density`` of the tax side against the local side;
    * ``brokerage``: Gould–Fernandez roles of every bureau; ``betweenness``: the ``top`` nodes.
    """
    window = sorted({y for y in store.years() if y <= year} | {year, year - 1})
    g = project_years(store, window)
    regions = store.regions()
    recip = reciprocity(g, year)
    return {
        "year": year,
        "window": window,
        "gaps": missing(store, year),
        "lapsed": lapsed(g, year),
        "lapsed_requirements": lapsed_requirements(store, year),
        "revived": revived(g, year),
        "one_sided": one_sided(g, [y for y in window if y <= year]),
        "reciprocity": {"system": system_reciprocity(g, year), "bureaus": recip},
        "isolated": isolated(g, year),
        "below_peers": below_peers(g, year, threshold=threshold, measure=measure),
        "mechanisms": mechanism_profile(g, year),
        "balance": balance(g, year, regions),
        "ei_index": ei_index(g, year),
        "density": density(g, year),
        "brokerage": brokerage(g, year, bureaus_only=True),
        "betweenness": betweenness(g, year, top=top),
    }
