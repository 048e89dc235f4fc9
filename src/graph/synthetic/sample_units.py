"""The Heilongjiang sample's units and which of their coverage requirements are met.

Every unit sits on a real division of Heilongjiang (``data/heilongjiang_divisions.csv``, with the
English place names); the figures, probabilities and name tables are in ``data/heilongjiang.yaml``.
Used by :mod:`graph.synthetic.sample`, which documents the technique.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .core import (
    COORDINATE,
    DATA_DIR,
    LIAISON_RULES,
    NATIONAL_BUREAU_ID,
    STANDARD_RULES,
    base_probability,
    churned_draws,
    data,
)

Row = dict[str, str]

YEARS: tuple[int, ...] = (2019, 2020, 2021)
DIVISIONS_FILE = DATA_DIR / "heilongjiang_divisions.csv"

_DATA = data("heilongjiang.yaml")
#: The case study's published 2020 figures. Keys are link kinds, plus "report" for the three
#: report kinds together; kinds in _PARTICIPANT_TOTALS are totals of participants (people).
CASE_STUDY_2020: dict[str, int] = _DATA["case_study_2020"]
_PARTICIPANT_TOTALS: tuple[str, ...] = _DATA["participant_totals"]
#: Totals per year: 2020 is the case study (and kinds it does not count); 2019 and 2021 are
#: invented to show a trend.
_TOTALS: dict[int, dict[str, int]] = {
    year: {**(CASE_STUDY_2020 if year == 2020 else {}), **totals} for year, totals in _DATA["totals"].items()
}
#: Forest and border prefectures (大兴安岭, 黑河, 伊春, 鹤岗, 双鸭山, 七台河) where contact is thinner.
REMOTE_PREFECTURES: tuple[str, ...] = _DATA["remote_prefectures"]
# How likely each rule is met: reporting nearly always, propaganda and cadre work least.
_BASE_P: dict[str, float] = _DATA["base_p"]
_REMOTE_PENALTY: dict[str, float] = _DATA["remote_penalty"]
_YEAR_SHIFT: dict[int, float] = _DATA["year_shift"]
# (Chinese, English) branch names; county bureaus are small, city and provincial ones larger.
_COUNTY_BRANCHES: tuple[tuple[str, str], ...] = _DATA["county_branches"]
_UPPER_BRANCHES: tuple[tuple[str, str], ...] = _DATA["upper_branches"]

_LEVEL_OF: dict[str, str] = {"province": "provincial", "prefecture": "prefecture", "county": "county"}
_ReqKey = tuple[str, str, str]  # (bureau division code, rule id, subordinate code or "")


@dataclass(frozen=True)
class _Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent_code: str
    name_en: str = ""  # the English place name, where romanised


@dataclass
class _Bureau:
    """One tax bureau with everything the link generator needs to know about it."""

    code: str
    id: str
    level: str  # provincial | prefecture | county
    side: list[str]  # the bureau, its party committee, its branches
    counterparts: dict[str, str]  # lpc/org/prop/owc/disc/sch -> unit id (owc may be missing)
    subordinates: list[str]  # division codes of the directly subordinate bureaus
    remote: bool
    activity: float  # how busy the bureau is, fixed across years


# ---------------------------------------------------------------------------------------------
# Divisions and names
# ---------------------------------------------------------------------------------------------


def _read_divisions(path: Path = DIVISIONS_FILE) -> list[_Division]:
    """The bundled GB/T 2260 divisions, in file order (parents before children)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            _Division(r["code"], r["name"], r["level"], r["parent_code"] or "", r["name_en"])
            for r in csv.DictReader(handle)
        ]


def _is_remote(division: _Division) -> bool:
    return division.code[:4] + "00" in REMOTE_PREFECTURES and division.level != "province"


def _place_zh(division: _Division, by_code: dict[str, _Division]) -> str:
    """A division's name as used in unit names.

    A district (区) carries its city's name, as in official names and because two cities have a
    向阳区; counties and county-level cities stand alone (国家税务总局尚志市税务局).
    """
    if division.level == "county" and division.name.endswith("区"):
        return by_code[division.parent_code].name + division.name
    return division.name


def _committee_zh(place: str) -> str:
    """The short name of a place's party committee: 黑龙江省委, 哈尔滨市委, 依兰县委, 大兴安岭地委."""
    return place[:-2] + "地委" if place.endswith("地区") else place + "委"


