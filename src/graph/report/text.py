"""The report's words: the summary, a legend and a one-line reading under each chart.

Generated from the data of :func:`graph.report.data.build_report`, in Chinese (the default) or
English; every figure in a sentence is one the page also shows.
"""

from __future__ import annotations

from typing import Any

from .names import Names

__all__ = ["summary", "legends", "readings", "one_sided_text"]


def _pct(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v * 100:.{digits}f}%"


def _join(items: list[str], lang: str) -> str:
    if lang == "zh":
        return "、".join(items)
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1] if items else ""


def _ranked(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in d["ranking"] if r["rank"] is not None and r["ratio"] is not None]


def summary(d: dict[str, Any], n: Names, row_name: Any) -> list[str]:
    """Three to five sentences: coverage, change, the weakest rows and requirements, what follows."""
    zh = n.lang == "zh"
    cov, prev, year = d["coverage"], d["previous"], d["year"]
    scope = d["region_name"] or d["province_name"] or n.tr("全省", "the province")
    out: list[str] = []
    if not cov["expected"]:
        return [n.tr(f"{year}年{scope}没有适用横向联系规则的税务局，或没有数据。",
                     f"In {year} no tax bureau of {scope} is bound by the rules, or there is no data.")]  # fmt: skip
    if zh:
        s = (f"{year}年，{scope}{d['units']}个税务局应满足横向联系要求{cov['expected']}项，"
             f"已满足{cov['met']}项，覆盖率{_pct(cov['ratio'])}")  # fmt: skip
        if prev and prev["ratio"] is not None and cov["ratio"] is not None:
            diff = (cov["ratio"] - prev["ratio"]) * 100
            word = "提高" if diff > 0.05 else "下降" if diff < -0.05 else "持平，变化"
            s += f"，比上年{word}{abs(diff):.1f}个百分点（{year - 1}年为{_pct(prev['ratio'])}）"
        out.append(s + "。")
        s = f"缺口共{len(d['gaps'])}项"
        if d["previous_gaps"] is not None:
            change = len(d["gaps"]) - d["previous_gaps"]
            s += f"，比上年{'减少' if change < 0 else '增加'}{abs(change)}项" if change else "，与上年相同"
        s += f"；各项要求全部满足的税务局{len(d['units_full'])}个，占{_pct(len(d['units_full']) / d['units'] if d['units'] else None, 0)}。"
        out.append(s)
    else:
        s = (f"In {year}, the {d['units']} tax bureaus of {scope} met {cov['met']} of their "
             f"{cov['expected']} horizontal-contact requirements: coverage {_pct(cov['ratio'])}")  # fmt: skip
        if prev and prev["ratio"] is not None and cov["ratio"] is not None:
            diff = (cov["ratio"] - prev["ratio"]) * 100
            word = "up" if diff > 0.05 else "down" if diff < -0.05 else "unchanged,"
            s += f", {word} {abs(diff):.1f} points from {_pct(prev['ratio'])} in {year - 1}"
        out.append(s + ".")
        s = f"There are {len(d['gaps'])} gaps"
        if d["previous_gaps"] is not None:
            s += f" against {d['previous_gaps']} last year"
        s += f"; {len(d['units_full'])} bureaus meet every requirement."
        out.append(s)
    ranked = _ranked(d)
    if len(ranked) > 1:
        avg = cov["ratio"] or 0
        weakest = [r for r in ranked[::-1] if r["ratio"] < avg][:3] or ranked[-1:]
        names = [
            f"{row_name(r)}（{_pct(r['ratio'], 0)}）" if zh else f"{row_name(r)} ({_pct(r['ratio'], 0)})"
            for r in weakest
        ]
        what = n.tr("市(地)", "prefectures") if d["rows_are"] == "groups" else n.tr("税务局", "bureaus")
        out.append(
            f"覆盖率最低的{what}是{_join(names, 'zh')}，低于{scope}平均水平。"
            if zh
            else f"The {what} with the lowest coverage are {_join(names, 'en')}, below the average of {scope}."
        )
    rules = [r for r in d["by_rule"] if r["ratio"] is not None]
    if rules:
        low = sorted(rules, key=lambda r: r["ratio"])[:2]
        high = max(rules, key=lambda r: r["ratio"])
        low_text = [
            f"{n.rule(r['rule'])}（{_pct(r['ratio'], 0)}）"
            if zh
            else f"{n.rule(r['rule'])} ({_pct(r['ratio'], 0)})"
            for r in low
        ]
        out.append(
            f"各项要求中最薄弱的是{_join(low_text, 'zh')}，{n.rule(high['rule'])}最充分（{_pct(high['ratio'], 0)}）。"
            if zh
            else f"The weakest requirements are {_join(low_text, 'en')}; {n.rule(high['rule'])} is the strongest ({_pct(high['ratio'], 0)})."
        )
    if d["lapsed"] is not None:
        out.append(
            f"与上年相比，{len(d['lapsed'])}条联系渠道中断；{d['below_peers']}个税务局的横向联系明显少于同级。"
            if zh
            else f"Since last year {len(d['lapsed'])} channels have lapsed; {d['below_peers']} bureaus have far fewer horizontal contacts than their peers."
        )
    return out[:5]


