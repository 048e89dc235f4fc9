"""The rules' names for people, from the expectations files: ``zh`` and ``en`` (and ``zh_short``,
``en_short`` for column headings), beside each rule's ``id``.

Why here and not in graph.report: the command-line tables name rules too (``tiaokuai coverage``),
and importing the report (templates, charts, fonts) would cost a command seconds for a lookup in
one YAML file. A rule without names in its file shows its id, so a replaced file still works.

>>> rule_name_pair("liaison_propaganda_department")
('与宣传部联络', 'liaison with the propaganda department')
>>> rule_name_pair("no_such_rule")
('no_such_rule', 'no_such_rule')
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..model.vocabulary import vocabulary
from .spec import expectations_path

__all__ = ["rule_names", "rule_name_pair", "NAME_KEYS"]

#: the names a rule may carry in its file
NAME_KEYS = ("zh", "zh_short", "en", "en_short")


def _names_of(spec: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(spec[k]) for k in NAME_KEYS if k in spec}


@functools.lru_cache(maxsize=4)
def _rule_names(path: str, mtime: float) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {
        str(spec["id"]): _names_of(spec)
        for spec in data.get("rules", []) or []
        if isinstance(spec, dict) and "id" in spec
    }


def rule_names() -> dict[str, dict[str, str]]:
    """Rule id → its names (``zh``, ``zh_short``, ``en``, ``en_short``): the default system's from
    its expectations file (``TIAOKUAI_EXPECTATIONS`` or schema/expectations.yaml), then the other
    systems' from theirs."""
    path = expectations_path()
    try:
        names = dict(_rule_names(str(path), path.stat().st_mtime))
    except (OSError, yaml.YAMLError):
        names = {}
    for system in vocabulary().systems.values():
        for spec in system.rules:
            if "id" in spec:
                names.setdefault(str(spec["id"]), _names_of(spec))
    return names


def rule_name_pair(rule_id: str, names: Mapping[str, Mapping[str, str]] | None = None) -> tuple[str, str]:
    """(Chinese name, English name) of a rule, for a table that puts Chinese first and English
    beside; either falls back to the id. ``names``: :func:`rule_names`, read once per table."""
    found = (rule_names() if names is None else names).get(rule_id, {})
    return found.get("zh", rule_id), found.get("en", rule_id)