def _place_en(division: _Division, by_code: dict[str, _Division]) -> str:
    """The English adjective for a division ("Harbin Municipal"), or "" when not romanised."""
    if division.level == "province":
        return "Heilongjiang Provincial"
    if division.level == "prefecture":
        city = division.name_en
        suffix = "Prefectural" if division.name.endswith("地区") else "Municipal"
        return f"{city} {suffix}" if city else ""
    county = division.name_en
    if county and division.name.endswith("区"):
        parent = by_code.get(division.parent_code)
        return f"{parent.name_en if parent else ''} {county}".strip()
    return county


def _en(template: str, place_en: str) -> str:
    return template.format(place_en) if place_en else ""


# ---------------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------------


def _unit(uid: str, name: str, kind: str, level: str, region: str, parent: str, name_en: str) -> Row:
    return {
        "id": uid,
        "name": name,
        "kind": kind,
        "level": level,
        "region_code": region,
        "parent_id": parent,
        "name_en": name_en,
    }


def _pick_missing_owc(divisions: Sequence[_Division], rng: random.Random) -> list[str]:
    """A few small remote counties without an organs work committee, so that some requirements
    have no counterpart at all (the contract keeps them expected and unmet)."""
    candidates = [
        d.code for d in divisions if d.level == "county" and _is_remote(d) and d.name.endswith("县")
    ]
    return sorted(rng.sample(candidates, rng.randint(3, 6)))


def _branch_count(level: str, rng: random.Random) -> int:
    if level == "provincial":
        return 6
    if level == "prefecture":
        return rng.randint(4, 6)
    return rng.randint(2, 4)


def _bureau_units(
    division: _Division, place: str, place_en: str, level: str, rng: random.Random
) -> tuple[list[Row], list[str]]:
    """The tax bureau, its party committee and branches: the rows, and the ids of the committee
    and branches (the rest of the bureau side)."""
    code = division.code
    parent_bureau = f"TB-{division.parent_code}" if division.parent_code else NATIONAL_BUREAU_ID
    bureau_name = f"国家税务总局{place}税务局"
    bureau_en = _en("{} Tax Bureau", place_en)
    rows = [
        _unit(f"TB-{code}", bureau_name, "tax_bureau", level, code, parent_bureau, bureau_en),
        _unit(
            f"BPC-{code}",
            f"中共{bureau_name}委员会",
            "bureau_party_committee",
            level,
            code,
            f"TB-{code}",
            _en("Party Committee of the {} Tax Bureau", place_en),
        ),
    ]
    pool = _COUNTY_BRANCHES if level == "county" else _UPPER_BRANCHES
    count = _branch_count(level, rng)
    chosen = [0, *sorted(rng.sample(range(1, len(pool)), count - 1))]  # the organs branch always
    for number, index in enumerate(chosen, start=1):
        zh, en = pool[index]
        rows.append(
            _unit(
                f"PB-{code}-{number:02d}",
                bureau_name + zh,
                "party_branch",
                level,
                code,
                f"BPC-{code}",
                f"{en}, {bureau_en}" if bureau_en else "",
            )
        )
    return rows, [row["id"] for row in rows if row["kind"] != "tax_bureau"]


def _local_units(division: _Division, place: str, place_en: str, level: str, has_owc: bool) -> list[Row]:
    """The local party committee and its departments (and party school) for one division."""
    code = division.code
    committee = _committee_zh(place)
    lpc = f"LPC-{code}"
    cpc_en = _en("CPC {} Committee", place_en)
    parent = f"LPC-{division.parent_code}" if division.parent_code else ""
    owc_zh = f"中共{committee}机关工委" if level == "county" else f"中共{place}直属机关工委"
    owc_en = (
        (
            f"Organs Work Committee of the {cpc_en}"
            if level == "county"
            else f"Work Committee for Organs Directly under the {cpc_en}"
        )
        if cpc_en
        else ""
    )
    departments = [
        (
            "ORG",
            f"中共{committee}组织部",
            "organization_department",
            f"Organization Department of the {cpc_en}",
        ),
        ("PROP", f"中共{committee}宣传部", "propaganda_department", f"Publicity Department of the {cpc_en}"),
        ("OWC", owc_zh, "organs_work_committee", owc_en),
        (
            "DISC",
            f"{place}纪委监委",
            "discipline_commission",
            _en("{} Discipline Inspection and Supervision Commission", place_en),
        ),
        ("SCH", f"中共{committee}党校", "party_school", f"Party School of the {cpc_en}"),
    ]
    rows = [_unit(lpc, f"中共{place}委员会", "local_party_committee", level, code, parent, cpc_en)]
    for prefix, name, kind, name_en in departments:
        if prefix == "OWC" and not has_owc:
            continue
        rows.append(_unit(f"{prefix}-{code}", name, kind, level, code, lpc, name_en if cpc_en else ""))
    return rows


