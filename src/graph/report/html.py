"""The coverage report: one self-contained HTML page an office can print or send on.

:func:`graph.report.data.build_report` collects plain data; :func:`render_html` renders it with
Jinja2 templates (``templates/``, autoescaped), the charts as embedded PNGs and a subset of the CJK
font embedded, so it renders the same without Chinese fonts and without network;
:func:`write_report` writes it (and the full gap list as CSV beside it, and a PDF when asked).
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import functools
import io
import os
import re
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .. import __version__
from ..model.captions import caption
from ..store.base import Store
from . import charts
from .data import MATRIX_COLUMNS, SUBORDINATE, THRESHOLD, build_report
from .fonts import CSS_STACK, css_font_face, find_cjk_font
from .monitoring import monitor_context
from .names import Names
from .text import legends, one_sided_text, readings, summary

__all__ = ["build_report", "render_html", "write_report", "gaps_csv", "css_string", "environment", "RULE_ZH"]

TEMPLATES = Path(__file__).parent / "templates"
#: the gap matrix's column headings: short enough for one line over a narrow column
COLUMN_LABELS = {
    "zh": {"local_party_committee": "党委", "organization_department": "组织部",
           "propaganda_department": "宣传部", "organs_work_committee": "工委",
           "discipline_commission": "纪委", "party_school": "党校", SUBORDINATE: "下级党委"},
    "en": {"local_party_committee": "cttee.", "organization_department": "org.",
           "propaganda_department": "prop.", "organs_work_committee": "organs",
           "discipline_commission": "disc.", "party_school": "school", SUBORDINATE: "lower"},
}  # fmt: skip
GAP_CSV_COLUMNS = ["group", "unit_id", "name", "rule", "rule_zh", "counterpart_kind", "counterpart_id",
                   "counterpart_name", "subject_id", "required", "observed"]  # fmt: skip


def _rule_zh() -> dict[str, str]:
    n = Names("zh")
    from ..rules import load_rules

    return {r.id: n.rule(r.id) for r in load_rules()}


#: Chinese names of the rules (from schema/expectations.yaml), kept for callers of the old module.
RULE_ZH = _rule_zh()


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside ``<style>`` (no quote, backslash or ``<`` left).

    >>> str(css_string('a "b" </style>'))
    '"a \\\\22 b\\\\22  \\\\3c /style\\\\3e "'
    """
    out = re.sub(r'["\\<>\n\r]', lambda m: f"\\{ord(m.group(0)):x} ", text)
    return Markup(f'"{out}"')


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates of the report and the served pages, autoescaped (HTML; CSS is not HTML)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    zh, en = Names("zh"), Names("en")
    env.filters["kind_zh"] = zh.link_kind
    env.filters["kind_en"] = en.link_kind
    return env


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _page_css(n: Names, issuer: str | None, date: str, title: str) -> dict[str, Any]:
    page = ('"第 " counter(page) " 页，共 " counter(pages) " 页"' if n.lang == "zh"
            else '"page " counter(page) " of " counter(pages)')  # fmt: skip
    return {
        "font_stack": Markup(CSS_STACK),
        "header_left": css_string(issuer or title),
        "header_right": css_string(date),
        "page_label": Markup(page),
        "reading_prefix": css_string(n.tr("读图：", "Reading: ")),
    }


