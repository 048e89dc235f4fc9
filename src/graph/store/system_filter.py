""" "The units of system S" as a store condition (issue 20), for both stores' filter compilers.

Why not ``system = S``: the default system (tax) is implied where a unit states none, so a store
loaded from ledgers without the ``system`` column is exactly what it was before systems existed
(no new property on its Neo4j nodes, NULL in the embedded file). A unit is of system S when its
kind is one of S's own kinds, or when it is of a shared bureau-side kind (``party_branch``) and
states S — or states nothing and S is the default system.
"""

from __future__ import annotations

from ..model.systems import DEFAULT_SYSTEM
from ..model.vocabulary import vocabulary
from .filters import AnyOf, Cond, Field, Not, and_

__all__ = ["system_cond"]


def system_cond(system: str) -> Cond:
    """The condition on units meaning "of ``system``" (an id the vocabulary knows)."""
    vocab = vocabulary()
    own = tuple(k for k, s in vocab.system_of_kind.items() if s == system)
    shared = tuple(k for k in vocab.bureau_side_kinds if k not in vocab.system_of_kind)
    stated: Cond | None
    if system == DEFAULT_SYSTEM:
        others = tuple(s for s in vocab.systems if s != DEFAULT_SYSTEM)
        stated = Not(Field("system", "in", others)) if others else None
    else:
        stated = Field("system", "eq", system)
    parts: list[Cond] = []
    if own:
        parts.append(Field("kind", "in", own))
    if shared:
        cond = and_(Field("kind", "in", shared), stated)
        assert cond is not None
        parts.append(cond)
    return AnyOf(tuple(parts)) if len(parts) > 1 else parts[0]
