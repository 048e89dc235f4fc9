"""A page per unit: a bureau's counterparts, its contact in the year, its requirements and gaps.

:func:`unit_page_data` collects plain data from the store; ``templates/unit.html`` shows it
(:func:`graph.report.render_unit_page`). Served by ``tiaokuai serve`` at ``/unit/ID``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .. import rules as _rules
from ..model.vocabulary import vocabulary
from ..store.base import LinkQuery, Store

__all__ = ["unit_page_data", "LINKS_SHOWN"]

LINKS_SHOWN = 200
LOCAL_COMMITTEE = "local_party_committee"


def _side(store: Store, bureau_id: str) -> list[str]:
    """The bureau side: the bureau, its party committee(s) and their branches."""
    vocab = vocabulary()
    side_kinds = set(vocab.bureau_side_kinds)
    side = [bureau_id]
    frontier = [bureau_id]
    for _ in range(2):
        kids = store.children(frontier)
        frontier = [
            u.id for us in kids.values() for u in us if u.kind in side_kinds and u.kind != "tax_bureau"
        ]
        side += frontier
    return side


def unit_page_data(store: Store, unit_id: str, year: int | None = None) -> dict[str, Any] | None:
    """Everything the unit page shows; None when there is no such unit."""
    unit = store.get_units([unit_id]).get(unit_id)
    if unit is None:
        return None
    years = store.years()
    if year is None:
        year = max(years) if years else 0
    region = store.get_regions([unit.region_code]).get(unit.region_code or "") if unit.region_code else None
    parent = store.get_units([unit.parent_id]).get(unit.parent_id or "") if unit.parent_id else None
    is_bureau = unit.kind == "tax_bureau"
    region_group = _rules.region_groups(store.regions()).get(unit.region_code or "", unit.region_code or "")

    counterparts = []
    if is_bureau and unit.region_code:
        committees = sorted(
            (u for u in store.units_of_kinds([LOCAL_COMMITTEE]) if u.region_code == unit.region_code),
            key=lambda u: u.id,
        )
        if committees:
            committee = committees[0]
            bodies = store.children([committee.id]).get(committee.id, [])
            local = {k.name for k in vocabulary().unit_kinds.values() if k.side == "local"}
            counterparts = [committee, *sorted((u for u in bodies if u.kind in local), key=lambda u: u.id)]
    side = _side(store, unit.id) if is_bureau else [unit.id]

    links = []
    total = 0
    for sid in side:
        page = store.find_links(LinkQuery(unit_id=sid, year=year), 0, LINKS_SHOWN)
        links += page.items
        total += page.total
    links.sort(key=lambda link: (link.date, link.id))
    side_set = set(side)
    others = store.get_units({x for link in links for x in (link.source_id, link.target_id)})
    contact: dict[str, dict[str, Any]] = defaultdict(lambda: {"count": 0, "links": 0, "kinds": set()})
    for link in links:
        other = link.target_id if link.source_id in side_set else link.source_id
        entry = contact[other]
        entry["count"] += link.count
        entry["links"] += 1
        entry["kinds"].add(link.kind)

    requirements = []
    if is_bureau:
        rule_list = _rules.load_rules()
        order = {r.id: i for i, r in enumerate(rule_list)}  # as in schema/expectations.yaml
        reqs = [r for r in _rules.evaluate(store, year, rule_list) if r.unit_id == unit.id] if year else []
        names = store.get_units(
            {r.counterpart_id for r in reqs if r.counterpart_id}
            | {r.subject_id for r in reqs if r.subject_id}
        )
        requirements = [
            {**r.as_gap(), "met": r.met,
             "counterpart_name": names[r.counterpart_id].name if r.counterpart_id in names else None,
             "subject_name": names[r.subject_id].name if r.subject_id and r.subject_id in names else None}
            for r in sorted(reqs, key=lambda r: (order.get(r.rule, 99), r.sort_key()))
        ]  # fmt: skip
    return {
        "unit": unit,
        "year": year,
        "years": years,
        "region": region,
        "region_group": region_group,
        "parent": parent,
        "is_bureau": is_bureau,
        "side": side,
        "counterparts": [
            {
                "unit": u,
                **{
                    k: (sorted(v) if isinstance(v, set) else v)
                    for k, v in contact.get(u.id, {"count": 0, "links": 0, "kinds": set()}).items()
                },
            }
            for u in counterparts
        ],
        "other_contact": [
            {"unit": others[k], "count": v["count"], "links": v["links"], "kinds": sorted(v["kinds"])}
            for k, v in sorted(contact.items())
            if k not in {u.id for u in counterparts} and k in others and k not in side_set
        ],
        "links": [
            {"link": link, "source": others.get(link.source_id), "target": others.get(link.target_id)}
            for link in links
        ],
        "links_total": total,
        "requirements": requirements,
        "gaps": [r for r in requirements if not r["met"]],
    }


def link_query(link: Any) -> str:
    """A GraphQL query showing the ledger rows between a link's two units in its year, with
    their provenance (file and row), for GraphiQL's ``?q=``."""
    return (
        f"# 台账行 ledger rows: {link.source_id} — {link.target_id}, {link.year}\n"
        f'{{\n  linksBetween(aId: "{link.source_id}", bId: "{link.target_id}", year: {link.year}) {{\n'
        "    totalCount\n    edges {\n      node {\n        id kind date count title\n"
        "        provenance { file row }\n      }\n    }\n  }\n}\n"
    )


def render_unit_page(
    data: dict[str, Any], *, lang: str = "zh", nav: list[tuple[str, str]] | None = None
) -> str:
    """The unit page for ``data`` from :func:`unit_page_data`."""
    import datetime as dt

    from markupsafe import Markup

    from .. import __version__
    from .fonts import css_font_face
    from .html import _page_css, _visible_text, environment
    from .names import Names

    n = Names(lang)
    unit = data["unit"]
    region_group = data["region_group"]
    context = {
        **n.as_context(),
        **_page_css(n, None, dt.date.today().isoformat(), unit.name),
        "d": data,
        "title": f"{unit.name} · {data['year']}",
        "version": __version__,
        "region_group": region_group,
        "link_query": link_query,
        "nav": nav,
        "font_face": "",
    }
    template = environment().get_template("unit.html")
    page = template.render(context)
    context["font_face"] = Markup(css_font_face(_visible_text(page)))
    return template.render(context)
