"""The bundled sample as a :class:`graph.model.Dataset`, without going through the loaders.

Why: the analysis tests need the sample in a store on both backends; converting the generator's
rows directly keeps these tests independent of the ledger readers (tested on their own).
"""

from __future__ import annotations

import datetime as dt

from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.synthetic.sample import build_sample


def sample_dataset(seed: int = 2020) -> Dataset:
    ledgers = build_sample(seed)
    vocab = vocabulary()
    regions = [Region(r["code"], r["name"], r["level"], r["parent_code"] or None) for r in ledgers.regions]
    units = [
        Unit(u["id"], u["name"], u["kind"], u["level"], u["region_code"] or None, u["parent_id"] or None,
             u["name_en"] or None)
        for u in ledgers.units
    ]  # fmt: skip
    links = []
    row_in_file: dict[str, int] = {}
    for r in ledgers.links:
        file = f"links_{r['date'][:4]}.csv"  # as write_sample splits them; header is row 1
        row_in_file[file] = row_in_file.get(file, 1) + 1
        links.append(Link(
            id=r["id"], kind=r["kind"], family=vocab.family_of(r["kind"]),
            date=dt.date.fromisoformat(r["date"]),
            source_id=r["source_id"], target_id=r["target_id"], count=int(r["count"] or 1),
            participants=int(r["participants"]) if r["participants"] else None, title=r["title"] or None,
            source_file=file, source_row=row_in_file[file],
        ))  # fmt: skip
    return Dataset(regions=regions, units=units, links=links)