def one_sided_text(d: dict[str, Any], n: Names) -> str:
    o = d["one_sided"]
    years = o["years"]
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    if n.lang == "zh":
        who = (
            "全部由税务局一方发起，地方单位从未主动联系"
            if o["one_sided"] and not o["by_locality"]
            else f"其中{o['by_bureau']}对仅由税务局一方发起，{o['by_locality']}对仅由地方一方发起"
        )
        return (f"{span}年，税务局与地方单位之间有联系的{o['pairs']}对中，{o['one_sided']}对只有单向联系"
                f"（{_pct(o['one_sided'] / o['pairs'] if o['pairs'] else None, 0)}），{who}。"
                f"其中{o['one_sided'] - o['own_region']}对是上级局对下级地区党委的协调走访，本身就是单向的。")  # fmt: skip
    who = (
        "every one of them started by the bureau side: the local bodies never initiated contact"
        if o["one_sided"] and not o["by_locality"]
        else f"{o['by_bureau']} started by the bureau side only, {o['by_locality']} by the local side only"
    )
    return (f"In {span}, of the {o['pairs']} bureau–local pairs with contact, {o['one_sided']} have contact one way "
            f"only ({_pct(o['one_sided'] / o['pairs'] if o['pairs'] else None, 0)}), {who}. "
            f"{o['one_sided'] - o['own_region']} of them are an upper bureau's coordination visits to a lower "
            "region's committee, one-way by nature.")  # fmt: skip


def legends(d: dict[str, Any], n: Names, threshold: float) -> dict[str, str]:
    rows = n.tr("市(地)", "prefecture") if d["rows_are"] == "groups" else n.tr("税务局", "bureau")
    return {
        "heatmap": n.tr(
            f"每格：一个{rows}对一项要求的覆盖率（大字）和已满足/应满足（小字）；颜色从深蓝（低）到浅黄（高），"
            "打印为黑白时由深到浅；白色表示没有这项要求。行按合计覆盖率从高到低排列，列按全省覆盖率从高到低排列；最右一列为合计。",
            f"Each cell: one {rows}'s coverage of one requirement (large) and met/expected (small); colour runs "
            "from dark blue (low) to pale yellow (high), dark to light in greyscale; white: no such requirement. "
            "Rows by total coverage, highest first; columns by overall coverage; the last column is the total.",
        ),
        "trend": n.tr(
            "实线粗线为总体，虚线、点线为各级税务局；形状和线型在黑白打印时也可区分。",
            "The thick solid line is the total; dashed and dotted lines are the levels, told apart by marker and dash in greyscale too.",
        ),
        "matrix": n.tr(
            "每行一个有缺口的税务局，每列一类应联系的地方单位（本地党委、组织部、宣传部、机关工委、纪委监委、党校，"
            "以及下级局所在地党委）：✓ 应联系且已联系；✗ 应联系而没有联系（数字为缺几项）；· 有联系但规则不要求；空白为既无要求也无联系。"
            "组织部一列包括联络和干部工作两项要求。小计为各列缺口数。全部满足的税务局不在矩阵中，见第五节。",
            "One row per bureau with a gap, one column per kind of local body it should be in contact with (its "
            "local committee, organization, propaganda, organs work and discipline bodies, party school, and the "
            "committees of its subordinate bureaus' localities): ✓ expected and present; ✗ expected and missing "
            "(the number: how many); · present but not required; blank: neither. The organization department "
            "column holds two requirements (liaison and cadre work). Subtotals count the gaps per column. "
            "Bureaus meeting every requirement are listed in section 5.",
        ),
        "lapsed": n.tr(
            f"上年（{d['year'] - 1}年）有联系、本年（{d['year']}年）没有任何联系的渠道，按市(地)和税务局列出：联系对象（联系类别）。"
            "不论规则是否要求，都列在这里。",
            f"Channels (bureau, local body, kind of contact) alive in {d['year'] - 1} with no contact in {d['year']}, "
            "by prefecture and bureau: local body (kind of contact), whether a rule requires it or not.",
        ),
        "behind": n.tr(
            f"与同级税务局（市(地)局与市(地)局、县(区)局与县(区)局）比较全年横向联系次数的稳健 z 分数；深色条为 z ≤ −{threshold:g}（明显落后），"
            f"浅色条为落后但未到这一界限；虚线为 −{threshold:g}。括号内为所在市(地)。",
            f"Robust z-score of the year's horizontal contacts against bureaus of the same level; dark bars: "
            f"z ≤ −{threshold:g} (far behind), light bars: behind but within it; the dashed line is −{threshold:g}. "
            "In brackets: the prefecture.",
        ),
        "mechanisms": n.tr(
            "有至少一条联系记录佐证的税务局占比；斜线表示数据模型中没有对应的联系类型（无法佐证），不同于本年没有记录。",
            "Share of bureaus with at least one link as evidence; hatched: the data model has no link kind for "
            "it (cannot be evidenced), which is not the same as no record this year.",
        ),
    }


