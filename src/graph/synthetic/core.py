"""What the two generators share: the coverage rules they decide, how a requirement's draw churns
across years, splitting totals, working days, the ledger columns, and their data files.

The Heilongjiang sample (:mod:`graph.synthetic.sample`) and the national generator
(:mod:`graph.synthetic.national`) are both seeded from one ``random.Random``; everything here takes
that generator and draws in a fixed order, so the same seed gives the same ledgers.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "DATA_DIR",
    "data",
    "REPORT",
    "CADRE",
    "COORDINATE",
    "LIAISON_RULES",
    "STANDARD_RULES",
    "LEVEL_WEIGHT",
    "UPPER_BONUS",
    "CHURN",
    "NATIONAL_BUREAU_ID",
    "REGION_COLUMNS",
    "UNIT_COLUMNS",
    "LINK_COLUMNS",
    "allocate",
    "is_working_day",
    "churned_draws",
    "base_probability",
    "write_csv",
]

#: the package data files: name tables and figures (``heilongjiang.yaml``, ``national.yaml``,
#: ``heilongjiang_divisions.csv``)
DATA_DIR = Path(__file__).resolve().parent / "data"

# The coverage rules of contract section 2 that the generators decide, and the counterpart key of
# each liaison rule (lpc/org/prop/owc/disc/sch name a bureau's local counterparts).
REPORT = "report_to_local_committee"
CADRE = "cadre_work_with_locality"
COORDINATE = "coordinate_lower_localities"
LIAISON_RULES: dict[str, str] = {  # rule -> counterpart key
    "liaison_organization_department": "org",
    "liaison_propaganda_department": "prop",
    "liaison_organs_work_committee": "owc",
    "liaison_discipline_commission": "disc",
}
STANDARD_RULES: tuple[str, ...] = (REPORT, *LIAISON_RULES, CADRE)

LEVEL_WEIGHT: dict[str, float] = {"provincial": 6.0, "prefecture": 3.0, "county": 1.0}
UPPER_BONUS = 0.05  # city bureaus are better staffed than county ones; the province visits most
CHURN = 0.3  # share of requirements redrawn each year, so channels lapse and revive

NATIONAL_BUREAU_ID = "TB-000000"
REGION_COLUMNS: tuple[str, ...] = ("code", "name", "level", "parent_code")
UNIT_COLUMNS: tuple[str, ...] = ("id", "name", "kind", "level", "region_code", "parent_id", "name_en")
LINK_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "kind",
    "source_id",
    "target_id",
    "count",
    "participants",
    "title",
)


def _frozen(value: Any) -> Any:
    """YAML lists as tuples (pools are concatenated and shared), mappings kept in file order."""
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


@functools.cache
def data(name: str) -> dict[str, Any]:
    """A data file of the generators (``heilongjiang.yaml``, ``national.yaml``), read once."""
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = _frozen(yaml.safe_load(handle))
    return loaded


def allocate(
    total: int, weights: Sequence[float], rng: random.Random, minimum: int = 0, cap: int | None = None
) -> list[int]:
    """Split ``total`` into ``len(weights)`` integers, each at least ``minimum`` (and at most ``cap``),
    the rest drawn in proportion to the weights. Without a cap the parts always sum to ``total``.

    >>> allocate(10, [1.0, 1.0, 2.0], random.Random(1), minimum=1)
    [2, 4, 4]
    """
    parts = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest < 0 and cap is None:
        raise ValueError(f"cannot give {minimum} each to {len(weights)} slots out of {total}")
    if rest > 0 and not weights:
        raise ValueError(f"nowhere to put {total}")
    while rest > 0:
        for index in rng.choices(range(len(weights)), weights=weights, k=rest):
            if cap is None or parts[index] < cap:
                parts[index] += 1
                rest -= 1
        if cap is not None:
            weights = [w if p < cap else 0.0 for w, p in zip(weights, parts, strict=True)]
    return parts


def is_working_day(day: dt.date) -> bool:
    """Weekdays outside New Year's Day and the National Day week (the fixed-date holidays)."""
    holiday = (day.month, day.day) == (1, 1) or (day.month == 10 and day.day <= 7)
    return day.weekday() < 5 and not holiday


def churned_draws(rng: random.Random, years: Iterable[int]) -> dict[int, float]:
    """One uniform draw per year for one requirement: a draw shared by all years (a bureau that
    keeps a channel tends to keep it), renewed in a :data:`CHURN` share of years so that
    channels lapse and revive. A requirement is met in a year when its draw is below its
    probability."""
    base = rng.random()
    return {year: rng.random() if rng.random() < CHURN else base for year in years}


def base_probability(
    base_p: Mapping[str, float], year_shift: Mapping[int, float], rule: str, level: str, year: int
) -> float:
    """A rule's chance by year (reporting is routine: a third of the shift) and level (bureaus
    above the county better staffed); each generator then subtracts its remoteness penalty."""
    p = base_p[rule] + year_shift[year] * (0.3 if rule == REPORT else 1.0)
    if level != "county":
        p += UPPER_BONUS
    return p


def write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One ledger file: a header of ``columns``, then ``rows`` in that order (UTF-8, ``\\n``)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