def render_html(
    data: dict[str, Any],
    *,
    lang: str = "zh",
    issuer: str | None = None,
    date: str | None = None,
    embed_font: bool = True,
    csv_name: str | None = None,
    nav: list[tuple[str, str]] | None = None,
) -> str:
    """The report page for ``data`` from :func:`build_report` (UTF-8, no external resources)."""
    n = Names(lang)
    d = data
    date = date or dt.date.today().isoformat()
    by_groups = d["rows_are"] == "groups"
    scope = d["region_name"] or d["province_name"]
    title = n.tr(f"{d['year']}年度{scope}税务系统党建工作横向联系覆盖情况报告",
                 f"Horizontal contact of the tax bureaus of {scope}, {d['year']}")  # fmt: skip
    group_names = {g["name"] for g in d["matrix"]} | {r["name"] for r in d["ranking"]}

    def short(name: str | None, group: str | None = None) -> str:
        text = caption(name or "", group if group and group in group_names else None)
        return caption(name or "") if text in ("税务局", "委") else text

    def relative(counterpart: str | None, bureau_short: str, group: str | None) -> str:
        """A local body's short name with the bureau's own place left out (道里区委组织部 → 区委组织部)."""
        text = short(counterpart, group)
        place = bureau_short.removesuffix("税务局")
        if place and text.startswith(place) and len(text) > len(place) + 1:
            return text[len(place) - 1 :] if place[-1] in "区县市旗" else text
        return text

    def row_name(r: dict[str, Any]) -> str:
        if by_groups:
            return str(r["name"]) + (n.tr("（省局）", " (provincial bureau)") if r.get("province") else "")
        return short(r["name"], d["region_name"])

    rows_label = n.tr("市(地)", "prefectures") if by_groups else n.tr("税务局", "bureaus")
    heat = None
    if d["ranking"]:
        # the columns of rules some row is bound by (rule_order ends with the others, issue 20)
        cols = [i for i, _ in enumerate(d["rule_order"]) if any(r["cells"][i] for r in d["ranking"])]
        heat = _b64(charts.heatmap_png([row_name(r) for r in d["ranking"]],
                                       [n.rule_short(d["rule_order"][i]) for i in cols],
                                       [[r["cells"][i] for i in cols] for r in d["ranking"]],
                                       total_label=n.tr("合计", "total"),
                                       colour_label=n.tr("覆盖率", "coverage")))  # fmt: skip
    series: dict[str, list[float | None]] = {n.tr("总体", "total"): [t["ratio"] for t in d["trend"]]}
    for level in ("provincial", "prefecture", "county"):
        values = [t["by_level"].get(level) for t in d["trend"]]
        if any(v is not None for v in values):
            series[n.level(level)] = values
    trend = (
        _b64(charts.trend_png(d["years"], series, year_suffix=n.tr("年", "")))
        if len(d["years"]) > 1 and any(v is not None for v in series[n.tr("总体", "total")])
        else None
    )
    behind = (
        _b64(charts.behind_png(d["behind"], THRESHOLD,
                               label=lambda r: f"{short(r['name'], r.get('group'))}（{r.get('group') or ''}）",
                               note=n.tr("{value} 次 / 同级中位数 {median:g}", "{value} / peer median {median:g}"),
                               xlabel=n.tr("稳健 z 分数（与同级税务局比较）", "robust z-score against bureaus of the same level")))
        if d["behind"] else None
    )  # fmt: skip
    mechanisms = (
        _b64(charts.mechanisms_png(d["mechanisms"], d["mechanism_bureaus"] or 0,
                                   label=(lambda m: f"{m['group_zh']}·{m['zh']}") if n.lang == "zh"
                                   else (lambda m: m["id"].replace("_", " ")),
                                   not_modelled=n.tr("数据模型中无可记录的联系类型", "no link kind in the data model")))
        if d["mechanisms"] else None
    )  # fmt: skip

    lapsed_groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for r in d["lapsed"] or []:
        group = r["group"]
        bureau = short(r["name"], group)
        other = relative(r["counterpart_name"], bureau, group)
        lapsed_groups[group][bureau].append(
            n.tr(f"{other}（{n.family(r['family'])}）", f"{other} ({n.family(r['family'])})")
        )
    full_groups: dict[str, list[str]] = defaultdict(list)
    for u in d["units_full"]:
        full_groups[u["group"]].append(short(u["name"], u["group"]))

    def column_label(col: str) -> str:
        return COLUMN_LABELS[n.lang].get(col) or n.kind(col)

    context = {
        **n.as_context(),
        **_page_css(n, issuer, date, title),
        "d": d,
        "title": title,
        "issuer": issuer,
        "date": date,
        "version": __version__,
        "threshold": THRESHOLD,
        "summary": summary(d, n, row_name),
        "legends": legends(d, n, THRESHOLD),
        "readings": readings(d, n, row_name, THRESHOLD, short),
        "one_sided_text": one_sided_text(d, n),
        "one_sided_rows": sorted(
            d["one_sided"]["by_kind"].items(),
            key=lambda kv: MATRIX_COLUMNS.index(kv[0]) if kv[0] in MATRIX_COLUMNS else 99,
        ),  # fmt: skip
        "rows_label": rows_label,
        "row_name": row_name,
        "short": short,
        "columns": MATRIX_COLUMNS,
        "column_label": column_label,
        "heatmap": heat,
        "trend": trend,
        "behind": behind,
        "mechanisms": mechanisms,
        "lapsed_groups": [
            (g, sorted((b, cs) for b, cs in items.items())) for g, items in lapsed_groups.items()
        ],
        "full_groups": sorted(full_groups.items()),
        "csv_name": csv_name,
        "nav": nav,
        "font_face": "",
        **monitor_context(d, lang),
    }
    template = environment().get_template("report.html")
    page = template.render(context)
    if embed_font:
        context["font_face"] = Markup(css_font_face(_visible_text(page) + (issuer or "") + date))
        page = template.render(context)
    return page


