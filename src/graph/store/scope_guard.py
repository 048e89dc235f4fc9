"""A caller's filter tree made safe for its scope (graph.store.scoped).

A scoped caller sees a unit outside its scope only as a stub (id, name, kind, level) and none of
its links outside the scope. A filter could still ask about what it does not see: "links whose
source lies in region 230200" (``End("source", Field("region_code", …))``) or "whose source has
more than 40 links" (``End("source", HasLink(…))``) would tell, by what matches, a hidden region
or a count of invisible links. :func:`guard` rewrites every condition on a link's end that reads
more than a stub shows into "… and that end is in scope": outside the scope such a condition never
holds (and its negation always does), whatever the hidden value, so matching says nothing about
it. Conditions on the stub's own fields stay as they are.
"""

from __future__ import annotations

from .filters import All, AnyOf, Cond, End, Field, HasLink, Not, RegionWithin

__all__ = ["guard", "STUB_FIELDS"]

#: what a stub shows: a condition on these alone reveals nothing hidden
STUB_FIELDS = frozenset({"id", "name", "kind", "level"})


def _reveals(c: Cond | None) -> bool:
    """Whether a unit condition reads anything a stub does not show."""
    if c is None:
        return False
    if isinstance(c, Field):
        return c.name not in STUB_FIELDS
    if isinstance(c, RegionWithin | HasLink):
        return True
    if isinstance(c, All | AnyOf):
        return any(_reveals(p) for p in c.parts)
    if isinstance(c, Not):
        return _reveals(c.part)
    return False


def guard(c: Cond | None, in_scope: Cond) -> Cond | None:
    """``c`` with every end condition that reads hidden fields limited to ends in scope."""
    if c is None:
        return None
    if isinstance(c, End):
        inner = guard(c.where, in_scope)
        assert inner is not None
        return End(c.role, All((inner, in_scope)) if _reveals(inner) else inner)
    if isinstance(c, HasLink):
        return HasLink(guard(c.where, in_scope), c.at_least, c.at_least_events)
    if isinstance(c, All):
        return All(tuple(guard(p, in_scope) for p in c.parts))  # type: ignore[misc]
    if isinstance(c, AnyOf):
        return AnyOf(tuple(guard(p, in_scope) for p in c.parts))  # type: ignore[misc]
    if isinstance(c, Not):
        part = guard(c.part, in_scope)
        assert part is not None
        return Not(part)
    return c
