"""A unit's vertical system (ledger column ``system`` / ``系统``) and the levels its line allows.

Why a separate step: the column is optional so that every ledger written before systems existed
loads unchanged. A unit whose kind belongs to a system (``customs_office``) takes that system; a
shared bureau-side kind (``party_branch``) takes the column's value or the default (tax); the
local side (party committees and their bodies) is shared by every system and has none. The
default system is stored as none (implied), see graph.store.system_filter.
"""

from __future__ import annotations

from ..model.systems import DEFAULT_SYSTEM
from ..model.vocabulary import Vocabulary, _key

__all__ = ["resolve_system", "system_word"]


def system_word(vocab: Vocabulary, text: str) -> str | None:
    """The system id for a ledger word: its id, Chinese name or English name (case-insensitive);
    the Chinese name may drop its 系统 suffix (海关 for 海关系统)."""
    key = _key(text)
    for system in vocab.systems.values():
        words = {system.id, system.name, system.name_en, system.name.removesuffix("系统")}
        if key in {_key(w) for w in words}:
            return system.id
    return None


def resolve_system(
    vocab: Vocabulary, kind: str, level: str, text: str
) -> tuple[str | None, list[tuple[str, str]]]:
    """(the unit's system, problems as (column, message)) for a unit row of ``kind`` and ``level``."""
    problems: list[tuple[str, str]] = []
    own = vocab.system_of_kind.get(kind)
    levels = vocab.kind_levels(kind)
    if levels and level not in levels:
        name = vocab.system_name(own or "")
        problems.append(
            ("level", f"a {kind} ({name}) has no {level} level in its line; one of {', '.join(levels)}")
        )
    if vocab.unit_kinds[kind].side != "bureau":
        return None, problems  # the local side is shared by every system
    if not text:
        return _stored(own or DEFAULT_SYSTEM), problems
    found = system_word(vocab, text)
    if found is None:
        problems.append(("system", f'unknown system "{text}"; one of {", ".join(vocab.systems)}'))
    elif own is not None and found != own:
        problems.append(("system", f"a {kind} belongs to the {own} system, not {found}"))
    return _stored(found), problems


def _stored(system: str | None) -> str | None:
    """What a unit stores: its system, except the default one, which is implied (a store loaded
    from ledgers without the column stays exactly what it was before systems existed)."""
    return None if system == DEFAULT_SYSTEM else system
