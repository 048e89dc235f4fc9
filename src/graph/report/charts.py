"""The report's charts as PNG bytes: matplotlib's object API on the Agg canvas, no pyplot state.

Each function takes plain data (what :func:`graph.report.html.build_report` collects) and returns
PNG bytes, so charts can be tested without a store and reused outside the report. Chinese labels
use the CJK font from :mod:`graph.report.fonts`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .fonts import matplotlib_families

__all__ = ["short_name", "heatmap_png", "trend_png", "behind_png", "mechanisms_png"]

DPI = 200  # sharp when printed at the width the page gives a chart (about 17 cm)
#: cividis: perceptually uniform, readable in greyscale and with red–green colour blindness
COVERAGE_CMAP = matplotlib.colormaps["cividis"]
DARK, LIGHT = "#00204c", "#a59c74"  # the ends of cividis, for bars and lines
LEVEL_ZH = {"provincial": "省局", "prefecture": "市(地)局", "county": "县(区)局", "national": "总局"}


def _render(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _style() -> Any:
    return matplotlib.rc_context(
        {"font.family": matplotlib_families(), "axes.unicode_minus": False, "font.size": 9}
    )


def short_name(name: str) -> str:
    """A bureau name without the national prefix every bureau shares (国家税务总局…税务局).

    >>> short_name("国家税务总局哈尔滨市道里区税务局")
    '哈尔滨市道里区税务局'
    """
    return name.removeprefix("国家税务总局") or name


def heatmap_png(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[tuple[int, int] | None]],
    *,
    total_label: str = "合计",
    colour_label: str = "覆盖率 (已满足 / 应满足)",
) -> bytes:
    """Coverage by row (``rows``, in the order given) and rule (``columns``), plus a total column.

    A cell is (met, expected) or None (no requirement: white). Colour is met/expected on cividis;
    each cell prints the percentage, large, and met/expected, small, in black or white to keep
    contrast; the total column, set apart by a gap, sums the row.
    """
    import numpy as np

    n_rows, n_cols = len(rows), len(columns) + 1
    with _style():
        data = np.full((n_rows, n_cols), np.nan)
        texts: list[list[tuple[int, int] | None]] = []
        for i, line in enumerate(cells):
            met = sum(c[0] for c in line if c)
            exp = sum(c[1] for c in line if c)
            full = [*line, (met, exp) if exp else None]
            texts.append(full)
            for j, cell in enumerate(full):
                if cell and cell[1]:
                    data[i, j] = cell[0] / cell[1]
        fig = Figure(figsize=(0.68 * n_cols + 1.4, 0.3 * n_rows + 1.2))  # printed at about 1:1 on A4
        ax = fig.add_subplot()
        cmap = COVERAGE_CMAP.with_extremes(bad="white")
        xs = [j + (0.25 if j == n_cols - 1 else 0) for j in range(n_cols)]  # the total column apart
        for j, x in enumerate(xs):
            col = np.ma.masked_invalid(data[:, j : j + 1])
            im = ax.imshow(col, cmap=cmap, vmin=0.4, vmax=1, aspect="auto",
                           extent=(x - 0.5, x + 0.5, n_rows - 0.5, -0.5))  # fmt: skip
        ax.set_xlim(-0.5, xs[-1] + 0.5)
        ax.set_ylim(n_rows - 0.5, -0.5)
        ax.set_xticks(xs, labels=[*columns, total_label], rotation=30, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(n_rows), labels=list(rows))
        for i, line in enumerate(texts):
            for j, cell in enumerate(line):
                if not (cell and cell[1]):
                    continue
                ratio = cell[0] / cell[1]
                colour = "white" if ratio < 0.8 else "black"
                bold = "bold" if j == n_cols - 1 else "normal"
                ax.text(xs[j], i - 0.1, f"{ratio:.0%}", ha="center", va="center",
                        fontsize=9.5 if bold else 9, color=colour)  # fmt: skip
                ax.text(xs[j], i + 0.3, f"{cell[0]}/{cell[1]}", ha="center", va="center", fontsize=6.5,
                        color=colour)  # fmt: skip
        ax.tick_params(length=0, labelsize=8.5)
        ax.xaxis.tick_top()
        ax.set_xticks(xs, labels=[*columns, total_label], rotation=30, ha="left", rotation_mode="anchor")
        for spine in ax.spines.values():
            spine.set_visible(False)
        cbar = fig.colorbar(
            im, ax=ax, fraction=0.025, pad=0.015, extend="min", format=lambda x, _: f"{x:.0%}"
        )
        cbar.ax.tick_params(labelsize=7)
        cbar.ax.set_title(colour_label, fontsize=7.5, loc="left")
        return _render(fig)


def trend_png(
    years: Sequence[int], series: Mapping[str, Sequence[float | None]], *, year_suffix: str = "年"
) -> bytes:
    """Coverage ratio over ``years``, one line per series (the overall one first, then levels).

    Lines differ by marker and dash as well as by shade, so they stay apart in greyscale.
    """
    styles = [("o", "-", DARK, 2.6), ("s", "--", "#575c6d", 1.4), ("^", ":", "#7c7b78", 1.4),
              ("D", "-.", LIGHT, 1.4)]  # fmt: skip
    with _style():
        fig = Figure(figsize=(4.6, 3.0))
        ax = fig.add_subplot()
        for n, (name, values) in enumerate(series.items()):
            pts = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
            if not pts:
                continue
            xs, ys = zip(*pts, strict=True)
            marker, dash, colour, width = styles[n % len(styles)]
            ax.plot(xs, ys, marker=marker, linestyle=dash, linewidth=width, label=name, color=colour,
                    zorder=3 if n == 0 else 2)  # fmt: skip
            if n == 0:  # label the overall line beside each point, clear of the level lines
                for k, (x, y) in enumerate(pts):
                    left = k == 0 and len(pts) > 1
                    ax.annotate(f"{y:.1%}", (x, y), textcoords="offset points", xytext=(-9 if left else 9, 0),
                                ha="right" if left else "left", va="center", fontsize=9, color=DARK)  # fmt: skip
        ax.set_xticks(list(years), labels=[f"{y}{year_suffix}" for y in years])
        ax.margins(x=0.12)
        lows = [v for vs in series.values() for v in vs if v is not None]
        ax.set_ylim(max(0.0, min(lows, default=0.0) - 0.08), 1.02)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower right", frameon=False, ncols=2, fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)


def behind_png(
    rows: Sequence[dict[str, Any]],
    threshold: float,
    *,
    label: Any = None,
    note: str = "{value} 次 / 同级中位数 {median:g}",
    xlabel: str = "稳健 z 分数（与同级税务局比较）",
) -> bytes:
    """Robust z-scores of the bureaus furthest behind their peers (rows from ``peer_scores``).

    Bars at or beyond ``-threshold`` (far behind) are dark, the others light, a dashed line marks
    the threshold; ``label(row)`` names a bar (default: short name and prefecture).
    """
    with _style():
        rows = list(rows)[::-1]  # worst at the top
        fig = Figure(figsize=(7.2, 0.27 * len(rows) + 0.9))
        ax = fig.add_subplot()
        labels = [
            label(r) if label else f"{short_name(r['name'] or r['bureau_id'])}（{r.get('group') or ''}）"
            for r in rows
        ]
        values = [r["z"] for r in rows]
        colours = [DARK if v <= -threshold else LIGHT for v in values]
        ax.barh(range(len(rows)), values, color=colours)
        ax.set_yticks(range(len(rows)), labels=labels, fontsize=8)
        for i, r in enumerate(rows):
            inside = r["z"] <= -1.2
            text = note.format(value=r["value"], median=r["median"])
            ax.text(-0.04 if inside else r["z"] - 0.04, i, text, va="center", ha="right", fontsize=7.5,
                    color="white" if inside and r["z"] <= -threshold else "black")  # fmt: skip
        ax.axvline(-threshold, color="#444444", linestyle="--", linewidth=1)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel(xlabel, fontsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)


def mechanisms_png(
    rows: Sequence[dict[str, Any]],
    bureaus: int,
    *,
    label: Any = None,
    not_modelled: str = "数据模型中无可记录的联系类型",
) -> bytes:
    """Share of bureaus with evidence of each "four threes" sub-mechanism; unmodelled ones hatched."""
    with _style():
        rows = list(rows)[::-1]
        fig = Figure(figsize=(7.2, 0.24 * len(rows) + 0.7))
        ax = fig.add_subplot()
        for i, r in enumerate(rows):
            if r["status"] == "not_modelled":
                ax.barh(i, 1.0, color="white", edgecolor="#bdc3c7", hatch="//")
                ax.text(
                    0.5,
                    i,
                    not_modelled,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#7f8c8d",
                )
            else:
                of = r.get("applicable", bureaus)
                share = r["bureaus"] / of if of else 0.0
                ax.barh(i, share, color=DARK)
                ax.text(share, i, f" {r['bureaus']}/{of}", va="center", fontsize=8)
        ax.set_yticks(
            range(len(rows)), labels=[label(r) if label else f"{r['group_zh']}·{r['zh']}" for r in rows]
        )
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)
