"""Bundled samples of two more vertical systems on the real Heilongjiang divisions (issue 20):
meteorology (中国气象局 → 黑龙江省气象局 → prefecture bureaus → county bureaus) and customs
(海关总署 → 哈尔滨海关, a directly-governed customs at provincial level → subordinate customs at
real ports and cities, with no prefecture tier).

Why generic over the rules: a system's expectations are in its file (``schema/systems/*.yaml``),
so the links are drawn from those rules: per bureau, rule and year, the requirement is met with a
probability (lower in the remote border prefectures, churning between years) and then gets one
to four events of the rule's kinds with the counterpart the rule names. The local side (committees
and their departments) is the tax sample's, shared, so the systems load beside each other.

Seeded apart from the tax sample (``seed`` + a per-system offset): the tax sample's files stay
byte-identical whatever is generated here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..model.vocabulary import Vocabulary, vocabulary
from .core import LINK_COLUMNS, UNIT_COLUMNS, is_working_day, write_csv
from .sample_units import REMOTE_PREFECTURES, YEARS, Row, _read_divisions

__all__ = [
    "SAMPLE_SYSTEMS",
    "system_units",
    "system_links",
    "write_system_sample",
    "write_samples",
    "local_units",
]

SAMPLE_SYSTEMS = ("meteorology", "customs")

#: the local counterparts' id prefixes in the tax sample (LPC-230100, ORG-230100 …)
_LOCAL_PREFIX = {
    "local_party_committee": "LPC",
    "organization_department": "ORG",
    "propaganda_department": "PROP",
    "organs_work_committee": "OWC",
    "discipline_commission": "DISC",
    "party_school": "SCH",
}

#: customs at real ports and cities: (division code, name, English name)
CUSTOMS_PORTS: tuple[tuple[str, str, str], ...] = (
    ("231081", "绥芬河海关", "Suifenhe Customs"),
    ("231086", "东宁海关", "Dongning Customs"),
    ("231102", "黑河海关", "Heihe Customs"),
    ("230881", "同江海关", "Tongjiang Customs"),
    ("230883", "抚远海关", "Fuyuan Customs"),
    ("232701", "漠河海关", "Mohe Customs"),
    ("230382", "密山海关", "Mishan Customs"),
    ("230381", "虎林海关", "Hulin Customs"),
    ("230524", "饶河海关", "Raohe Customs"),
    ("230421", "萝北海关", "Luobei Customs"),
    ("231123", "逊克海关", "Xunke Customs"),
    ("230102", "哈尔滨太平机场海关", "Harbin Taiping Airport Customs"),
    ("231002", "牡丹江海关", "Mudanjiang Customs"),
    ("230804", "佳木斯海关", "Jiamusi Customs"),
    ("230202", "齐齐哈尔海关", "Qiqihar Customs"),
    ("230602", "大庆海关", "Daqing Customs"),
)

SUBORDINATE_LOCALITIES = "subordinate_localities"  # graph.rules' word (a sibling layer)


@dataclass(frozen=True)
class _Rule:
    """What the generator needs of a rule in a system file."""

    unit_kind: str
    levels: tuple[str, ...]
    family: str
    kinds: tuple[str, ...]
    counterparts: tuple[str, ...]
    direction: str


def _rules(vocab: Vocabulary, system: str) -> list[_Rule]:
    return [
        _Rule(
            str(spec["applies_to"]["kind"]),
            tuple(spec["applies_to"]["levels"]),
            str(spec["family"]),
            tuple(vocab.expand_link_words(list(spec["links"]))),
            tuple(spec["counterpart"]),
            str(spec.get("direction", "either")),
        )  # fmt: skip
        for spec in vocab.systems[system].rules
    ]


_SEED_OFFSET = {"meteorology": 101, "customs": 202}
_TITLES = {
    "reporting": ["报告党建工作情况", "报送年度党建工作总结", "专题报告重点工作进展"],
    "liaison": ["走访沟通党建工作", "交流机关党建工作", "参加地方党建工作会议"],
    "exchange": ["参加地方党校主体班培训", "联合开展党务干部培训"],
}


def _unit(uid: str, name: str, kind: str, level: str, region: str, parent: str, name_en: str) -> Row:
    return {"id": uid, "name": name, "kind": kind, "level": level, "region_code": region,
            "parent_id": parent, "name_en": name_en}  # fmt: skip


def _meteorology_units() -> list[Row]:
    """中国气象局, the provincial bureau, a bureau per prefecture and per county (not per city
    district: a city's districts are served by its bureau), party groups of the upper two tiers."""
    divisions = _read_divisions()
    rows = [_unit("MB-000000", "中国气象局", "meteorological_bureau", "national", "", "",
                  "China Meteorological Administration")]  # fmt: skip
    rows.append(_unit("MB-230000", "黑龙江省气象局", "meteorological_bureau", "provincial", "230000",
                      "MB-000000", "Heilongjiang Meteorological Bureau"))  # fmt: skip
    rows.append(_unit("MPG-230000", "中共黑龙江省气象局党组", "meteorological_party_group", "provincial",
                      "230000", "MB-230000", ""))  # fmt: skip
    for d in divisions:
        if d.level == "prefecture":
            rows.append(_unit(f"MB-{d.code}", f"{d.name}气象局", "meteorological_bureau", "prefecture",
                              d.code, "MB-230000", f"{d.name_en} Meteorological Bureau"))  # fmt: skip
            rows.append(_unit(f"MPG-{d.code}", f"中共{d.name}气象局党组", "meteorological_party_group",
                              "prefecture", d.code, f"MB-{d.code}", ""))  # fmt: skip
    for d in divisions:
        if d.level == "county" and not d.name.endswith("区"):
            rows.append(_unit(f"MB-{d.code}", f"{d.name}气象局", "meteorological_bureau", "county", d.code,
                              f"MB-{d.parent_code}", f"{d.name_en} Meteorological Bureau".strip()))  # fmt: skip
    return rows


def _customs_units() -> list[Row]:
    """海关总署, Harbin Customs at provincial level, and subordinate customs directly under it."""
    rows = [
        _unit(
            "CUS-000000",
            "海关总署",
            "customs_office",
            "national",
            "",
            "",
            "General Administration of Customs",
        )
    ]
    rows.append(_unit("CUS-230000", "哈尔滨海关", "customs_office", "provincial", "230000", "CUS-000000",
                      "Harbin Customs"))  # fmt: skip
    rows.append(_unit("CPC-230000", "中共哈尔滨海关委员会", "customs_party_committee", "provincial", "230000",
                      "CUS-230000", ""))  # fmt: skip
    for code, name, name_en in CUSTOMS_PORTS:
        rows.append(_unit(f"CUS-{code}", name, "customs_office", "county", code, "CUS-230000", name_en))
    return rows


def system_units(system: str) -> list[Row]:
    """The units of one bundled sample system (rows of the units ledger, with ``system``)."""
    rows = {"meteorology": _meteorology_units, "customs": _customs_units}[system]()
    return [{**row, "system": system} for row in rows]


def local_units(tax_units: Sequence[Row]) -> list[Row]:
    """The local side of the tax sample (shared by every system)."""
    vocab = vocabulary()
    return [row for row in tax_units if vocab.unit_kinds[row["kind"]].side == "local"]


@dataclass
class _Bureau:
    id: str
    level: str
    region: str
    side: list[str]  # the bureau and its party body


def _day(rng: random.Random, year: int) -> dt.date:
    while True:
        day = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if is_working_day(day):
            return day


def _probability(bureau: _Bureau, rule: _Rule) -> float:
    base = {"provincial": 0.95, "prefecture": 0.85, "county": 0.7}.get(bureau.level, 0.7)
    if rule.family == "exchange":
        base -= 0.15
    if bureau.region[:4] + "00" in REMOTE_PREFECTURES:
        base -= 0.2
    return base


def system_links(system: str, units: Sequence[Row], local_ids: set[str], seed: int = 2020) -> list[Row]:
    """Three years of links of one system, drawn from its rules (see the module's docstring)."""
    rng = random.Random(seed + _SEED_OFFSET.get(system, 303))
    vocab = vocabulary()
    rules = _rules(vocab, system)
    by_id = {row["id"]: row for row in units}
    bureaus: dict[str, _Bureau] = {}
    for row in units:
        parent = by_id.get(row["parent_id"])
        if row["kind"] in {r.unit_kind for r in rules}:
            bureaus[row["id"]] = _Bureau(row["id"], row["level"], row["region_code"], [row["id"]])
        elif parent is not None and parent["id"] in bureaus:
            bureaus[parent["id"]].side.append(row["id"])
    subordinates: dict[str, list[str]] = {}
    for row in units:
        if row["parent_id"] in bureaus and row["id"] in bureaus:
            subordinates.setdefault(row["parent_id"], []).append(row["id"])
    links: list[Row] = []
    for rule in rules:
        kinds = [k for k in rule.kinds if k != "instruction"]
        for b in bureaus.values():
            if by_id[b.id]["kind"] != rule.unit_kind or b.level not in rule.levels:
                continue
            if rule.counterparts == (SUBORDINATE_LOCALITIES,):
                targets = [[f"LPC-{bureaus[s].region}"] for s in subordinates.get(b.id, [])]
            else:
                targets = [[f"{_LOCAL_PREFIX.get(c, c)}-{b.region}" for c in rule.counterparts]]
            for options in targets:
                options = [t for t in options if t in local_ids]
                keep = rng.random()  # a bureau that keeps a channel tends to keep it every year
                for year in YEARS:
                    draw = keep if rng.random() > 0.3 else rng.random()
                    if not options or draw > _probability(b, rule) + (year - 2020) * 0.03:
                        continue
                    for _ in range(rng.randint(1, 4)):
                        kind, target = rng.choice(kinds), rng.choice(options)
                        source = rng.choice(b.side) if rule.family != "exchange" else b.id
                        ends = (source, target)
                        if rule.direction == "either" and kind == "meeting_attendance":
                            ends = (target, b.id)  # local leaders attend the bureau's meeting
                        family = vocab.family_of(kind)
                        people = str(rng.randint(1, 12)) if family == "exchange" else ""
                        links.append({"date": _day(rng, year).isoformat(), "kind": kind, "source_id": ends[0],
                                      "target_id": ends[1], "count": "1", "participants": people,
                                      "title": rng.choice(_TITLES[family])})  # fmt: skip
    links.sort(key=lambda r: (r["date"], r["source_id"], r["target_id"], r["kind"]))
    for i, row in enumerate(links, start=1):
        row["id"] = f"{system}-{row['date'][:4]}-{i:05d}"
    return links


def write_system_sample(out_dir: Path, system: str, tax_units: Sequence[Row], seed: int = 2020) -> list[Path]:
    """``units_<system>.csv`` and ``links_<system>_<year>.csv`` into ``out_dir`` (created)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    units = system_units(system)
    local_ids = {row["id"] for row in local_units(tax_units)}
    links = system_links(system, units, local_ids, seed)
    columns = (*UNIT_COLUMNS, "system")
    paths = [out_dir / f"units_{system}.csv"]
    write_csv(paths[0], columns, ([row.get(c, "") for c in columns] for row in units))
    for year in YEARS:
        path = out_dir / f"links_{system}_{year}.csv"
        rows = [r for r in links if r["date"].startswith(f"{year}-")]
        write_csv(path, LINK_COLUMNS, ([row.get(c, "") for c in LINK_COLUMNS] for row in rows))
        paths.append(path)
    return paths


def write_samples(out_dir: Path, system: str = "tax", seed: int = 2020) -> list[Path]:
    """``tiaokuai sample --system``: tax alone (the files ``make demo`` loads, unchanged), another
    bundled system with the shared regions and local side (``units_local.csv``), or ``all``."""
    from .sample import build_sample, write_sample

    out_dir = Path(out_dir)
    if system == "tax":
        return write_sample(out_dir, seed=seed)
    if system == "all":
        paths = write_sample(out_dir, seed=seed)
        tax_units = build_sample(seed).units
        for name in SAMPLE_SYSTEMS:
            paths += write_system_sample(out_dir, name, tax_units, seed)
        return paths
    sample = build_sample(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    from .core import REGION_COLUMNS

    regions, local = out_dir / "regions.csv", out_dir / "units_local.csv"
    write_csv(regions, REGION_COLUMNS, ([row.get(c, "") for c in REGION_COLUMNS] for row in sample.regions))
    write_csv(
        local, UNIT_COLUMNS, ([row.get(c, "") for c in UNIT_COLUMNS] for row in local_units(sample.units))
    )
    return [regions, local, *write_system_sample(out_dir, system, sample.units, seed)]
