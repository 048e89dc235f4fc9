"""Names for people: rules, channels (families), kinds and levels, in Chinese or English.

Everything comes from ``schema/``: a rule's ``zh``/``en`` (and ``zh_short``/``en_short`` for column
headings) from the expectations file the rules are read from, kinds and families from the
vocabulary. A rule without names in its file shows its id, so a replaced expectations file still
renders. The report and the served pages never print a rule id where a name exists.

>>> n = Names("zh")
>>> n.rule("liaison_propaganda_department"), n.rule_short("cadre_work_with_locality")
('与宣传部联络', '干部工作')
>>> Names("en").family("exchange"), Names("zh").kind("party_school")
('exchange', '党校')
"""

from __future__ import annotations

from typing import Any

from ..model.vocabulary import vocabulary
from ..rules.names import rule_names

__all__ = ["Names", "LANGS", "rule_names"]

LANGS = ("zh", "en")

_LEVEL = {
    "zh": {"national": "总局", "provincial": "省局", "prefecture": "市(地)局", "county": "县(区)局"},
    "en": {
        "national": "national",
        "provincial": "provincial",
        "prefecture": "prefecture",
        "county": "county",
    },
}
_FAMILY_EN = {"reporting": "reporting", "liaison": "liaison", "exchange": "exchange"}


class Names:
    """Look up names in one language (``zh``, the default, or ``en``)."""

    def __init__(self, lang: str = "zh"):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
        self.lang = lang
        self._rules = rule_names()
        self._vocab = vocabulary()

    def tr(self, zh: str, en: str) -> str:
        """The text in this language."""
        return zh if self.lang == "zh" else en

    def rule(self, rule_id: str) -> str:
        names = self._rules.get(rule_id, {})
        return names.get(self.lang) or names.get("zh") or rule_id

    def rule_short(self, rule_id: str) -> str:
        names = self._rules.get(rule_id, {})
        return names.get(f"{self.lang}_short") or self.rule(rule_id)

    def family(self, family: str) -> str:
        if self.lang == "en":
            return _FAMILY_EN.get(family, family)
        return str(self._vocab.families.get(family, {}).get("zh", family))

    def kind(self, kind: str | None) -> str:
        if not kind:
            return ""
        if self.lang == "en":
            return kind.replace("_", " ")
        spec = self._vocab.unit_kinds.get(kind)
        return spec.zh if spec else kind

    def link_kind(self, kind: str) -> str:
        if self.lang == "en":
            return kind.replace("_", " ")
        spec = self._vocab.link_kinds.get(kind)
        return spec.zh if spec else kind

    def level(self, level: str | None) -> str:
        return _LEVEL[self.lang].get(level or "", level or "")

    def as_context(self) -> dict[str, Any]:
        """The functions templates call: ``tr``, ``rule``, ``rule_short``, ``family``, ``kind`` …"""
        return {
            "lang": self.lang,
            "tr": self.tr,
            "rule_name": self.rule,
            "rule_short": self.rule_short,
            "family_name": self.family,
            "kind_name": self.kind,
            "link_kind_name": self.link_kind,
            "level_name": self.level,
        }
