""" "The units of system S" as a store condition (issue 20), for both stores' filter compilers.

Every bureau-side unit stores its system (model.Unit resolves it where a ledger names none), so
for any system but the default ``system = S`` is exact and served by the index. For the default
system (tax) the condition also takes a unit of its kinds that states nothing: a Neo4j database
loaded before every unit stored its system has no ``system`` property on tax's nodes (an embedded
file is filled in when opened, graph.store.sqlfile). A unit is of tax when its kind is one of tax's
own kinds, or when it is of a shared bureau-side kind (``party_branch``) and states tax or nothing.
"""

from __future__ import annotations

from ..model.systems import DEFAULT_SYSTEM
from ..model.vocabulary import vocabulary
from .filters import AnyOf, Cond, Field, Not, and_

__all__ = ["system_cond"]


def system_cond(system: str) -> Cond:
    """The condition on units meaning "of ``system``" (an id the vocabulary knows)."""
    if system != DEFAULT_SYSTEM:
        return Field("system", "eq", system)
    vocab = vocabulary()
    own = tuple(k for k, s in vocab.system_of_kind.items() if s == system)
    shared = tuple(k for k in vocab.bureau_side_kinds if k not in vocab.system_of_kind)
    others = tuple(s for s in vocab.systems if s != DEFAULT_SYSTEM)
    stated = Not(Field("system", "in", others)) if others else None
    parts: list[Cond] = []
    if own:
        parts.append(Field("kind", "in", own))
    if shared:
        cond = and_(Field("kind", "in", shared), stated)
        assert cond is not None
        parts.append(cond)
    return AnyOf(tuple(parts)) if len(parts) > 1 else parts[0]
