"""The bundled sample dataset: the Heilongjiang tax system as seeded ledgers for 2019 to 2021.

The case study behind the project (``seed/000_…``, Heilongjiang Provincial Tax Bureau, 2021)
publishes totals for 2020 but no ledger. This module invents a ledger that is consistent with
those totals, so that users can try every command on data that looks like theirs:

* every unit sits on a real division of Heilongjiang (``data/heilongjiang_divisions.csv``);
  the figures, probabilities and name tables are data too (``data/heilongjiang.yaml``);
* the 2020 links add up *exactly* to the published figures (651 reports, 996 visits, …);
* coverage is high but not perfect, with gaps where real ones would be: remote forest and
  border prefectures, propaganda and cadre work thinner than reporting;
* 2019 is a little weaker and 2021 a little stronger, with some channels alive in one year and
  lapsed in the next, so trends and lapsed contacts can be seen.

The technique: first decide, per year, which coverage requirements (contract section 2) are
met, drawing with probabilities that depend on the rule, the level and remoteness; then spread
each exact total over the channels that are met, every met channel getting at least one event of
its primary kind. Nothing is ever written on a channel that was decided to be a gap.

A single ``random.Random(seed)``: the same seed gives byte-identical
files. Unit ids follow one scheme (``TB-230100``, ``BPC-230100``, ``PB-230100-01``,
``LPC-230100``, ``ORG-``/``PROP-``/``OWC-``/``DISC-``/``SCH-230100``) that docs and tests may
rely on.

Modules: :mod:`.sample_units` (divisions, units, which requirements are met),
:mod:`.sample_links` (one year of links), :mod:`.core` (shared with the national generator).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .core import LINK_COLUMNS, NATIONAL_BUREAU_ID, REGION_COLUMNS, UNIT_COLUMNS, write_csv
from .sample_links import _Year, _year_links
from .sample_units import (
    _TOTALS,
    CASE_STUDY_2020,
    REMOTE_PREFECTURES,
    YEARS,
    Row,
    _build_units,
    _decide_met,
    _read_divisions,
    _region_rows,
)

__all__ = [
    "CASE_STUDY_2020",
    "LINK_COLUMNS",
    "NATIONAL_BUREAU_ID",
    "REGION_COLUMNS",
    "REMOTE_PREFECTURES",
    "SampleLedgers",
    "UNIT_COLUMNS",
    "YEARS",
    "build_sample",
    "write_sample",
]


@dataclass
class SampleLedgers:
    """The three ledgers as rows of strings keyed by the contract's column names."""

    regions: list[Row] = field(default_factory=list)
    units: list[Row] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)

    def links_for_year(self, year: int) -> list[Row]:
        """The link rows dated in ``year`` (one ``links_<year>.csv`` file)."""
        prefix = f"{year}-"
        return [row for row in self.links if row["date"].startswith(prefix)]


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def build_sample(seed: int = 2020) -> SampleLedgers:
    """Build the sample ledgers in memory. The same seed always gives the same rows."""
    rng = random.Random(seed)
    divisions = _read_divisions()
    units, bureaus = _build_units(divisions, rng)
    names = {row["id"]: row["name"] for row in units}
    met = _decide_met(bureaus, rng)
    links: list[Row] = []
    for year in YEARS:
        links += _year_links(_Year(year, rng, bureaus, met[year], names), _TOTALS[year])
    return SampleLedgers(regions=_region_rows(divisions), units=units, links=links)


def write_sample(out_dir: Path, seed: int = 2020) -> list[Path]:
    """Write ``regions.csv``, ``units.csv`` and ``links_<year>.csv`` into ``out_dir`` (created if
    needed) and return their paths in that order. Existing files of those names are replaced."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sample = build_sample(seed)
    files: list[tuple[str, Sequence[str], Sequence[Row]]] = [
        ("regions.csv", REGION_COLUMNS, sample.regions),
        ("units.csv", UNIT_COLUMNS, sample.units),
    ]
    files += [(f"links_{year}.csv", LINK_COLUMNS, sample.links_for_year(year)) for year in YEARS]
    paths = []
    for name, columns, rows in files:
        path = out_dir / name
        write_csv(path, columns, ([row.get(c, "") for c in columns] for row in rows))
        paths.append(path)
    return paths