def _build_units(divisions: Sequence[_Division], rng: random.Random) -> tuple[list[Row], list[_Bureau]]:
    """All units, in an order where every parent comes before its children, and the bureaus."""
    by_code = {d.code: d for d in divisions}
    missing_owc = _pick_missing_owc(divisions, rng)
    rows = [
        _unit(
            NATIONAL_BUREAU_ID,
            "国家税务总局",
            "tax_bureau",
            "national",
            "",
            "",
            "State Taxation Administration",
        )
    ]
    bureaus: list[_Bureau] = []
    for division in divisions:
        level = _LEVEL_OF[division.level]
        place, place_en = _place_zh(division, by_code), _place_en(division, by_code)
        bureau_rows, side_rest = _bureau_units(division, place, place_en, level, rng)
        local_rows = _local_units(division, place, place_en, level, division.code not in missing_owc)
        rows += bureau_rows + local_rows
        counterparts = {row["id"].split("-")[0].lower(): row["id"] for row in local_rows}
        bureaus.append(
            _Bureau(
                code=division.code,
                id=f"TB-{division.code}",
                level=level,
                side=[f"TB-{division.code}", *side_rest],
                counterparts=counterparts,
                subordinates=[d.code for d in divisions if d.parent_code == division.code],
                remote=_is_remote(division),
                activity=rng.uniform(0.6, 1.4),
            )
        )
    return rows, bureaus


def _region_rows(divisions: Sequence[_Division]) -> list[Row]:
    return [
        {"code": d.code, "name": d.name, "level": d.level, "parent_code": d.parent_code} for d in divisions
    ]


# ---------------------------------------------------------------------------------------------
# Which requirements are met
# ---------------------------------------------------------------------------------------------


def _requirements(bureau: _Bureau) -> list[tuple[str, str]]:
    """(rule, subordinate code) pairs expected of a bureau each year, as in contract section 2."""
    reqs = [(rule, "") for rule in STANDARD_RULES]
    if bureau.level in ("provincial", "prefecture"):
        reqs += [(COORDINATE, sub) for sub in bureau.subordinates]
    return reqs


def _met_probability(rule: str, bureau: _Bureau, year: int, by_code: dict[str, _Bureau], sub: str) -> float:
    """How likely a requirement is met: by rule, level, remoteness and year.

    The provincial bureau (the case study's author) keeps all its own channels and visits every
    city but a remote one now and then. Remoteness hurts county bureaus fully and remote city
    bureaus a little; for coordination it is the remoteness of the subordinate's region that counts.
    """
    if bureau.level == "provincial" and (rule != COORDINATE or not by_code[sub].remote):
        return 1.0
    p = base_probability(_BASE_P, _YEAR_SHIFT, rule, bureau.level, year)
    if rule == COORDINATE:
        remote, weight = by_code[sub].remote, (0.5 if bureau.level == "provincial" else 1.0)
    else:
        remote, weight = bureau.remote, (1.0 if bureau.level == "county" else 0.4)
    if remote:
        p -= _REMOTE_PENALTY[rule] * weight
    return min(max(p, 0.0), 1.0)


def _has_counterpart(rule: str, bureau: _Bureau) -> bool:
    key = LIAISON_RULES.get(rule)
    return key is None or key in bureau.counterparts


def _decide_met(bureaus: Sequence[_Bureau], rng: random.Random) -> dict[int, dict[_ReqKey, bool]]:
    """Per year, whether each requirement is met.

    One uniform draw per requirement is shared by all years (a bureau that keeps a channel tends
    to keep it), but a share of draws is renewed each year so that channels lapse and revive.
    """
    by_code = {b.code: b for b in bureaus}
    met: dict[int, dict[_ReqKey, bool]] = {year: {} for year in YEARS}
    for bureau in bureaus:
        for rule, sub in _requirements(bureau):
            for year, draw in churned_draws(rng, YEARS).items():
                p = _met_probability(rule, bureau, year, by_code, sub)
                met[year][(bureau.code, rule, sub)] = _has_counterpart(rule, bureau) and draw < p
    return met
