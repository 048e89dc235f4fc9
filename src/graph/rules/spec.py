"""Reading expectation rules: one rules file (``schema/expectations.yaml``, ``TIAOKUAI_EXPECTATIONS``)
or every system's rules (``schema/systems/*.yaml``, docs/systems.md).

A broken rule is a :class:`~graph.errors.ConfigError` that names its file and rule; a rule in a
system file also names its line (:class:`~graph.errors.SystemFileError`), and may bind only the
unit kinds its own system declares, so one system's file cannot change another's expectations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, SystemFileError
from ..model.systems import DEFAULT_SYSTEM, System
from ..model.vocabulary import Vocabulary
from ..resources import schema_path
from .catalogue import SUBORDINATE_LOCALITIES
from .periods import PERIODS

__all__ = ["Rule", "DIRECTIONS", "rules_of_file", "rules_of_systems", "expectations_path", "rule_specs",
           "only_system", "selected_system"]  # fmt: skip

DIRECTIONS = ("outgoing", "either")

#: the one system a command asks about (``--system``), or None for every system
_ONLY: ContextVar[str | None] = ContextVar("tiaokuai_only_system", default=None)


@contextmanager
def only_system(system: str | None) -> Iterator[None]:
    """Within the block, every system's rules means that system's rules only: why a context and not
    a parameter: ``--system`` reaches analyses and the report, which read the rules themselves."""
    token = _ONLY.set(system)
    try:
        yield
    finally:
        _ONLY.reset(token)


def selected_system() -> str | None:
    """The system :func:`only_system` selected, if any."""
    return _ONLY.get()


@dataclass(frozen=True)
class Rule:
    id: str
    family: str
    kinds: tuple[str, ...]
    counterparts: tuple[str, ...]
    direction: str
    min: int
    unit_kind: str
    levels: tuple[str, ...]
    #: the rhythm: at least ``min`` contacts in each year, half, quarter or month (graph.rules.periods)
    per: str = "year"
    #: the vertical system whose units the rule binds (the system of ``unit_kind``)
    system: str = DEFAULT_SYSTEM


def expectations_path(system: System | None = None) -> Path:
    """The default system's rules file: ``TIAOKUAI_EXPECTATIONS``, else what tax.yaml names."""
    env = os.environ.get("TIAOKUAI_EXPECTATIONS")
    if env:
        return Path(env)
    if system is not None and system.rules_file is not None:
        return system.rules_file
    return schema_path("expectations.yaml")


def _rule(spec: Mapping[str, Any], vocab: Vocabulary, seen: set[str], where: str) -> Rule:
    """One rule spec, checked; problems raised as ConfigError prefixed by ``where``."""
    try:
        rule = Rule(
            id=str(spec["id"]),
            family=str(spec["family"]),
            kinds=tuple(vocab.expand_link_words(list(spec["links"]))),
            counterparts=tuple(spec["counterpart"]),
            direction=str(spec.get("direction", "either")),
            min=int(spec.get("min", 1)),
            unit_kind=str(spec["applies_to"]["kind"]),
            levels=tuple(spec["applies_to"]["levels"]),
            per=str(spec.get("per", "year")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    problems: list[str] = []
    if rule.family not in vocab.families:
        problems.append(f"unknown family {rule.family}")
    if rule.direction not in DIRECTIONS:
        problems.append(f"unknown direction {rule.direction}")
    problems += [
        f"unknown counterpart {c}"
        for c in rule.counterparts
        if c != SUBORDINATE_LOCALITIES and c not in vocab.unit_kinds
    ]
    problems += [f"unknown level {lv}" for lv in rule.levels if lv not in vocab.unit_levels]
    if rule.unit_kind not in vocab.unit_kinds:
        problems.append(f"unknown unit kind {rule.unit_kind}")
    if rule.id in seen:
        problems.append("duplicate rule id")
    if rule.min < 1:
        problems.append("min must be at least 1")
    if rule.per not in PERIODS:
        problems.append(f"unknown per {rule.per} (one of {', '.join(PERIODS)})")
    if problems:
        raise ConfigError(f"{where}: " + "; ".join(problems))
    seen.add(rule.id)
    system = vocab.system_of_kind.get(rule.unit_kind, DEFAULT_SYSTEM)
    return Rule(**{**rule.__dict__, "system": system})


def rule_specs(path: Path) -> list[Any]:
    """The ``rules`` list of a rules file, or a ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read expectation rules {path}: {exc}") from exc
    return list((data or {}).get("rules", []) or [])


def rules_of_file(path: Path, vocab: Vocabulary, seen: set[str] | None = None) -> list[Rule]:
    """Every rule of one rules file (the format of ``schema/expectations.yaml``)."""
    seen = set() if seen is None else seen
    rules = []
    for i, spec in enumerate(rule_specs(path), start=1):
        name = spec.get("id", "?") if isinstance(spec, dict) else "?"
        rules.append(_rule(spec, vocab, seen, f"{path}: rule {i} ({name})"))
    return rules


def rules_of_systems(vocab: Vocabulary) -> list[Rule]:
    """Every system's rules, the default system's first: its rules file (or
    ``TIAOKUAI_EXPECTATIONS``), then each other system's inline rules, which may bind only that
    system's own unit kinds."""
    seen: set[str] = set()
    rules: list[Rule] = []
    for system in vocab.systems.values():
        if system.id == DEFAULT_SYSTEM or system.rules_file is not None:
            path = expectations_path(system) if system.id == DEFAULT_SYSTEM else system.rules_file
            assert path is not None
            rules += rules_of_file(path, vocab, seen)
            continue
        for spec, line in zip(system.rules, system.rule_lines, strict=True):
            name = spec.get("id", "?")
            try:
                rule = _rule(spec, vocab, seen, f"rule {name}")
            except ConfigError as exc:
                raise SystemFileError(str(system.path), line, str(exc)) from exc
            if rule.unit_kind not in system.unit_kinds:
                raise SystemFileError(
                    str(system.path), line,
                    f"rule {name}: applies_to kind {rule.unit_kind} is not one of this system's unit kinds "
                    f"({', '.join(system.unit_kinds)})",
                )  # fmt: skip
            rules.append(rule)
    only = _ONLY.get()
    return rules if only is None else [r for r in rules if r.system == only]
