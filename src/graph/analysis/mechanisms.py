"""The "four threes" (四个三) mechanism profile: which sub-mechanisms each bureau shows evidence of.

The twelve sub-mechanisms are listed in ``schema/vocabulary.yaml``; each link kind names the one it
evidences (``visit`` → ``liaison_interconnection`` …). Evidence is a link of such a kind between
the bureau's side and a local body in the year, either way. One sub-mechanism has no kind of its
own: **publicity_linkage** (宣传教育联动) is evidenced by any liaison or exchange link with a
propaganda department (宣传部).

Four sub-mechanisms have no link kind at all (joint implementation and the three synergies:
measures and assessments aligned with local departments are not events in a ledger). Their status
is ``not_modelled`` — *no evidence possible in the data model* — which a report must not confuse
with ``none`` — *no evidence this year* — for a mechanism the data could show.

One sub-mechanism only applies to some bureaus: **coordination_interconnection** (协调工作互通) is
evidenced by visits of an upper bureau to the committees of its subordinates' regions, so a bureau
without subordinate bureaus (a county bureau) is ``not_applicable`` for it, and the system row
counts it against the ``applicable`` bureaus only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import networkx as nx

from ..model.vocabulary import Vocabulary, vocabulary
from .views import BUREAU_KIND, BUREAU_LEVELS, bureaus, check_years, collapse, line_pairs, unit_row

__all__ = [
    "EVIDENCE",
    "NONE",
    "NOT_MODELLED",
    "NOT_APPLICABLE",
    "PUBLICITY",
    "evidence_rules",
    "mechanism_profile",
]

EVIDENCE = "evidence"  # at least one link evidences it this year
NONE = "none"  # the data model can show it, but no link does this year
NOT_MODELLED = "not_modelled"  # no link kind evidences it: no evidence possible in the data model
NOT_APPLICABLE = "not_applicable"  # cannot apply to this bureau (coordination without subordinates)

#: sub-mechanisms that only bureaus with subordinate bureaus can show
UPPER_BUREAUS_ONLY = ("coordination_interconnection",)

PUBLICITY = "publicity_linkage"
PUBLICITY_COUNTERPART = "propaganda_department"
PUBLICITY_FAMILIES = ("liaison", "exchange")


def evidence_rules(vocab: Vocabulary | None = None) -> dict[str, list[str]]:
    """Mechanism id → the kinds that evidence it (empty list: not modelled), in vocabulary order.

    >>> rules = evidence_rules()
    >>> rules["liaison_interconnection"]
    ['meeting_attendance', 'visit', 'information_exchange']
    >>> rules["assessment_synergy"]
    []
    >>> rules["publicity_linkage"][:2]
    ['meeting_attendance', 'visit']
    """
    vocab = vocab or vocabulary()
    out: dict[str, list[str]] = {m.id: [] for m in vocab.mechanisms}
    for kind in vocab.link_kinds.values():
        if kind.mechanism in out:
            out[kind.mechanism].append(kind.name)
    # publicity: liaison and exchange kinds, restricted to propaganda departments (see _evidence)
    out[PUBLICITY] = [k for f in PUBLICITY_FAMILIES for k in vocab.kinds_of_family(f)]
    return out


def _bureau_evidence(h: nx.DiGraph, vocab: Vocabulary) -> dict[str, dict[str, int]]:
    """bureau id → mechanism → link count evidencing it."""
    acc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    publicity = set(evidence_rules(vocab)[PUBLICITY])
    for a, b, d in h.edges(data=True):
        if d["tie"] != "horizontal":
            continue
        bureau, local = (a, b) if h.nodes[a].get("side") == "bureau" else (b, a)
        to_propaganda = h.nodes[local].get("kind") == PUBLICITY_COUNTERPART
        for kind, c in d["by_kind"].items():
            lk = vocab.link_kinds.get(kind)
            if lk is not None and lk.mechanism != PUBLICITY:
                acc[bureau][lk.mechanism] += c
            if to_propaganda and kind in publicity:
                acc[bureau][PUBLICITY] += c
    return acc


def mechanism_profile(
    g: nx.MultiDiGraph, year: int, levels: Sequence[str] | None = BUREAU_LEVELS
) -> dict[str, Any]:
    """For each bureau and the system: which sub-mechanisms have evidence in ``year``.

    Returns ``{"year", "mechanisms": [...], "bureaus": [...], "never": {...}}``:

    * ``mechanisms``: one row per sub-mechanism in vocabulary order — ``id``, ``zh``, ``group``,
      ``group_zh``, ``kinds`` (what evidences it), ``status`` for the system (``evidence``,
      ``none`` or ``not_modelled``), ``bureaus`` (how many bureaus show evidence), ``applicable``
      (how many bureaus could), ``events`` (link count);
    * ``bureaus``: per bureau ``bureau_id``, ``name``, ``level``, ``evidenced`` (count of the
      sub-mechanisms with evidence), ``modelled`` (how many it could show: modelled and
      applicable), ``status`` (mechanism id → ``evidence``, ``none``, ``not_modelled`` or
      ``not_applicable``) and ``counts`` (mechanism id → link count, evidenced ones only);
    * ``never``: ``not_modelled`` (no evidence possible in the data model) and ``unobserved``
      (modelled, but no bureau shows evidence this year) — lists of mechanism ids.
    """
    check_years(g, [year])
    vocab = vocabulary()
    rules = evidence_rules(vocab)
    modelled = [m for m, kinds in rules.items() if kinds]
    evidence = _bureau_evidence(collapse(g, year), vocab)
    uppers = {parent for _, parent in line_pairs(g) if g.nodes[parent].get("kind") == BUREAU_KIND}
    bureau_rows = []
    per_mech_bureaus: dict[str, int] = defaultdict(int)
    per_mech_events: dict[str, int] = defaultdict(int)
    per_mech_applicable: dict[str, int] = defaultdict(int)
    for b in bureaus(g, levels):
        counts = {m: c for m, c in evidence.get(b, {}).items() if c > 0}
        status: dict[str, str] = {}
        for m in rules:
            if not rules[m]:
                status[m] = NOT_MODELLED
            elif m in UPPER_BUREAUS_ONLY and b not in uppers and not counts.get(m):
                status[m] = NOT_APPLICABLE
            else:
                status[m] = EVIDENCE if counts.get(m) else NONE
                per_mech_applicable[m] += 1
        for m, c in counts.items():
            per_mech_bureaus[m] += 1
            per_mech_events[m] += c
        u = unit_row(g, b)
        bureau_rows.append({
            "bureau_id": b, "name": u["name"], "level": u["level"], "region_code": u["region_code"],
            "evidenced": sum(1 for m in modelled if counts.get(m)),
            "modelled": sum(1 for m in modelled if status[m] != NOT_APPLICABLE),
            "status": status, "counts": {m: counts[m] for m in rules if m in counts},
        })  # fmt: skip
    mech_rows: list[dict[str, Any]] = []
    for mech in vocab.mechanisms:
        kinds = rules[mech.id]
        system_status = NOT_MODELLED if not kinds else EVIDENCE if per_mech_bureaus.get(mech.id) else NONE
        mech_rows.append({
            "id": mech.id, "zh": mech.zh, "group": mech.group, "group_zh": mech.group_zh, "kinds": kinds,
            "status": system_status, "bureaus": per_mech_bureaus.get(mech.id, 0),
            "applicable": per_mech_applicable.get(mech.id, 0), "events": per_mech_events.get(mech.id, 0),
        })  # fmt: skip
    return {
        "year": year,
        "mechanisms": mech_rows,
        "bureaus": bureau_rows,
        "never": {
            "not_modelled": [r["id"] for r in mech_rows if r["status"] == NOT_MODELLED],
            "unobserved": [r["id"] for r in mech_rows if r["status"] == NONE],
        },
    }
