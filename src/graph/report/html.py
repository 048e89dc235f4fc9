"""The coverage report: one self-contained HTML file a party-building office can send on.

:func:`build_report` collects plain data from the store (coverage this year and last, the trend,
the gaps, the heatmap cells, the bureaus most behind their peers, the mechanism profile);
:func:`render_html` turns it into a page with the charts as embedded PNGs and a subset of the CJK
font embedded, so that it renders the same on a machine without Chinese fonts and without network;
:func:`write_report` does both and writes the file atomically.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from .. import __version__
from .. import rules as _rules
from ..analysis import lapsed, mechanism_profile, peer_scores, project_years
from ..analysis.gaps import missing
from ..analysis.isolation import horizontal_activity
from ..store.base import Store
from . import charts
from .fonts import CSS_STACK, css_font_face, find_cjk_font

__all__ = ["build_report", "render_html", "write_report", "RULE_ZH"]

#: Chinese descriptions of the default rules (schema/expectations.yaml); other rules show their id.
RULE_ZH = {
    "report_to_local_committee": "向本级地方党委报告工作",
    "liaison_organization_department": "与组织部联络",
    "liaison_propaganda_department": "与宣传部联络",
    "liaison_organs_work_committee": "与机关工委联络",
    "liaison_discipline_commission": "与纪委监委联络",
    "cadre_work_with_locality": "与组织部或党校开展干部工作",
    "coordinate_lower_localities": "走访下级局所在地党委",
}
BEHIND_ROWS = 12
THRESHOLD = 2.0


CSS = """
body { font-family: FONT_STACK; color: #1c2833; background: #fff;
       margin: 0 auto; max-width: 1100px; padding: 24px 32px; line-height: 1.6; }
