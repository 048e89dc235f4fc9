"""The vocabulary read from ``schema/vocabulary.yaml``: kinds, families, mechanisms, Chinese names.

Everything that names a kind goes through here so that a ledger may say ``走访`` or ``VISIT`` or
``visit`` and mean the same thing, and so that no list of kinds is repeated in code.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..resources import schema_path
from .systems import DEFAULT_SYSTEM, System, load_systems, system_files

__all__ = ["UnitKind", "LinkKind", "Mechanism", "Vocabulary", "vocabulary", "merge_systems"]


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


def merge_systems(data: dict[str, Any], systems: dict[str, System]) -> dict[str, Any]:
    """The shared vocabulary with every system's kinds: the default system's unit kinds first (so
    tax's kinds keep their places), then the shared ones, then the other systems' in file order."""
    default = systems.get(DEFAULT_SYSTEM)
    others = [s for s in systems.values() if s.id != DEFAULT_SYSTEM]
    unit_kinds: dict[str, Any] = dict(default.unit_kinds) if default else {}
    unit_kinds.update(data["unit_kinds"])
    link_kinds: dict[str, Any] = dict(data["link_kinds"])
    for s in [*([default] if default else []), *others]:
        if s is not default:
            unit_kinds.update(s.unit_kinds)
        link_kinds.update(s.link_kinds)
    return {**data, "unit_kinds": unit_kinds, "link_kinds": link_kinds}


class Vocabulary:
    """Lookup tables built from one vocabulary file and the system files merged into it."""

    def __init__(self, data: dict[str, Any], systems: dict[str, System] | None = None):
        #: the vertical systems, the default (tax) first; a kind belongs to at most one
        self.systems: dict[str, System] = dict(systems or {})
        self.system_of_kind: dict[str, str] = {
            kind: s.id for s in self.systems.values() for kind in s.unit_kinds
        }
        self.system_of_link_kind: dict[str, str] = {
            kind: s.id for s in self.systems.values() for kind in s.link_kinds
        }
        if self.systems:
            data = merge_systems(data, self.systems)
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

    def kind_levels(self, kind: str) -> tuple[str, ...]:
        """The levels a unit of ``kind`` may have in its line (empty: any unit level)."""
        system = self.systems.get(self.system_of_kind.get(kind, ""))
        return system.kind_levels.get(kind, ()) if system else ()

    def system_name(self, system_id: str) -> str:
        """The Chinese name of a system, or its id when no file declares it."""
        found = self.systems.get(system_id)
        return found.name if found else system_id


@functools.lru_cache(maxsize=8)
def _load(path: Path, systems_dirs: str | None) -> Vocabulary:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    return Vocabulary(data, load_systems(data, system_files()))


def vocabulary(path: Path | None = None) -> Vocabulary:
    """The shipped vocabulary with every system file merged in (cached per ``path`` and
    ``TIAOKUAI_SYSTEMS_DIR``: a process reads its system files once), or one from ``path``."""
    return _load(path or schema_path("vocabulary.yaml"), os.environ.get("TIAOKUAI_SYSTEMS_DIR"))
