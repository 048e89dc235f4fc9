"""What a client needs to label and explain figures: the rules and the vocabulary."""

from __future__ import annotations

from enum import Enum

import strawberry

from ...model.vocabulary import Vocabulary
from ...rules import LOCAL_COMMITTEE, SUBORDINATE_LOCALITIES, Rule
from .enums import Family, Level, LinkKind, Side, UnitKind

__all__ = ["RuleInfo", "Direction", "VocabularyInfo", "rule_from_model", "vocabulary_from_model"]


@strawberry.enum(description="Which links of a rule count.")
class Direction(Enum):
    OUTGOING = strawberry.enum_value("outgoing", description="From the bureau side to the counterpart.")
    EITHER = strawberry.enum_value("either", description="Either way.")


@strawberry.type(
    description="An expectation rule (schema/expectations.yaml): what each bound bureau must keep."
)
class RuleInfo:
    id: str
    family: Family  # type: ignore[valid-type]
    link_kinds: list[LinkKind]  # type: ignore[valid-type]
    counterpart_kinds: list[UnitKind] = strawberry.field(  # type: ignore[valid-type]
        description="Counterpart kinds; links with any of them count, the gap names the first."
    )
    per_subordinate_bureau: bool = strawberry.field(
        description="One requirement per directly subordinate bureau: the committee of its region."
    )
    direction: Direction
    min: int = strawberry.field(description="Events needed in the year.")
    unit_kind: UnitKind  # type: ignore[valid-type]
    levels: list[Level]  # type: ignore[valid-type]


def rule_from_model(r: Rule) -> RuleInfo:
    per_sub = r.counterparts == (SUBORDINATE_LOCALITIES,)
    return RuleInfo(
        id=r.id,
        family=Family(r.family),
        link_kinds=[LinkKind(k) for k in r.kinds],
        counterpart_kinds=[UnitKind(LOCAL_COMMITTEE)] if per_sub else [UnitKind(c) for c in r.counterparts],
        per_subordinate_bureau=per_sub,
        direction=Direction(r.direction),
        min=r.min,
        unit_kind=UnitKind(r.unit_kind),
        levels=[Level(lv) for lv in r.levels],
    )


@strawberry.type(description="A unit kind with its Chinese name and side.")
class UnitKindInfo:
    kind: UnitKind  # type: ignore[valid-type]
    zh: str
    side: Side  # type: ignore[valid-type]


@strawberry.type(description="A link kind with its family, Chinese name and the sub-mechanism it evidences.")
class LinkKindInfo:
    kind: LinkKind  # type: ignore[valid-type]
    family: Family  # type: ignore[valid-type]
    zh: str
    mechanism: str = strawberry.field(description="Sub-mechanism of the 'four threes' (四个三).")


@strawberry.type(description="A link family with its Chinese name.")
class FamilyInfo:
    family: Family  # type: ignore[valid-type]
    zh: str


@strawberry.type(description="The vocabulary (schema/vocabulary.yaml): labels for dashboards.")
class VocabularyInfo:
    unit_kinds: list[UnitKindInfo]
    link_kinds: list[LinkKindInfo]
    families: list[FamilyInfo]


def vocabulary_from_model(v: Vocabulary) -> VocabularyInfo:
    return VocabularyInfo(
        unit_kinds=[
            UnitKindInfo(kind=UnitKind(k.name), zh=k.zh, side=Side(k.side)) for k in v.unit_kinds.values()
        ],
        link_kinds=[
            LinkKindInfo(kind=LinkKind(k.name), family=Family(k.family), zh=k.zh, mechanism=k.mechanism)
            for k in v.link_kinds.values()
        ],
        families=[FamilyInfo(family=Family(f), zh=spec.get("zh", f)) for f, spec in v.families.items()],
    )