h1 { font-size: 26px; margin: 0 0 4px; color: #1f4e79; }
h2 { font-size: 19px; border-left: 5px solid #c0392b; padding-left: 10px; margin-top: 36px; }
.sub { color: #566573; margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 20px; }
.card { flex: 1 1 180px; border: 1px solid #d5d8dc; border-radius: 6px; padding: 12px 14px;
        background: #fbfcfc; }
.card .label { color: #566573; font-size: 14px; }
.card .value { font-size: 28px; font-weight: bold; color: #1f4e79; }
.card .note { font-size: 12.5px; color: #566573; }
.up { color: #1e8449; font-weight: bold; }
.down { color: #c0392b; font-weight: bold; }
.flat { color: #566573; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 10px 0; }
th, td { border-bottom: 1px solid #e5e8e8; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eaf2f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-size: 12.5px; color: #6c3483; }
.foot { color: #85929e; font-size: 12px; }
""".replace("FONT_STACK", CSS_STACK)


def _ratio(met: int, expected: int) -> float | None:
    return met / expected if expected else None


def build_report(store: Store, year: int) -> dict[str, Any]:
    """Everything the report shows, as plain data (testable without rendering)."""
    rule_list = _rules.load_rules()
    rule_ids = [r.id for r in rule_list]
    years = sorted(set(store.years()) | {year})
    regions = store.regions()
    region_names = {r.code: r.name for r in regions}
    region_level = {r.code: r.level for r in regions}
    groups = _rules.region_groups(regions)

    trend: list[dict[str, Any]] = []
    coverages: dict[int, _rules.Coverage] = {}
    for y in years:
        if y > year:
            continue
        coverages[y] = _rules.coverage(store, y, rules=rule_list)
        cov = coverages[y]
        trend.append({"year": y, "ratio": cov.ratio,
                      "by_level": {r["level"]: r["ratio"] for r in cov.by_level}})  # fmt: skip
    current = coverages[year]
    has_previous = (year - 1) in store.years()
    previous = coverages.get(year - 1) if has_previous else None

    reqs = _rules.evaluate(store, year, rule_list)
    units = store.get_units({r.unit_id for r in reqs})
    cells: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in reqs:
        code = units[r.unit_id].region_code or ""
        group = groups.get(code, code)
        cell = cells[(group, r.rule)]
        cell[0] += r.met
        cell[1] += 1
    group_codes = sorted({g for g, _ in cells}, key=lambda c: (region_level.get(c) != "province", c))
    heat_rows = [
        region_names.get(c, c) + ("（省局）" if region_level.get(c) == "province" else "")
        for c in group_codes
    ]
    heat_cells = [
        [tuple(cells[(c, rule)]) if (c, rule) in cells else None for rule in rule_ids] for c in group_codes
    ]

    g = project_years(store, [year - 1, year])
    gaps = missing(store, year)
    for gap in gaps:
        unit = units.get(gap["unit_id"])
        code = (unit.region_code or "") if unit else ""
        gap["group"] = region_names.get(groups.get(code, code), "")
    scores = [r for r in peer_scores(g, year) if r["z"] is not None]
    activity = horizontal_activity(g, year)
    mech = mechanism_profile(g, year)
    return {
        "year": year,
        "years": [t["year"] for t in trend],
        "coverage": current.as_dict(),
        "previous": previous.as_dict() if previous else None,
        "trend": trend,
        "rules": rule_ids,
        "heatmap": {"rows": heat_rows, "columns": rule_ids, "cells": heat_cells},
        "gaps": gaps,
        "previous_gaps": (previous.expected - previous.met) if previous else None,
        "behind": scores[:BEHIND_ROWS],
        "below_peers": sum(1 for r in scores if r["z"] <= -THRESHOLD),
        "isolated": sum(1 for r in activity if r["events"] == 0),
        "lapsed": len(lapsed(g, year)) if has_previous else None,
        "mechanisms": mech["mechanisms"],
        "mechanism_bureaus": len(mech["bureaus"]),
        "units_full": sum(1 for u in current.units if u["met"] == u["expected"]),
        "units": len(current.units),
    }


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _img(png: bytes, alt: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{b64}" alt="{html.escape(alt)}">'


def _delta(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "去年无数据"
    d = (now - before) * 100
    arrow = "▲" if d > 0.05 else "▼" if d < -0.05 else "＝"
    cls = "up" if d > 0.05 else "down" if d < -0.05 else "flat"
    return f'<span class="{cls}">{arrow} {abs(d):.1f} 个百分点</span>（去年 {_pct(before)}）'


def _table(headers: list[str], rows: list[list[str]], numeric: tuple[int, ...] = ()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row)
        ) + "</tr>"
        for row in rows
    )  # fmt: skip
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render_html(data: dict[str, Any], *, embed_font: bool = True) -> str:
    """The report page for ``data`` from :func:`build_report` (UTF-8, no external resources)."""
    e = html.escape
    year = data["year"]
    cov, prev = data["coverage"], data["previous"]
    ratio = cov["ratio"]

    cards = [
        ("横向联系覆盖率", _pct(ratio), f"{cov['met']} / {cov['expected']} 项要求已满足<br>"
         + _delta(ratio, prev["ratio"] if prev else None)),
        ("缺口", f"{len(data['gaps'])} 项", f"去年 {data['previous_gaps']} 项" if prev else "去年无数据"),
        ("全部满足的税务局", f"{data['units_full']} / {data['units']}", "各项横向联系要求均已满足"),
        ("中断的联系渠道", "—" if data["lapsed"] is None else f"{data['lapsed']} 条",
         f"{year - 1}年有联系、{year}年没有（税务局—地方单位—联系类别）"),
        ("明显落后于同级", f"{data['below_peers']} 个",
         f"稳健 z ≤ −{THRESHOLD:g}；完全无横向联系的 {data['isolated']} 个"),
    ]  # fmt: skip
    card_html = "\n".join(
        f'<div class="card"><div class="label">{e(label)}</div><div class="value">{e(value)}</div>'
        f'<div class="note">{note}</div></div>'
        for label, value, note in cards
    )

    heat = data["heatmap"]
    no_data = "<p>本年度没有适用横向联系规则的税务局，或没有数据。</p>"
    heat_fig = (
        f"<figure>{_img(charts.heatmap_png(heat['rows'], heat['columns'], heat['cells']), '覆盖率热力图')}</figure>"
        if heat["rows"]
        else no_data
    )
    trend_series: dict[str, list[float | None]] = {"总体": [t["ratio"] for t in data["trend"]]}
    for level, zh in (("provincial", "省局"), ("prefecture", "市(地)局"), ("county", "县(区)局")):
        values = [t["by_level"].get(level) for t in data["trend"]]
        if any(v is not None for v in values):
            trend_series[zh] = values
    trend_fig = (
        f"<figure>{_img(charts.trend_png(data['years'], trend_series), '覆盖率趋势')}</figure>"
        if any(v is not None for v in trend_series["总体"])
        else no_data
    )
    behind_fig = (
        f"<figure>{_img(charts.behind_png(data['behind'], THRESHOLD), '落后于同级的税务局')}</figure>"
        if data["behind"]
        else "<p>无可比较的税务局。</p>"
    )
    mech_png = charts.mechanisms_png(data["mechanisms"], data["mechanism_bureaus"])

    rule_rows = [[f"<code>{e(r)}</code>", e(RULE_ZH.get(r, ""))] for r in data["rules"]]
    behind_rows = [
        [e(r["bureau_id"]), e(r["name"] or ""), e(charts.LEVEL_ZH.get(r["level"], r["level"] or "")),
         str(r["value"]), f"{r['median']:g}", str(r["partners"]), f"{r['z']:.2f}"]
        for r in data["behind"]
    ]  # fmt: skip
    gap_rows = [
        [e(gp["group"]), e(gp["unit_id"]), e(gp["name"] or ""), f"<code>{e(gp['rule'])}</code>",
         e(gp["counterpart_name"] or "（当地无此单位）"), f"{gp['observed']} / {gp['required']}"]
        for gp in data["gaps"]
    ]  # fmt: skip
    gaps_html = (
        _table(["市(地)", "编号", "税务局", "规则", "应联系对象", "实际 / 要求"], gap_rows, (5,))
        if gap_rows
        else "<p>本年度没有缺口。</p>"
    )
    by_rule = [
        [f"<code>{e(r['rule'])}</code>", e(RULE_ZH.get(r["rule"], "")), str(r["expected"]), str(r["met"]),
         _pct(r["ratio"])]
        for r in cov["by_rule"]
    ]  # fmt: skip

    body = f"""
<header>
  <h1>{year}年度税务系统党建工作横向联系覆盖情况报告</h1>
  <p class="sub">“纵合横通强党建”机制 · 条块联系分析 · 数据年份 {
        e("、".join(str(y) for y in data["years"]))
    }</p>
</header>
<section class="cards">{card_html}</section>

<section>
  <h2>一、覆盖率：按市(地)和规则</h2>
  <p>每个格子是一个市(地)内各税务局（市(地)局及所辖县(区)局）对一条规则的满足情况：已满足 / 应满足。
  省税务局单列一行。灰色表示该地区没有适用这条规则的税务局。</p>
  {heat_fig}
  {_table(["规则", "说明", "应满足", "已满足", "覆盖率"], by_rule, (2, 3, 4))}
</section>

<section>
  <h2>二、覆盖率趋势</h2>
  {trend_fig}
</section>

<section>
  <h2>三、横向联系明显落后于同级的税务局</h2>
  <p>按同级（市(地)局与市(地)局比、县(区)局与县(区)局比）比较全年与地方党委及其部门的联系次数，
  采用稳健 z 分数（相对中位数和中位数绝对偏差），不受少数特别活跃单位的影响。
  红色为 z ≤ −{THRESHOLD:g}，即明显落后。</p>
  {behind_fig}
  {_table(["编号", "税务局", "级别", "联系次数", "同级中位数", "联系单位数", "z"], behind_rows, (3, 4, 5, 6))}
</section>

<section>
  <h2>四、“四个三”机制落实情况</h2>
  <p>有至少一条联系记录佐证的税务局占比。斜线表示该机制在数据模型中没有对应的联系类型
  （“数据模型中无法佐证”），不同于“本年度没有记录”。</p>
  <figure>{_img(mech_png, "四个三机制")}</figure>
</section>

<section>
  <h2>五、缺口清单（{len(data["gaps"])} 项）</h2>
  {gaps_html}
</section>

<section class="notes">
  <h2>说明</h2>
  {_table(["规则编号", "要求（每年至少一次）"], rule_rows)}
  <p>覆盖率 = 已满足的要求数 / 应满足的要求数；“税务局一方”包括税务局、局党委及其党支部。
  规则见 <code>schema/expectations.yaml</code>。</p>
  <p class="foot">由 tiaokuai {e(__version__)} 生成于 {dt.date.today().isoformat()}。</p>
</section>
"""
    face = css_font_face(body) if embed_font else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{year}年度横向联系覆盖情况报告</title>
<style>
{face}
{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


def write_report(store: Store, year: int, out: Path) -> dict[str, Any]:
    """Build and render the report for ``year`` and write it to ``out`` atomically.

    Returns a summary: ``path``, ``year``, ``ratio`` (coverage), ``gaps`` (count), ``bytes`` and
    ``font`` (the CJK font family used, None when none was found: Chinese in the charts then shows
    as boxes, and the page relies on the reader's fonts).
    """
    data = build_report(store, year)
    page = render_html(data)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a report is meant to be shared: not mkstemp's 0600
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {
        "path": str(out),
        "year": year,
        "ratio": data["coverage"]["ratio"],
        "gaps": len(data["gaps"]),
        "bytes": len(page.encode("utf-8")),
        "font": font.family if (font := find_cjk_font()) else None,
    }