def readings(d: dict[str, Any], n: Names, row_name: Any, threshold: float, short: Any) -> dict[str, str]:
    """One line under each chart or table: what to read from it."""
    zh = n.lang == "zh"
    ranked = _ranked(d)
    out: dict[str, str] = {}
    if ranked:
        best, worst = ranked[0], ranked[-1]
        spread = (best["ratio"] - worst["ratio"]) * 100
        falling = [row_name(r) for r in ranked if r["delta"] is not None and r["delta"] < -0.0005]
        out["ranking"] = (
            f"最高的{row_name(best)}与最低的{row_name(worst)}相差{spread:.0f}个百分点"
            + (f"；比上年下降的：{_join(falling, 'zh')}。" if falling else "；与上年相比没有下降的。")
            if zh
            else f"{spread:.0f} points separate {row_name(best)} (highest) from {row_name(worst)} (lowest)"
            + (f"; down on last year: {_join(falling, 'en')}." if falling else "; none is down on last year.")
        )
        out["heatmap"] = n.tr(
            f"颜色越深缺口越集中：右下角是薄弱{('市(地)' if d['rows_are'] == 'groups' else '税务局')}的薄弱要求。",
            "The darker, the more the gaps concentrate: the lower right holds the weakest rows' weakest requirements.",
        )
    else:
        out["ranking"] = out["heatmap"] = n.tr("没有可比较的数据。", "Nothing to compare.")
    trend = [t for t in d["trend"] if t["ratio"] is not None]
    if len(trend) > 1:
        first, last = trend[0], trend[-1]
        out["trend"] = n.tr(
            f"总体覆盖率从{first['year']}年的{_pct(first['ratio'])}变为{last['year']}年的{_pct(last['ratio'])}。",
            f"Total coverage went from {_pct(first['ratio'])} in {first['year']} to {_pct(last['ratio'])} in {last['year']}.",
        )
    else:
        out["trend"] = n.tr("只有一年的数据。", "One year of data only.")
    behind = d["behind"]
    if behind:
        w = behind[0]
        out["behind"] = (
            f"{d['below_peers']}个税务局明显落后；最落后的{short(w['name'], w.get('group'))}（{w.get('group') or ''}）全年横向联系{w['value']}次，同级中位数{w['median']:g}次。"
            if zh
            else f"{d['below_peers']} bureaus are far behind; the furthest, {w['name']}, had {w['value']} horizontal contacts against a peer median of {w['median']:g}."
        )
    else:
        out["behind"] = ""
    mech = d["mechanisms"] or []
    evidenced = [m for m in mech if m["status"] != "not_modelled"]
    if evidenced:
        low = min(evidenced, key=lambda m: m["bureaus"])
        label = f"{low['group_zh']}·{low['zh']}" if zh else low["id"].replace("_", " ")
        out["mechanisms"] = n.tr(
            f"佐证最少的是{label}：{low['bureaus']}个税务局。",
            f"Least evidenced: {label}, at {low['bureaus']} bureaus.",
        )
    else:
        out["mechanisms"] = ""
    o = d["one_sided"]
    kinds = sorted(
        o["by_kind"].items(), key=lambda kv: -(kv[1]["bureau"] + kv[1]["locality"]) / max(kv[1]["pairs"], 1)
    )
    if kinds:
        kind, row = kinds[0]
        out["one_sided"] = n.tr(
            f"单向比例最高的是与{n.kind(kind)}的联系（{_pct((row['bureau'] + row['locality']) / row['pairs'] if row['pairs'] else None, 0)}）。",
            f"Contact with the {n.kind(kind)} is the most one-sided ({_pct((row['bureau'] + row['locality']) / row['pairs'] if row['pairs'] else None, 0)}).",
        )
    else:
        out["one_sided"] = ""
    return out
