"""Vertical systems (垂直管理系统) declared in files: ``schema/systems/<id>.yaml`` and the folders
``TIAOKUAI_SYSTEMS_DIR`` names.

Why files and not code: tax is one of many vertically managed systems (customs, meteorology,
statistics survey teams …) and each has its own line of units and its own expectations of contact
with the locality. A user adds one by adding one file; the local side (party committees, their
departments, party schools, organs work committees) stays shared in ``schema/vocabulary.yaml``.

Every problem in a system file is reported as ``FILE:LINE: what is wrong`` (a
:class:`~graph.errors.SystemFileError`, which the CLI turns into exit status 2), with the line
taken from the YAML parser's node marks, so the user sees where to look.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import SystemFileError
from ..resources import schema_path

__all__ = ["System", "DEFAULT_SYSTEM", "load_systems", "system_dirs", "system_files"]

#: the system of a vertical unit whose ledger row names none (every ledger before issue 20 is tax's)
DEFAULT_SYSTEM = "tax"

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LABEL = re.compile(r"^[A-Z][A-Za-z]*$")
#: Neo4j labels the graph uses for other things (graph.store.cypher, gaps --write)
_RESERVED_LABELS = {"Unit", "Region", "Gap", "Coverage", "Meta", "CoverageLow", "CoverageMid", "CoverageHigh",
                    "CoverageFull"}  # fmt: skip
_TOP_KEYS = {"id", "name", "name_en", "description", "unit_kinds", "link_kinds", "rules"}
_KIND_KEYS = {"zh", "label", "side", "levels", "aliases", "en"}
_LINK_KEYS = {"family", "zh", "mechanism", "aliases", "en"}

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class System:
    """One vertical system as its file declares it (kinds are merged into the vocabulary)."""

    id: str
    name: str  # Chinese
    name_en: str
    path: Path
    #: unit kind -> its spec (zh, label, side, aliases), in file order
    unit_kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: unit kind -> the levels a unit of the kind may have in this line (empty: any level)
    kind_levels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    link_kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: rules in the expectations.yaml format: inline specs, with the line each starts on ...
    rules: tuple[dict[str, Any], ...] = ()
    rule_lines: tuple[int, ...] = ()
    #: ... or a separate rules file (tax's: schema/expectations.yaml, TIAOKUAI_EXPECTATIONS)
    rules_file: Path | None = None


def system_dirs() -> list[Path]:
    """The bundled ``schema/systems`` folder, then each folder in ``TIAOKUAI_SYSTEMS_DIR``
    (separated by the platform's path separator)."""
    dirs = [schema_path("systems")]
    extra = os.environ.get("TIAOKUAI_SYSTEMS_DIR", "")
    dirs += [Path(p) for p in extra.split(os.pathsep) if p.strip()]
    return dirs


def system_files(dirs: Iterable[Path] | None = None) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` file of the folders, the default system's first, then by name."""
    found: list[Path] = []
    for d in dirs if dirs is not None else system_dirs():
        if not d.is_dir():
            raise SystemFileError(str(d), 0, "TIAOKUAI_SYSTEMS_DIR: not a folder")
        found += sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    return sorted(found, key=lambda p: (p.stem != DEFAULT_SYSTEM, found.index(p)))


class _Lines:
    """Line numbers (1-based) of every key and item of a YAML document, by path."""

    def __init__(self, node: yaml.Node | None):
        self.lines: dict[Path_, int] = {}
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                self._walk(value, sub)
                self.lines[sub] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def at(self, *path: str | int) -> int:
        """The line of ``path``, or of its nearest ancestor that exists."""
        p: Path_ = tuple(path)
        while p not in self.lines and p:
            p = p[:-1]
        return self.lines.get(p, 1)


def _read(path: Path) -> tuple[Any, _Lines]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SystemFileError(str(path), 0, f"cannot read: {exc}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        raise SystemFileError(str(path), line, f"not valid YAML: {reason}") from exc
    return data, _Lines(node)


class _Checker:
    """Collects the first problem of a file (one at a time reads best for a hand-written file)."""

    def __init__(self, path: Path, lines: _Lines):
        self.path, self.lines = path, lines

    def fail(self, reason: str, *where: str | int) -> SystemFileError:
        return SystemFileError(str(self.path), self.lines.at(*where), reason)

    def mapping(self, value: Any, what: str, *where: str | int) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping", *where)
        return value

    def text(self, spec: Mapping[str, Any], key: str, what: str, *where: str | int) -> str:
        value = spec.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise self.fail(f"{what}: missing {key}", *where)
        if not isinstance(value, (str, int, float)):
            raise self.fail(f"{what}: {key} must be text", *where, key)
        return str(value)

    def words(self, spec: Mapping[str, Any], key: str, what: str, *where: str | int) -> list[str]:
        value = spec.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise self.fail(f"{what}: {key} must be a list of words", *where, key)
        return [str(v) for v in value]

    def unknown_keys(self, spec: Mapping[str, Any], allowed: set[str], what: str, *where: str | int) -> None:
        for key in spec:
            if key not in allowed:
                raise self.fail(
                    f"{what}: unknown key {key!r} (one of {', '.join(sorted(allowed))})", *where, key
                )


def _parse(path: Path, shared: Mapping[str, Any], taken: dict[str, str]) -> System:
    """One file, checked against the shared vocabulary and the kinds other files already took."""
    data, lines = _read(path)
    c = _Checker(path, lines)
    top = c.mapping(data, "a system file")
    c.unknown_keys(top, _TOP_KEYS, "system")
    sid = c.text(top, "id", "system")
    if not _ID.match(sid):
        raise c.fail(f"id {sid!r}: lower-case letters, digits and _ only", "id")
    if sid != path.stem:
        raise c.fail(f"id {sid!r} must match the file name ({path.stem}.yaml)", "id")
    name, name_en = c.text(top, "name", "system"), c.text(top, "name_en", "system")
    unit_levels = list(shared["levels"]["unit"])
    families, mechanisms = shared["families"], {m["id"] for m in shared["mechanisms"]}

    kinds = c.mapping(top.get("unit_kinds"), "unit_kinds", "unit_kinds")
    if not kinds:
        raise c.fail("unit_kinds: a system declares at least one unit kind", "unit_kinds")
    unit_kinds: dict[str, dict[str, Any]] = {}
    kind_levels: dict[str, tuple[str, ...]] = {}
    for kind, spec in kinds.items():
        where = ("unit_kinds", kind)
        what = f"unit kind {kind}"
        spec = c.mapping(spec, what, *where)
        c.unknown_keys(spec, _KIND_KEYS, what, *where)
        if not _ID.match(str(kind)):
            raise c.fail(f"{what}: lower-case letters, digits and _ only", *where)
        if kind in taken:
            raise c.fail(f"{what} is already declared by {taken[kind]}", *where)
        zh, label = c.text(spec, "zh", what, *where), c.text(spec, "label", what, *where)
        if not _LABEL.match(label):
            raise c.fail(
                f"{what}: label {label!r} must be CamelCase letters (a Neo4j label)",
                *where,
                "label",
            )
        if label in _RESERVED_LABELS:
            raise c.fail(f"{what}: label {label} is reserved for the graph's own nodes", *where, "label")
        if label in taken:
            raise c.fail(f"{what}: label {label} is already used by {taken[label]}", *where, "label")
        side = str(spec.get("side", "bureau"))
        if side != "bureau":
            raise c.fail(
                f"{what}: side must be bureau (the local side is shared, in vocabulary.yaml)", *where, "side"
            )
        levels = c.words(spec, "levels", what, *where)
        for lv in levels:
            if lv not in unit_levels:
                raise c.fail(
                    f"{what}: unknown level {lv} (one of {', '.join(unit_levels)})", *where, "levels"
                )
        aliases = c.words(spec, "aliases", what, *where)
        unit_kinds[kind] = {"zh": zh, "label": label, "side": side, "aliases": aliases}
        kind_levels[kind] = tuple(levels)
        taken[kind], taken[label] = path.name, path.name

    link_kinds: dict[str, dict[str, Any]] = {}
    for kind, spec in c.mapping(top.get("link_kinds") or {}, "link_kinds", "link_kinds").items():
        where, what = ("link_kinds", kind), f"link kind {kind}"
        spec = c.mapping(spec, what, *where)
        c.unknown_keys(spec, _LINK_KEYS, what, *where)
        if not _ID.match(str(kind)):
            raise c.fail(f"{what}: lower-case letters, digits and _ only", *where)
        if kind in taken:
            raise c.fail(f"{what} is already declared by {taken[kind]}", *where)
        family = c.text(spec, "family", what, *where)
        if family not in families:
            raise c.fail(f"{what}: unknown family {family} (one of {', '.join(families)})", *where, "family")
        mechanism = c.text(spec, "mechanism", what, *where)
        if mechanism not in mechanisms:
            raise c.fail(f"{what}: unknown mechanism {mechanism}", *where, "mechanism")
        zh = c.text(spec, "zh", what, *where)
        link_kinds[kind] = {"family": family, "zh": zh, "mechanism": mechanism,
                            "aliases": c.words(spec, "aliases", what, *where)}  # fmt: skip
        taken[kind] = path.name

    rules: Any = top.get("rules", [])
    if isinstance(rules, str):
        rules_file = (path.parent / rules).resolve()
        if not rules_file.is_file():
            raise c.fail(f"rules: no such file {rules_file}", "rules")
        return System(sid, name, name_en, path, unit_kinds, kind_levels, link_kinds, rules_file=rules_file)
    if not isinstance(rules, list):
        raise c.fail(
            "rules must be a list of rules (the format of expectations.yaml) or a file name", "rules"
        )
    for i, rule in enumerate(rules):
        c.mapping(rule, f"rule {i + 1}", "rules", i)
    lines_of = tuple(lines.at("rules", i) for i in range(len(rules)))
    return System(sid, name, name_en, path, unit_kinds, kind_levels, link_kinds, tuple(rules), lines_of)


def load_systems(shared: Mapping[str, Any], files: Sequence[Path] | None = None) -> dict[str, System]:
    """Every system file, checked; the default system first. ``shared``: vocabulary.yaml's data."""
    taken: dict[str, str] = {}
    for name, spec in shared["unit_kinds"].items():
        taken[name] = taken[spec["label"]] = "vocabulary.yaml"
    for name in shared["link_kinds"]:
        taken[name] = "vocabulary.yaml"
    systems: dict[str, System] = {}
    for path in files if files is not None else system_files():
        system = _parse(path, shared, taken)
        if system.id in systems:
            raise SystemFileError(
                str(path), 1, f"system {system.id} is declared twice (also {systems[system.id].path})"
            )
        systems[system.id] = system
    if DEFAULT_SYSTEM not in systems:
        raise SystemFileError(
            str(schema_path("systems")), 0, f"no {DEFAULT_SYSTEM}.yaml: the default system is missing"
        )
    return systems
