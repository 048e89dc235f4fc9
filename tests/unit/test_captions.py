"""Short captions (graph.model.captions): shorter than the name, never empty, and still telling apart the
units that appear together in a prefecture's part of the graph."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

from graph.model.captions import caption
from graph.synthetic.sample import build_sample

NAMES = st.text(alphabet=st.sampled_from("中共国家税务总局哈尔滨市道里区委员会党支部宣传 x"), max_size=30)


@given(NAMES, st.none() | NAMES)
def test_never_longer_never_empty(name: str, enclosing: str | None) -> None:
    short = caption(name, enclosing)
    assert len(short) <= max(len(name.strip()), len(name))
    assert short or not name


def test_unusual_names_are_kept() -> None:
    assert caption("Harbin Tax Office", "Heilongjiang") == "Harbin Tax Office"
    assert caption("委员会") == "委员会"
    assert caption("中共") == "中共"
    # the place is only dropped when something is left after it
    assert caption("哈尔滨市委", "哈尔滨市") == "哈尔滨市委"


def test_sample_captions_tell_apart_the_units_of_a_prefecture() -> None:
    ledgers = build_sample()
    regions = {r["code"]: r for r in ledgers.regions}
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for unit in ledgers.units:
        region = regions.get(unit["region_code"])
        enclosing = regions.get(region["parent_code"]) if region and region["parent_code"] else None
        short = caption(unit["name"], enclosing["name"] if enclosing else None)
        if unit["name"].startswith(("中共", "国家税务总局")) and unit["name"] != "国家税务总局":
            assert len(short) < len(unit["name"]), unit["name"]
        prefecture = unit["region_code"][:4] if unit["region_code"] else ""
        groups[prefecture][short].append(unit["name"])
    clashes = {p: {c: n for c, n in g.items() if len(n) > 1} for p, g in groups.items()}
    assert not any(clashes.values()), clashes
    assert len(groups) > 10
