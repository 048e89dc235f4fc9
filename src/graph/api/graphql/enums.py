"""GraphQL enums generated from ``schema/vocabulary.yaml``: no list of kinds is repeated here.

Each enum member's value is the vocabulary's own word (``tax_bureau``), its GraphQL name the
UPPER_SNAKE form (``TAX_BUREAU``), its description the Chinese name.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from ...model.vocabulary import vocabulary

__all__ = ["UnitKind", "Level", "RegionLevel", "Family", "LinkKind", "Side", "to_enum"]

_vocab = vocabulary()
_SIDES = {
    "bureau": "条: the bureau and its party bodies",
    "local": "块: the local party committee and its bodies",
}


def _make(name: str, values: dict[str, str | None], description: str) -> Any:
    members = {word.upper(): strawberry.enum_value(word, description=zh) for word, zh in values.items()}
    return strawberry.enum(Enum(name, members), description=description)  # type: ignore[call-overload]


UnitKind = _make(
    "UnitKind",
    {k.name: k.zh for k in _vocab.unit_kinds.values()},
    "Kind of organisation (node kinds of the domain: bureaus, their party bodies, local party bodies).",
)
Level = _make(
    "Level",
    dict.fromkeys(_vocab.unit_levels),
    "Administrative level of a unit: national, provincial, prefecture, county.",
)
RegionLevel = _make(
    "RegionLevel",
    dict.fromkeys(_vocab.region_levels),
    "Level of an administrative division (GB/T 2260): province, prefecture, county.",
)
Family = _make(
    "Family",
    {name: spec.get("zh") for name, spec in _vocab.families.items()},
    "Link family: reporting (报告), liaison (联络) or exchange (交流).",
)
LinkKind = _make(
    "LinkKind",
    {k.name: k.zh for k in _vocab.link_kinds.values()},
    "Kind of link (an event between two units); each belongs to one family.",
)
Side = _make(
    "Side",
    {
        "bureau": "条: the bureau and its party bodies",
        "local": "块: the local party committee and its bodies",
    },
    "Which side of the vertical/horizontal divide a unit is on.",
)


def to_enum(enum: Any, value: str | None) -> Any:
    """The enum member for a vocabulary word, or None."""
    return None if value is None else enum(value)
