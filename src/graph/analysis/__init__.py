"""Network analysis of horizontal contact: a Python API over the projected graph.

Project a store once, then ask questions; every function returns plain data (lists of dicts)::

    >>> from graph.analysis import project_years, lapsed, below_peers  # doctest: +SKIP
    >>> g = project_years(store, [2019, 2020])                        # doctest: +SKIP
    >>> lapsed(g, 2020)[:1]                                           # doctest: +SKIP
    [{'bureau_id': 'TB-230102', 'counterpart_id': 'PROP-230102', 'family': 'liaison', ...}]

One module per question (see ``docs/analysis.md``):

* :mod:`~graph.analysis.views` — the bureau-collapsed views of a projection;
* :mod:`~graph.analysis.gaps` — expected-but-missing (the rules) and lapsed contact;
* :mod:`~graph.analysis.reciprocity` — one-sided pairs and reciprocity per bureau;
* :mod:`~graph.analysis.isolation` — isolated bureaus and bureaus far below their peers;
* :mod:`~graph.analysis.mechanisms` — the "four threes" mechanism profile;
* :mod:`~graph.analysis.balance` — horizontal vs vertical balance, density, E-I index;
* :mod:`~graph.analysis.brokerage` — Gould–Fernandez brokerage and betweenness;
* :mod:`~graph.analysis.summary` — all of them for one year (``tiaokuai analyse``).
"""

from .balance import balance, density, ei_index
from .brokerage import ROLES, betweenness, brokerage, brokerage_graph, gould_fernandez
from .gaps import channels, lapsed, lapsed_requirements, missing, revived
from .isolation import below_peers, horizontal_activity, isolated, peer_scores, robust_z
from .mechanisms import EVIDENCE, NONE, NOT_APPLICABLE, NOT_MODELLED, evidence_rules, mechanism_profile
from .reciprocity import one_sided, reciprocity, system_reciprocity
from .summary import SECTIONS, analyse
from .views import (
    BUREAU_LEVELS,
    bureau_of,
    bureaus,
    collapse,
    graph_years,
    line_pairs,
    partners,
    project_years,
    tie_graph,
    year_count,
)

__all__ = [
    "BUREAU_LEVELS",
    "EVIDENCE",
    "NONE",
    "NOT_APPLICABLE",
    "NOT_MODELLED",
    "ROLES",
    "SECTIONS",
    "analyse",
    "balance",
    "below_peers",
    "betweenness",
    "brokerage",
    "brokerage_graph",
    "bureau_of",
    "bureaus",
    "channels",
    "collapse",
    "density",
    "ei_index",
    "evidence_rules",
    "gould_fernandez",
    "graph_years",
    "horizontal_activity",
    "isolated",
    "lapsed",
    "lapsed_requirements",
    "line_pairs",
    "mechanism_profile",
    "missing",
    "one_sided",
    "partners",
    "peer_scores",
    "project_years",
    "reciprocity",
    "revived",
    "robust_z",
    "system_reciprocity",
    "tie_graph",
    "year_count",
]
