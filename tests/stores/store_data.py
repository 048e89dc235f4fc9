"""Datasets and a full snapshot of a store's answers, for the store contract tests."""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import replace
from typing import Any

from graph.model import Dataset, Link, Region, Unit
from graph.model.vocabulary import vocabulary
from graph.store import LinkQuery, Store, UnitQuery

D = dt.date


def neo4j_database() -> str:
    return os.environ.get("NEO4J_DATABASE") or "neo4j"


def clear_neo4j(driver: Any) -> None:
    """Empty the Neo4j test database (in batches; an auto-commit query)."""
    from graph.store.cypher import CLEAR_DATABASE

    with driver.session(database=neo4j_database()) as session:
        session.run(CLEAR_DATABASE).consume()


def small_dataset() -> Dataset:
    """A hand-built graph: a province, two prefectures, a county; 11 units; 10 links."""
    regions = [
        Region("230000", "黑龙江省", "province"),
        Region("230100", "哈尔滨市", "prefecture", "230000"),
        Region("230102", "道里区", "county", "230100"),
        Region("230200", "齐齐哈尔市", "prefecture", "230000"),
    ]
    units = [
        Unit("HLJ-TAX", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000",
             name_en="Heilongjiang Provincial Tax Service"),
        Unit("HLJ-TAX-PC", "国家税务总局黑龙江省税务局党委", "bureau_party_committee", "provincial",
             "230000", "HLJ-TAX"),
        Unit("HLJ-TAX-PB1", "机关第一党支部", "party_branch", "provincial", "230000", "HLJ-TAX-PC"),
        Unit("HEB-TAX", "国家税务总局哈尔滨市税务局", "tax_bureau", "prefecture", "230100", "HLJ-TAX",
             name_en="Harbin Municipal Tax Service"),
        Unit("DL-TAX", "国家税务总局哈尔滨市道里区税务局", "tax_bureau", "county", "230102", "HEB-TAX"),
        Unit("QQHR-TAX", "国家税务总局齐齐哈尔市税务局", "tax_bureau", "prefecture", "230200", "HLJ-TAX"),
        Unit("HLJ-PC", "中共黑龙江省委", "local_party_committee", "provincial", "230000"),
        Unit("HLJ-ORG", "中共黑龙江省委组织部", "organization_department", "provincial", "230000",
             "HLJ-PC", extra={"address": "哈尔滨市南岗区", "phone": "0451-0000"}),
        Unit("HEB-PC", "中共哈尔滨市委", "local_party_committee", "prefecture", "230100", "HLJ-PC",
             name_en="CPC Harbin Committee"),
        Unit("HEB-PROP", "中共哈尔滨市委宣传部", "propaganda_department", "prefecture", "230100", "HEB-PC"),
        Unit("DL-PC", "中共哈尔滨市道里区委", "local_party_committee", "county", "230102", "HEB-PC"),
    ]  # fmt: skip
    links = [
        Link("L1", "comprehensive_report", "reporting", D(2020, 3, 1), "HLJ-TAX-PC", "HLJ-PC",
             title="2019年工作报告"),
        Link("L2", "visit", "liaison", D(2020, 3, 1), "HLJ-TAX", "HLJ-ORG", 2, 5),
        Link("L3", "visit", "liaison", D(2020, 6, 15), "HLJ-ORG", "HLJ-TAX", 1, 3),
        Link("L4", "cadre_exchange", "exchange", D(2020, 6, 15), "HEB-TAX", "HEB-PC", 1, 0),
        Link("L5", "thematic_report", "reporting", D(2021, 1, 10), "HEB-TAX", "HEB-PC", 3),
        Link("L6", "visit", "liaison", D(2021, 1, 10), "HLJ-TAX", "HLJ-ORG", 1, 4),
        Link("L7", "joint_research", "liaison", D(2019, 12, 31), "DL-TAX", "DL-PC", 1, 7,
             "调研座谈", "links-2019.csv", 5),
        Link("L8", "coordination_visit", "liaison", D(2020, 3, 1), "HLJ-TAX", "HEB-PC", 1, 2),
        Link("L9", "visit", "liaison", D(2020, 11, 20), "HLJ-TAX", "HLJ-ORG"),
        Link("L10", "instruction", "reporting", D(2020, 3, 1), "HLJ-PC", "HLJ-TAX"),
    ]  # fmt: skip
    return Dataset(regions, units, links)


