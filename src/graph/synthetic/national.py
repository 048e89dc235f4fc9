"""A seeded, national-scale synthetic dataset for benchmarks: 36 provincial-level tax systems.

At ``scale=1.0`` it holds about 36 provincial, 500 prefecture and 3,000 county bureaus (each with
its bureau party committee, party branches, the local party committee of its region and that
committee's five departments: about 40,000 units) and about 1,000,000 links dated 2019 to 2023.
``scale`` multiplies the number of bureaus and of links, so the links per bureau stay the same:
``scale=0.05`` gives about 180 bureaus and 50,000 links.

Nothing here is real data. Region codes are well formed (six digits, GB/T 2260 layout) but the
divisions are invented: provincial-level regions use the 31 real provincial prefixes (110000 …
650000) plus five made-up ones (660000 … 700000) standing for the five separately planned cities
whose tax bureaus are provincial-level; prefectures are ``PP0100``, ``PP0200`` … and counties
``PPCC01``, ``PPCC02`` … below them. Unit ids follow :mod:`graph.synthetic.sample`'s scheme (``TB-<code>``,
``BPC-<code>``, ``PB-<code>-NN``, ``LPC-<code>``, ``ORG``/``PROP``/``OWC``/``DISC``/``SCH-<code>``,
and ``TB-000000`` for the State Taxation Administration). Link ids are ``L<year>-NNNNNNN``.

Like the sample, the generator first decides per bureau, rule and year whether each coverage
requirement (contract section 2) is met, then writes links only on met channels, so the gaps are
deliberate: propaganda and cadre work are thinner, remote prefectures weaker, a few county
committees have no organs work committee at all, and channels lapse and revive between years.

Deterministic: one ``random.Random(seed)``; the same (scale, seed) gives the same dataset. Built
for speed (a million links in a few seconds): dates, titles and ids come from precomputed pools and
the per-link work is a handful of ``random()`` calls.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Dataset, Link, Region, Unit
from ..model.vocabulary import vocabulary
from .core import (
    CADRE,
    COORDINATE,
    LEVEL_WEIGHT,
    LIAISON_RULES,
    LINK_COLUMNS,
    NATIONAL_BUREAU_ID,
    REGION_COLUMNS,
    REPORT,
    UNIT_COLUMNS,
    allocate,
    base_probability,
    churned_draws,
    data,
    is_working_day,
    write_csv,
)

__all__ = [
    "NATIONAL_BUREAU_ID",
    "YEARS",
    "LINKS_PER_YEAR",
    "MAX_SCALE",
    "build_national",
    "build_structure",
    "decide_met",
    "write_national",
    "write_dataset_csv",
]

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023)
#: links per year at scale 1.0 (they sum to 1,000,000 over the five years)
_DATA = data("national.yaml")  # figures and name tables: data/national.yaml
LINKS_PER_YEAR: dict[int, int] = _DATA["links_per_year"]
PREFECTURES_AT_1 = 500
COUNTIES_AT_1 = 3_000
#: two-digit prefecture and county numbers allow 99 per parent: 36 × 99 prefectures at most
MAX_SCALE = 7.0

# The 31 provincial-level divisions (real prefixes and names) and five invented provincial-level
# codes for the separately planned cities (计划单列市), whose tax bureaus rank as provincial.
_PROVINCES: tuple[tuple[str, str], ...] = _DATA["provinces"]
_PLANNED_CITIES = frozenset(_DATA["planned_cities"])
_SYLLABLES: str = _DATA["syllables"]

# Requirement probabilities (contract section 2 rules), as in graph.synthetic.sample but national.
_LIAISON_RULES: dict[str, str] = {rule: key.upper() for rule, key in LIAISON_RULES.items()}  # -> id prefix
_BASE_P: dict[str, float] = _DATA["base_p"]
_REMOTE_PENALTY = 0.2
_YEAR_SHIFT: dict[int, float] = _DATA["year_shift"]
_REMOTE_SHARE = 0.15  # prefectures (and their counties) where contact is thinner
_MISSING_OWC_SHARE = 0.02  # county committees without an organs work committee

_TITLES: dict[str, tuple[str, ...]] = _DATA["titles"]
# (low, high) people on one row, for kinds that record participants
_PARTICIPANTS: dict[str, tuple[int, int]] = _DATA["participants"]

# Channel templates: (counterpart key, kind, direction, weight). Direction "out" is bureau side →
# counterpart, "in" the reverse, "either" a coin toss. The condition under which a template is
# used is the key before the colon: always, a met rule, or a met liaison channel.
_ALWAYS = (
    ("LPC", "meeting_attendance", "in", 0.5),
    ("LPC", "information_exchange", "either", 0.4),
)
_IF_REPORT = (
    ("LPC", "thematic_report", "out", 1.4),
    ("LPC", "ad_hoc_report", "out", 0.8),
    ("LPC", "instruction", "in", 0.3),
)
_IF_LIAISON = (
    ("visit", "out", 1.6),
    ("meeting_attendance", "in", 0.5),
    ("information_exchange", "either", 0.5),
)
_IF_LIAISON_EXTRA: dict[str, tuple[tuple[str, str, float], ...]] = {
    "ORG": (("plan_consultation", "out", 0.25),),
    "PROP": (("plan_consultation", "out", 0.25),),
    "OWC": (("plan_consultation", "out", 0.25), ("joint_research", "either", 0.05)),
    "DISC": (("joint_supervision", "either", 0.5),),
}
_IF_CADRE = (
    ("SCH", "party_school_training", "out", 0.9),
    ("SCH", "joint_training", "either", 0.25),
    ("ORG", "joint_training", "either", 0.1),
    ("ORG", "secondment", "out", 0.1),
    ("ORG", "recommendation", "out", 0.2),
    ("ORG", "cadre_exchange", "either", 0.1),
)
_COORDINATION_WEIGHT = 0.5  # per met subordinate


@dataclass
class _Bureau:
    code: str
    level: str  # provincial | prefecture | county
    side: list[str]  # TB, BPC, PB-…
    has_owc: bool
    remote: bool
    activity: float
    subordinates: list[str] = field(default_factory=list)  # division codes


def _place_name(rng: random.Random, suffix: str) -> str:
    n = len(_SYLLABLES)
    return _SYLLABLES[rng.randrange(n)] + _SYLLABLES[rng.randrange(n)] + suffix


def _working_days(year: int) -> list[dt.date]:
    day, end, out = dt.date(year, 1, 1), dt.date(year + 1, 1, 1), []
    while day < end:
        if is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def build_structure(scale: float, rng: random.Random) -> tuple[list[Region], list[Unit], list[_Bureau]]:
    """Regions, units and bureaus (parents always before children): the first draws of
    :func:`build_national` with the same ``rng``."""
    n_prov = max(1, min(len(_PROVINCES), round(len(_PROVINCES) * scale)))
    provinces = _PROVINCES[:n_prov]
    n_pref = max(n_prov, round(PREFECTURES_AT_1 * scale))
    n_cty = max(n_pref, round(COUNTIES_AT_1 * scale))
    prov_weights = [0.25 if p in _PLANNED_CITIES else rng.uniform(0.5, 1.5) for p, _ in provinces]
    prefs_per_prov = allocate(n_pref, prov_weights, rng, 1, 99)
    pref_weights = [rng.uniform(0.5, 1.5) for _ in range(n_pref)]
    ctys_per_pref = allocate(n_cty, pref_weights, rng, 1, 99)

    regions: list[Region] = []
    units: list[Unit] = [
        Unit(NATIONAL_BUREAU_ID, "国家税务总局", "tax_bureau", "national", None, None,
             "State Taxation Administration")
    ]  # fmt: skip
    bureaus: list[_Bureau] = []

    def add_division(code: str, name: str, level: str, parent_code: str | None, remote: bool) -> _Bureau:
        region_level = {"provincial": "province"}.get(level, level)
        regions.append(Region(code, name, region_level, parent_code))
        bureau_name = f"国家税务总局{name}税务局"
        tb, bpc, lpc = f"TB-{code}", f"BPC-{code}", f"LPC-{code}"
        parent_tb = f"TB-{parent_code}" if parent_code else NATIONAL_BUREAU_ID
        units.append(Unit(tb, bureau_name, "tax_bureau", level, code, parent_tb, f"Tax Bureau {code}"))
        units.append(Unit(bpc, f"中共{bureau_name}委员会", "bureau_party_committee", level, code, tb))
        n_branches = (
            6 if level == "provincial" else rng.randint(4, 6) if level == "prefecture" else rng.randint(2, 4)
        )
        side = [tb, bpc]
        for i in range(1, n_branches + 1):
            pb = f"PB-{code}-{i:02d}"
            units.append(Unit(pb, f"{bureau_name}第{i}党支部", "party_branch", level, code, bpc))
            side.append(pb)
        committee = f"中共{name}委员会"
        parent_lpc = f"LPC-{parent_code}" if parent_code else None
        units.append(Unit(lpc, committee, "local_party_committee", level, code, parent_lpc))
        has_owc = level != "county" or rng.random() >= _MISSING_OWC_SHARE
        for prefix, dept, kind in (
            ("ORG", "组织部", "organization_department"),
            ("PROP", "宣传部", "propaganda_department"),
            ("OWC", "机关工委", "organs_work_committee"),
            ("DISC", "纪委监委", "discipline_commission"),
            ("SCH", "党校", "party_school"),
        ):
            if prefix == "OWC" and not has_owc:
                continue
            units.append(Unit(f"{prefix}-{code}", f"中共{name}委{dept}", kind, level, code, lpc))
        bureau = _Bureau(code, level, side, has_owc, remote, rng.uniform(0.6, 1.4))
        bureaus.append(bureau)
        return bureau

    pref_index = 0
    for (prefix, prov_name), n_p in zip(provinces, prefs_per_prov, strict=True):
        prov = add_division(f"{prefix}0000", prov_name, "provincial", None, False)
        for p in range(1, n_p + 1):
            pcode = f"{prefix}{p:02d}00"
            remote = rng.random() < _REMOTE_SHARE
            pref = add_division(pcode, _place_name(rng, "市"), "prefecture", prov.code, remote)
            prov.subordinates.append(pcode)
            for c in range(1, ctys_per_pref[pref_index] + 1):
                ccode = f"{prefix}{p:02d}{c:02d}"
                suffix = "区" if c <= 2 else "县"
                add_division(ccode, _place_name(rng, suffix), "county", pcode, remote)
                pref.subordinates.append(ccode)
            pref_index += 1
    return regions, units, bureaus


def _met_probability(rule: str, bureau: _Bureau, year: int, sub_remote: bool) -> float:
    p = base_probability(_BASE_P, _YEAR_SHIFT, rule, bureau.level, year)
    remote = sub_remote if rule == COORDINATE else bureau.remote
    if remote:
        p -= _REMOTE_PENALTY * (0.2 if rule == REPORT else 1.0)
    return min(max(p, 0.0), 1.0)


def decide_met(bureaus: Sequence[_Bureau], rng: random.Random) -> dict[int, dict[str, set[str]]]:
    """Per year and bureau code, the met requirement keys: rule ids, or ``COORDINATE:<sub code>``
    (the draws :func:`build_national` makes after :func:`build_structure`)."""
    remote = {b.code: b.remote for b in bureaus}
    met: dict[int, dict[str, set[str]]] = {y: {} for y in YEARS}
    for b in bureaus:
        reqs = [(r, "") for r in (REPORT, *_LIAISON_RULES, CADRE)]
        if b.level != "county":
            reqs += [(COORDINATE, sub) for sub in b.subordinates]
        per_year: dict[int, set[str]] = {y: set() for y in YEARS}
        for rule, sub in reqs:
            if rule == "liaison_organs_work_committee" and not b.has_owc:
                continue
            for year, draw in churned_draws(rng, YEARS).items():
                if draw < _met_probability(rule, b, year, remote.get(sub, False)):
                    per_year[year].add(f"{COORDINATE}:{sub}" if sub else rule)
        for year in YEARS:
            met[year][b.code] = per_year[year]
    return met


def _templates(b: _Bureau, met: set[str]) -> list[tuple[str, str, str, float]]:
    """(counterpart id, kind, direction, weight) of the channels a bureau may use this year."""
    code = b.code
    out = [(f"{key}-{code}", kind, d, w) for key, kind, d, w in _ALWAYS]
    if REPORT in met:
        out += [(f"{key}-{code}", kind, d, w) for key, kind, d, w in _IF_REPORT]
    for rule, key in _LIAISON_RULES.items():
        if rule in met:
            cp = f"{key}-{code}"
            out += [(cp, kind, d, w) for kind, d, w in _IF_LIAISON + _IF_LIAISON_EXTRA[key]]
    if CADRE in met:
        out += [(f"{key}-{code}", kind, d, w) for key, kind, d, w in _IF_CADRE]
    for sub in b.subordinates:
        if f"{COORDINATE}:{sub}" in met:
            out.append((f"LPC-{sub}", "coordination_visit", "out", _COORDINATION_WEIGHT))
    return out


def _guaranteed(b: _Bureau, met: set[str]) -> list[tuple[str, str, str, float]]:
    """One event on the primary kind of every met channel, so that met means met."""
    code = b.code
    out = []
    if REPORT in met:
        out.append((f"LPC-{code}", "comprehensive_report", "out", 0.0))
    for rule, key in _LIAISON_RULES.items():
        if rule in met:
            out.append((f"{key}-{code}", "visit", "out", 0.0))
    if CADRE in met:
        out.append((f"SCH-{code}", "party_school_training", "out", 0.0))
    for sub in b.subordinates:
        if f"{COORDINATE}:{sub}" in met:
            out.append((f"LPC-{sub}", "coordination_visit", "out", 0.0))
    return out


def iter_links(bureaus: Sequence[_Bureau], scale: float, rng: random.Random) -> Iterator[Link]:
    """The links year by year, in id order, one at a time: ``sample --national`` writes a million
    of them without holding them (the order of the draws is the dataset, so it never changes)."""
    met = decide_met(bureaus, rng)
    family_of = vocabulary().family_of
    weights = [LEVEL_WEIGHT[b.level] * b.activity * (0.75 if b.remote else 1.0) for b in bureaus]
    total_weight = sum(weights)
    random_ = rng.random
    randrange = rng.randrange
    choices = rng.choices
    for year in YEARS:
        days = _working_days(year)
        n_days = len(days)
        late = [d for d in days if d.month >= 11]
        per_weight = LINKS_PER_YEAR[year] * scale / total_weight
        seq = 0
        for b, w in zip(bureaus, weights, strict=True):
            b_met = met[year][b.code]
            expected = per_weight * w
            n = int(expected) + (random_() < expected - int(expected))
            guaranteed = _guaranteed(b, b_met)
            templates = _templates(b, b_met)
            rest = n - len(guaranteed)
            picks = guaranteed
            if rest > 0:
                picks = guaranteed + choices(templates, weights=[t[3] for t in templates], k=rest)
            side = b.side
            n_branch = len(side) - 2
            for cp, kind, direction, _ in picks:
                r = random_()
                ours = side[0] if r < 0.5 else side[1] if r < 0.85 else side[2 + randrange(n_branch)]
                if direction == "in" or (direction == "either" and random_() < 0.5):
                    source, target = cp, ours
                else:
                    source, target = ours, cp
                date = (
                    late[randrange(len(late))] if kind == "comprehensive_report" else days[randrange(n_days)]
                )
                count = 1 if random_() < 0.85 else 2 + randrange(4)
                people = _PARTICIPANTS.get(kind)
                participants = None
                if people is not None:
                    participants, count = people[0] + randrange(people[1] - people[0] + 1), 1
                titles = _TITLES[kind]
                seq += 1
                yield Link(
                    f"L{year}-{seq:07d}", kind, family_of(kind), date, source, target, count,
                    participants, titles[randrange(len(titles))],
                )  # fmt: skip


def _start(scale: float, seed: int) -> tuple[list[Region], list[Unit], Iterator[Link]]:
    if not (scale > 0 and math.isfinite(scale)) or scale > MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE}], got {scale}")
    rng = random.Random(seed)
    regions, units, bureaus = build_structure(scale, rng)
    return regions, units, iter_links(bureaus, scale, rng)


def build_national(scale: float = 1.0, seed: int = 1) -> Dataset:
    """The national dataset at ``scale`` (0 < scale ≤ :data:`MAX_SCALE`), deterministic in seed."""
    regions, units, links = _start(scale, seed)
    return Dataset(regions=regions, units=units, links=list(links))


def write_dataset_csv(dataset: Dataset, out_dir: Path) -> list[Path]:
    """Write a dataset as ledger CSVs (``regions.csv``, ``units.csv``, ``links_<year>.csv``)."""
    by_year: dict[int, list[Link]] = {}
    for lk in dataset.links:
        by_year.setdefault(lk.date.year, []).append(lk)
    return _write_ledgers(out_dir, dataset.regions, dataset.units, (by_year[y] for y in sorted(by_year)))


def _write_ledgers(
    out_dir: Path, regions: Sequence[Region], units: Sequence[Unit], years: Iterable[Iterable[Link]]
) -> list[Path]:
    """``years``: each year's links in the order they are written, one ``links_<year>.csv`` each."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "regions.csv", out_dir / "units.csv"]
    write_csv(paths[0], REGION_COLUMNS, ((r.code, r.name, r.level, r.parent_code or "") for r in regions))
    write_csv(
        paths[1],
        UNIT_COLUMNS,
        (
            (u.id, u.name, u.kind, u.level, u.region_code or "", u.parent_id or "", u.name_en or "")
            for u in units
        ),
    )
    for links in years:
        rows = iter(links)
        first = next(rows, None)
        if first is None:
            continue
        path = out_dir / f"links_{first.date.year}.csv"
        write_csv(
            path,
            LINK_COLUMNS,
            (
                (lk.id, lk.date.isoformat(), lk.kind, lk.source_id, lk.target_id, lk.count,
                 "" if lk.participants is None else lk.participants, lk.title or "")
                for lk in itertools.chain((first,), rows)
            ),
        )  # fmt: skip
        paths.append(path)
    return paths


def write_national(out_dir: Path, scale: float = 1.0, seed: int = 1) -> list[Path]:
    """Write the national dataset as ledger CSVs, streamed: only the structure (a few thousand
    units) is held, the links go to the files as they are drawn. Returns the paths written."""
    regions, units, links = _start(scale, seed)
    years = (group for _, group in itertools.groupby(links, key=lambda lk: lk.date.year))
    return _write_ledgers(out_dir, regions, units, years)
