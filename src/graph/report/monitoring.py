"""The monitoring lead of the report (``tiaokuai report --as-of``, issue 21): the data of
:func:`graph.analysis.monitor.monitoring` rendered as charts for ``templates/monitor.html``."""

from __future__ import annotations

import base64
from typing import Any

from . import timecharts

__all__ = ["monitor_context"]


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def monitor_context(data: dict[str, Any], lang: str) -> dict[str, Any]:
    """What ``monitor.html`` reads: ``monitor`` (the data or None), its charts, the dormant factor."""
    m = data.get("monitor")
    if not m:
        return {"monitor": None, "monitor_charts": {}, "dormant_factor": 0}
    grid = m["status_grid"]
    charts = {
        "months": _b64(
            timecharts.months_png(m["year"], m["months"]["counts"], m["months"]["previous"], lang)
        ),
        "grid": _b64(timecharts.status_grid_png(grid["rows"], grid["columns"], grid["cells"], lang)),
        "congruence": _b64(timecharts.congruence_png(m["congruence"], lang)),
    }
    return {"monitor": m, "monitor_charts": charts, "dormant_factor": m["dormant_factor"]}