# ---------------------------------------------------------------------------------------------
# A larger, seeded random dataset (~50 units, ~2,000 links) and a second load that rewrites part


def generated_loads(seed: int = 20240601) -> tuple[Dataset, Dataset]:
    rnd = random.Random(seed)
    vocab = vocabulary()
    link_kinds = sorted(vocab.link_kinds)
    regions = [Region("230000", "黑龙江省", "province")]
    for p in range(1, 5):
        pref = f"23{p:02d}00"
        regions.append(Region(pref, f"地市{p}", "prefecture", "230000"))
        for c in range(2, 4):
            regions.append(Region(f"23{p:02d}{c:02d}", f"区县{p}-{c}", "county", pref))
    level_of = {"province": "provincial", "prefecture": "prefecture", "county": "county"}
    units: list[Unit] = []
    bureau_of: dict[str, str] = {}
    committee_of: dict[str, str] = {}
    for r in regions:
        level = level_of[r.level]
        tax = f"T{r.code}"
        parent_tax = bureau_of.get(r.parent_code or "")
        units.append(
            Unit(
                tax,
                f"税务局{r.name}",
                "tax_bureau",
                level,
                r.code,
                parent_tax,
                name_en=f"Tax Service {r.code}" if rnd.random() < 0.5 else None,
            )
        )
        bureau_of[r.code] = tax
        units.append(Unit(f"P{r.code}", f"税务局党委{r.name}", "bureau_party_committee", level, r.code, tax))
        lpc = f"C{r.code}"
        units.append(
            Unit(
                lpc,
                f"中共{r.name}委员会",
                "local_party_committee",
                level,
                r.code,
                committee_of.get(r.parent_code or ""),
                name_en=f"CPC {r.code}",
            )
        )
        committee_of[r.code] = lpc
        if r.level != "county":
            units.append(Unit(f"B{r.code}", f"党支部{r.name}", "party_branch", level, r.code, f"P{r.code}"))
            dept = rnd.choice(["organization_department", "propaganda_department", "party_school"])
            units.append(
                Unit(
                    f"D{r.code}",
                    f"{r.name}{dept}",
                    dept,
                    level,
                    r.code,
                    lpc,
                    extra={"seq": str(rnd.randint(1, 99))} if rnd.random() < 0.5 else {},
                )
            )
    unit_ids = [u.id for u in units]

    def random_link(i: int, prefix: str = "G") -> Link:
        kind = rnd.choice(link_kinds)
        source, target = rnd.choice(unit_ids), rnd.choice(unit_ids)
        if rnd.random() < 0.01:
            target = source  # a few self-loops
        return Link(
            f"{prefix}{i:05d}", kind, vocab.family_of(kind),
            D(2018, 1, 1) + dt.timedelta(days=rnd.randrange(5 * 365)),
            source, target, rnd.randint(1, 3),
            None if rnd.random() < 0.3 else rnd.randint(0, 20),
            rnd.choice([None, "座谈", "报告", "Visit"]),
            rnd.choice([None, "a.csv", "b.xlsx"]), rnd.choice([None, rnd.randint(2, 500)]),
        )  # fmt: skip

    links = [random_link(i) for i in range(2000)]
    first = Dataset(regions, units, links)

    # second load: rewrite some links (new ends, kind, participants), move and re-kind some
    # units, add new links, and repeat an id within the load (the last row wins)
    rewritten = []
    for lk in rnd.sample(links, 200):
        new = random_link(0)
        rewritten.append(replace(new, id=lk.id) if rnd.random() < 0.5 else replace(lk, participants=None))
    moved = []
    for u in rnd.sample([u for u in units if u.parent_id], 5):
        moved.append(replace(u, parent_id=rnd.choice(unit_ids), kind="party_school", extra={"moved": "yes"}))
    fresh = [random_link(i, "H") for i in range(300)]
    dup = [replace(fresh[0], count=9), replace(fresh[1], participants=None)]
    second = Dataset([replace(regions[-1], name="改名区县")], moved, [*rewritten, *fresh, *dup])
    return first, second


