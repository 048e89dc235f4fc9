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
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from .fonts import matplotlib_families

__all__ = ["short_name", "heatmap_png", "trend_png", "behind_png", "mechanisms_png"]

DPI = 110
# red (nothing met) → amber → green (all met): the office's traffic-light reading
COVERAGE_CMAP = LinearSegmentedColormap.from_list("coverage", ["#c0392b", "#f39c12", "#f7dc6f", "#27ae60"])
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
    rows: Sequence[str], columns: Sequence[str], cells: Sequence[Sequence[tuple[int, int] | None]]
) -> bytes:
    """Coverage by prefecture (``rows``) and rule (``columns``); a cell is (met, expected) or None.

    Colour is the ratio met/expected; the cell text shows ``met/expected``; empty cells (no
    requirement) are grey.
    """
    import numpy as np

    with _style():
        data = np.full((len(rows), len(columns)), np.nan)
        for i, line in enumerate(cells):
            for j, cell in enumerate(line):
                if cell and cell[1]:
                    data[i, j] = cell[0] / cell[1]
        fig = Figure(figsize=(1.15 * len(columns) + 3.2, 0.36 * len(rows) + 1.9))
        ax = fig.add_subplot()
        cmap = COVERAGE_CMAP.with_extremes(bad="#e5e5e5")
        im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(
            range(len(columns)), labels=list(columns), rotation=35, ha="right", rotation_mode="anchor"
        )
        ax.set_yticks(range(len(rows)), labels=list(rows))
        for i, line in enumerate(cells):
            for j, cell in enumerate(line):
                if cell and cell[1]:
                    ratio = cell[0] / cell[1]
                    ax.text(j, i, f"{cell[0]}/{cell[1]}", ha="center", va="center", fontsize=8,
                            color="white" if ratio < 0.35 else "black")  # fmt: skip
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02, format=lambda x, _: f"{x:.0%}")
        cbar.set_label("覆盖率 (已满足 / 应满足)")
        ax.set_title("各市(地)税务局横向联系覆盖率（按规则）", loc="left", fontsize=11)
        return _render(fig)


def trend_png(years: Sequence[int], series: Mapping[str, Sequence[float | None]]) -> bytes:
    """Coverage ratio over ``years``, one line per series (``总体`` first, then levels)."""
    with _style():
        fig = Figure(figsize=(7.5, 3.4))
        ax = fig.add_subplot()
        for name, values in series.items():
            pts = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
            if not pts:
                continue
            xs, ys = zip(*pts, strict=True)
            bold = name == "总体"
            ax.plot(xs, ys, marker="o", linewidth=2.6 if bold else 1.4, label=name,
                    color="#1f4e79" if bold else None, zorder=3 if bold else 2)  # fmt: skip
            if bold:  # label the overall line beside each point, clear of the level lines
                for n, (x, y) in enumerate(pts):
                    left = n == 0 and len(pts) > 1
                    ax.annotate(f"{y:.1%}", (x, y), textcoords="offset points", xytext=(-9 if left else 9, 0),
                                ha="right" if left else "left", va="center", fontsize=9, color="#1f4e79",
                                fontweight="bold")  # fmt: skip
        ax.set_xticks(list(years), labels=[f"{y}年" for y in years])
        ax.margins(x=0.12)
        lows = [v for vs in series.values() for v in vs if v is not None]
        ax.set_ylim(max(0.0, min(lows, default=0.0) - 0.08), 1.02)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="lower right", frameon=False, ncols=len(series))
        ax.set_title("横向联系覆盖率趋势", loc="left", fontsize=11)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)


def behind_png(rows: Sequence[dict[str, Any]], threshold: float) -> bytes:
    """Robust z-scores of the bureaus furthest behind their peers (rows from ``peer_scores``)."""
    with _style():
        rows = list(rows)[::-1]  # worst at the top
        fig = Figure(figsize=(7.5, 0.32 * len(rows) + 1.3))
        ax = fig.add_subplot()
        labels = [
            f"{short_name(r['name'] or r['bureau_id'])}（{LEVEL_ZH.get(r['level'], r['level'])}）"
            for r in rows
        ]
        values = [r["z"] for r in rows]
        colours = ["#c0392b" if v <= -threshold else "#e59866" for v in values]
        ax.barh(range(len(rows)), values, color=colours)
        ax.set_yticks(range(len(rows)), labels=labels)
        for i, r in enumerate(rows):
            inside = r["z"] <= -1.2
            label = f"{r['value']} 次 / 同级中位数 {r['median']:g}"
            ax.text(-0.04 if inside else r["z"] - 0.04, i, label, va="center", ha="right", fontsize=8,
                    color="white" if inside else "black")  # fmt: skip
        ax.axvline(-threshold, color="#7f8c8d", linestyle="--", linewidth=1)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("稳健 z 分数：(x − 同级中位数) / (1.4826 × MAD)，x = log(1 + 横向联系次数)")
        ax.set_title("横向联系明显落后于同级的税务局", loc="left", fontsize=11)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)


def mechanisms_png(rows: Sequence[dict[str, Any]], bureaus: int) -> bytes:
    """Share of bureaus with evidence of each "four threes" sub-mechanism; unmodelled ones hatched."""
    with _style():
        rows = list(rows)[::-1]
        fig = Figure(figsize=(7.5, 0.3 * len(rows) + 1.3))
        ax = fig.add_subplot()
        for i, r in enumerate(rows):
            if r["status"] == "not_modelled":
                ax.barh(i, 1.0, color="white", edgecolor="#bdc3c7", hatch="//")
                ax.text(
                    0.5,
                    i,
                    "数据模型中无可记录的联系类型",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="#7f8c8d",
                )
            else:
                of = r.get("applicable", bureaus)
                share = r["bureaus"] / of if of else 0.0
                ax.barh(i, share, color="#2e86c1")
                ax.text(share, i, f" {r['bureaus']}/{of}", va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), labels=[f"{r['group_zh']}·{r['zh']}" for r in rows])
        ax.set_xlim(0, 1.12)
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.set_title("“四个三”机制：有联系记录佐证的税务局占比", loc="left", fontsize=11)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _render(fig)
