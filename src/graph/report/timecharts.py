"""The monitoring page's charts (issue 21) as PNG bytes: contact month by month, the rule × region
status grid, congruence beside coverage. matplotlib's object API on the Agg canvas, Chinese labels
with the CJK font of :mod:`graph.report.fonts`; each takes plain data from
:func:`graph.analysis.monitor.monitoring`."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .fonts import matplotlib_families

__all__ = ["months_png", "status_grid_png", "congruence_png", "STATUS_ZH"]

DPI = 110
STATUS_ZH = {"met": "已达标", "on_track": "进行中", "behind": "落后", "unmet": "未达标"}
#: the charts' words, Chinese first (as the report), English for ``lang="en"``
TEXT = {
    "zh": {"month": "{m}月", "year": "{y}年", "contacts": "规则计入的联系次数",
           "months_title": "逐月横向联系（截至评估日）", "behind": "落后{n}",
           "share": "未落后的比例（已达标 + 进行中）", "grid_title": "各市(地)·各规则进度（截至评估日）",
           "congruence": "一致性（有联系的应联系对）", "coverage": "覆盖率（达标要求）",
           "congruence_title": "社会-技术一致性与覆盖率（按市(地)）"},
    "en": {"month": "{m}", "year": "{y}", "contacts": "contacts the rules count",
           "months_title": "Contact month by month (to the date)", "behind": "behind {n}",
           "share": "share not behind (met + on track)", "grid_title": "Standing by region and rule (to the date)",
           "congruence": "congruence (expected pairs with contact)", "coverage": "coverage (requirements met)",
           "congruence_title": "Socio-technical congruence and coverage by region"},
}  # fmt: skip
# the share of requirements not behind: red (all behind or unmet) → green (none)
_CMAP = LinearSegmentedColormap.from_list("standing", ["#c0392b", "#f39c12", "#f7dc6f", "#27ae60"])


def _render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _style() -> Any:
    return matplotlib.rc_context(
        {"font.family": matplotlib_families(), "axes.unicode_minus": False, "font.size": 9}
    )


def _plain(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def months_png(year: int, counts: Sequence[int], previous: Sequence[int] | None, lang: str = "zh") -> bytes:
    """Contacts the rules count per month: this year's so far (bars), last year's (line)."""
    t = TEXT[lang]
    with _style():
        fig = Figure(figsize=(7.5, 3.2))
        ax = fig.add_subplot()
        xs = list(range(1, 13))
        ax.bar(xs[: len(counts)], list(counts), color="#1f4e79", label=t["year"].format(y=year), zorder=2)
        if previous:
            ax.plot(
                xs,
                list(previous),
                color="#e67e22",
                marker="o",
                linewidth=1.6,
                label=t["year"].format(y=year - 1),
                zorder=3,
            )
        ax.set_xticks(xs, labels=[t["month"].format(m=m) for m in xs])
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, frameon=False)
        ax.set_ylabel(t["contacts"])
        ax.set_title(t["months_title"], loc="left", fontsize=11)
        _plain(ax)
        return _render(fig)


def status_grid_png(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[Mapping[str, int] | None]],
    lang: str = "zh",
) -> bytes:
    """Rule × region status as of the date: colour is the share not behind (met + on track over
    all), the text ``met/total`` and ``落后n`` where any is behind or unmet."""
    import numpy as np

    t = TEXT[lang]
    with _style():
        data = np.full((len(rows), len(columns)), np.nan)
        for i, line in enumerate(cells):
            for j, cell in enumerate(line):
                total = sum(cell.values()) if cell else 0
                if cell and total:
                    data[i, j] = (cell["met"] + cell["on_track"]) / total
        fig = Figure(figsize=(1.15 * len(columns) + 3.2, 0.38 * len(rows) + 1.9))
        ax = fig.add_subplot()
        im = ax.imshow(np.ma.masked_invalid(data), cmap=_CMAP.with_extremes(bad="#e5e5e5"), vmin=0, vmax=1,
                       aspect="auto")  # fmt: skip
        ax.set_xticks(
            range(len(columns)), labels=list(columns), rotation=35, ha="right", rotation_mode="anchor"
        )
        ax.set_yticks(range(len(rows)), labels=list(rows))
        for i, line in enumerate(cells):
            for j, cell in enumerate(line):
                total = sum(cell.values()) if cell else 0
                if not cell or not total:
                    continue
                late = cell["behind"] + cell["unmet"]
                text = f"{cell['met']}/{total}" + ("\n" + t["behind"].format(n=late) if late else "")
                ax.text(j, i, text, ha="center", va="center", fontsize=7,
                        color="white" if data[i, j] < 0.35 else "black")  # fmt: skip
        cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        cbar.ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        cbar.set_label(t["share"])
        ax.set_title(t["grid_title"], loc="left", fontsize=11)
        return _render(fig)


def congruence_png(rows: Sequence[Mapping[str, Any]], lang: str = "zh") -> bytes:
    """Congruence (expected pairs with contact) beside coverage per region group."""
    t = TEXT[lang]
    with _style():
        rows = list(rows)
        fig = Figure(figsize=(7.5, 0.34 * len(rows) + 1.5))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        height = 0.38
        cong = [r["congruence"] or 0 for r in rows]
        cov = [r["coverage"] or 0 for r in rows]
        ax.barh(
            [y + height / 2 for y in ys],
            cong,
            height=height,
            color="#1f4e79",
            label="一致性（有联系的应联系对）",
        )
        ax.barh([y - height / 2 for y in ys], cov, height=height, color="#27ae60", label=t["coverage"])
        ax.set_yticks(ys, labels=[r.get("name") or r.get("region_code") or "" for r in rows])
        ax.set_xlim(0, 1.05)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.06 - 0.3 / max(len(rows), 1)), ncols=2,
                  frameon=False, fontsize=8)  # fmt: skip
        ax.set_title(t["congruence_title"], loc="left", fontsize=11)
        _plain(ax)
        return _render(fig)