# ---------------------------------------------------------------------------------------------
# Everything a store answers about a dataset, in a comparable form (dict order included)


def unit_queries(units: list[Unit], regions: list[Region]) -> list[UnitQuery]:
    kinds = sorted({u.kind for u in units})
    levels = sorted({u.level for u in units})
    queries = [UnitQuery()]
    queries += [UnitQuery(kind=k) for k in kinds]
    queries += [UnitQuery(level=lv) for lv in levels]
    queries += [UnitQuery(region_code=r.code) for r in regions] + [UnitQuery(region_code="999999")]
    queries += [UnitQuery(name_contains=n) for n in ("税务", "TAX", "cpc 23", "省委", "", "nothing-like-it")]
    queries += [UnitQuery(kind="tax_bureau", region_code=regions[1].code if len(regions) > 1 else None)]
    queries += [UnitQuery(kind="local_party_committee", level="county", name_contains="cpc")]
    return queries


def link_queries(units: list[Unit], years: list[int]) -> list[LinkQuery]:
    queries = [LinkQuery()]
    queries += [LinkQuery(unit_id=u.id) for u in units] + [LinkQuery(unit_id="nobody")]
    queries += [LinkQuery(year=y) for y in [*years, 1999]]
    queries += [LinkQuery(family=f) for f in vocabulary().families]
    queries += [LinkQuery(kind="visit"), LinkQuery(kind="instruction", year=years[0] if years else None)]
    ids = [u.id for u in units]
    for a, b in zip(ids, ids[1:] + ids[:1], strict=True):
        queries.append(LinkQuery(unit_id=a, other_id=b))
    queries += [LinkQuery(unit_id=ids[0], other_id=ids[0])]
    queries += [LinkQuery(unit_id=ids[0], family="liaison", year=y) for y in years]
    return queries


def snapshot(store: Store, dataset: Dataset, pages: bool = True) -> dict[str, Any]:
    """Every method's answer for the ids, codes, kinds and years in ``dataset``."""
    vocab = vocabulary()
    unit_ids = sorted({u.id for u in dataset.units}) + ["nobody"]
    codes = sorted({r.code for r in dataset.regions}) + ["999999"]
    link_ids = sorted({lk.id for lk in dataset.links}) + ["no-link"]
    years = store.years()
    kinds = sorted(vocab.unit_kinds)
    out: dict[str, Any] = {
        "count_units": store.count_units(),
        "regions": store.regions(),
        "units_of_kinds": store.units_of_kinds(kinds),
        "units_of_some_kinds": store.units_of_kinds(["tax_bureau", "party_school", "nope"]),
        "get_units": list(store.get_units(unit_ids).items()),
        "get_units_reversed": list(store.get_units(reversed(unit_ids)).items()),
        "get_regions": list(store.get_regions(codes).items()),
        "get_links": list(store.get_links(link_ids).items()),
        "children": list(store.children(unit_ids).items()),
        "neighbours": list(store.neighbours(unit_ids).items()),
        "years": years,
        "link_totals": {y: store.link_totals(y) for y in [*years, 1999]},
        "pair_counts": store.pair_counts(years),
        "pair_counts_some": store.pair_counts(years[-2:], ["visit", "thematic_report", "secondment"]),
        "pair_counts_no_kinds": store.pair_counts(years, []),
    }
    units = [u for u in store.units_of_kinds(kinds)]
    for i, q in enumerate(unit_queries(units, store.regions())):
        out[f"find_units {i} {q}"] = store.find_units(q)
        if pages:
            out[f"find_units {i} page"] = [store.find_units(q, 3, 4), store.find_units(q, 1)]
    for i, q in enumerate(link_queries(units, years)):
        out[f"find_links {i} {q}"] = store.find_links(q)
        if pages:
            out[f"find_links {i} page"] = [store.find_links(q, 5, 7), store.find_links(q, 0, 1)]
    return out