def _visible_text(page: str) -> str:
    """The characters a reader sees (tags, styles and data URIs dropped), for the font subset."""
    page = re.sub(r"<style.*?</style>", "", page, flags=re.S)
    page = re.sub(r"data:[^\"']+", "", page)
    return re.sub(r"<[^>]+>", "", page)


def gaps_csv(data: dict[str, Any]) -> str:
    """Every gap of the report, one per row (UTF-8 with BOM when written, so Excel reads it)."""
    n = Names("zh")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, GAP_CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for gp in data["gaps"]:
        writer.writerow({**gp, "rule_zh": n.rule(gp["rule"])})
    return buf.getvalue()


def _atomic_write(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # a report is meant to be shared: not mkstemp's 0600
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    store: Store,
    year: int,
    out: Path,
    *,
    lang: str = "zh",
    issuer: str | None = None,
    region: str | None = None,
    pdf: Path | None = None,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Build and render the report for ``year`` and write it to ``out`` atomically.

    Beside it, ``<stem>-gaps.csv`` holds every gap (the page links to it). With ``pdf``, also
    print the page to that PDF (A4, :func:`graph.report.pdf.html_to_pdf`). Returns a summary:
    ``path``, ``csv``, ``pdf``, ``year``, ``ratio`` (coverage), ``gaps`` (count), ``bytes`` and
    ``font`` (the CJK font family used, None when none was found: Chinese in the charts then shows
    as boxes, and the page relies on the reader's fonts).

    ``as_of`` (issue 21): the page leads with the standing as of that date — requirements behind
    and dormant ties per prefecture, contact month by month, the rule × region status grid and
    congruence (:func:`graph.analysis.monitor.monitoring`); ``info["behind"]``, ``info["dormant"]``.
    """
    data = build_report(store, year, region)
    from .systems import systems_section

    data["systems"] = systems_section(store, year, region)  # None for a single system: no section
    if as_of is not None:
        from ..analysis.monitor import monitoring

        data["monitor"] = monitoring(store, as_of, region=region)
    out = Path(out)
    csv_path = out.with_name(f"{out.stem}-gaps.csv")
    page = render_html(data, lang=lang, issuer=issuer, csv_name=csv_path.name)
    _atomic_write(csv_path, ("\ufeff" + gaps_csv(data)).encode("utf-8"))
    _atomic_write(out, page.encode("utf-8"))
    if pdf is not None:
        from .pdf import html_to_pdf

        html_to_pdf(out, Path(pdf))
    return {
        "path": str(out),
        "csv": str(csv_path),
        "pdf": str(pdf) if pdf is not None else None,
        "year": year,
        "ratio": data["coverage"]["ratio"],
        "gaps": len(data["gaps"]),
        "bytes": len(page.encode("utf-8")),
        "font": font.family if (font := find_cjk_font()) else None,
        "behind": data["monitor"]["behind"] if data.get("monitor") else None,
        "dormant": data["monitor"]["dormant"] if data.get("monitor") else None,
    }
