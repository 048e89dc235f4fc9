"""The vocabulary read from ``schema/vocabulary.yaml``: kinds, families, mechanisms, Chinese names.

Everything that names a kind goes through here so that a ledger may say ``走访`` or ``VISIT`` or
``visit`` and mean the same thing, and so that no list of kinds is repeated in code.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..resources import schema_path

__all__ = ["UnitKind", "LinkKind", "Mechanism", "Vocabulary", "vocabulary"]


@dataclass(frozen=True)
class UnitKind:
    name: str
    zh: str
    label: str  # the Neo4j label
    side: str  # bureau | local


@dataclass(frozen=True)
class LinkKind:
    name: str
    zh: str
    family: str
    mechanism: str


@dataclass(frozen=True)
class Mechanism:
    id: str
    group: str
    group_zh: str
    zh: str


def _key(text: str) -> str:
    """Normalise a word for lookup: case, surrounding space, full-width brackets, '-' vs '_'."""
    text = text.strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"[\s\-]+", "_", text)


class Vocabulary:
    """Lookup tables built from one vocabulary file."""

    def __init__(self, data: dict[str, Any]):
        self.unit_kinds: dict[str, UnitKind] = {}
        self.link_kinds: dict[str, LinkKind] = {}
        self.families: dict[str, dict[str, str]] = dict(data["families"])
        self.mechanisms: list[Mechanism] = [Mechanism(**m) for m in data["mechanisms"]]
        self.unit_levels: list[str] = list(data["levels"]["unit"])
        self.region_levels: list[str] = list(data["levels"]["region"])
        self._unit_kind_words: dict[str, str] = {}
        self._link_kind_words: dict[str, str] = {}
        self._level_words: dict[str, str] = {}

        for name, spec in data["unit_kinds"].items():
            self.unit_kinds[name] = UnitKind(name, spec["zh"], spec["label"], spec["side"])
            for word in [name, spec["zh"], spec["label"], *spec.get("aliases", [])]:
                self._unit_kind_words.setdefault(_key(word), name)
        for name, spec in data["link_kinds"].items():
            if spec["family"] not in self.families:
                raise ValueError(f"link kind {name}: unknown family {spec['family']}")
            self.link_kinds[name] = LinkKind(name, spec["zh"], spec["family"], spec["mechanism"])
            for word in [name, spec["zh"], *spec.get("aliases", [])]:
                self._link_kind_words.setdefault(_key(word), name)
        for level in self.unit_levels + self.region_levels:
            self._level_words[_key(level)] = level
        self._level_aliases: dict[str, list[str]] = {
            k: list(v) for k, v in data["levels"].get("aliases", {}).items()
        }

    # -- lookups -------------------------------------------------------------------------------
    def unit_kind(self, word: str) -> str | None:
        """The canonical unit kind for a ledger word, or None."""
        return self._unit_kind_words.get(_key(word))

    def link_kind(self, word: str) -> str | None:
        return self._link_kind_words.get(_key(word))

    def level(self, word: str, allowed: list[str]) -> str | None:
        """The canonical level among ``allowed`` for a word (English or Chinese), or None."""
        key = _key(word)
        if key in self._level_words and self._level_words[key] in allowed:
            return self._level_words[key]
        for level in allowed:
            if key in (_key(a) for a in self._level_aliases.get(level, [])):
                return level
        return None

    def family_of(self, kind: str) -> str:
        return self.link_kinds[kind].family

    def kinds_of_family(self, family: str) -> list[str]:
        return [k.name for k in self.link_kinds.values() if k.family == family]

    def expand_link_words(self, words: list[str]) -> list[str]:
        """Kinds named by a list of kinds and/or family names (as in expectations.yaml)."""
        kinds: list[str] = []
        for word in words:
            if word in self.families:
                kinds.extend(self.kinds_of_family(word))
            elif word in self.link_kinds:
                kinds.append(word)
            else:
                raise ValueError(f"unknown link kind or family: {word}")
        return list(dict.fromkeys(kinds))

    def label(self, kind: str) -> str:
        return self.unit_kinds[kind].label

    def rel_type(self, family: str) -> str:
        return self.families[family]["rel_type"]

    @property
    def bureau_side_kinds(self) -> list[str]:
        return [k.name for k in self.unit_kinds.values() if k.side == "bureau"]


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> Vocabulary:
    with path.open(encoding="utf-8") as f:
        return Vocabulary(yaml.safe_load(f))


def vocabulary(path: Path | None = None) -> Vocabulary:
    """The shipped vocabulary (cached), or one from ``path``."""
    return _load(path or schema_path("vocabulary.yaml"))
