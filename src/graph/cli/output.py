"""Render rows as an aligned table (for people), JSON or CSV (for scripts).

Tables use rich so that Chinese names line up (East Asian wide characters take two columns).
CSV cells that a spreadsheet would run as a formula are prefixed with a quote (OWASP's advice on
CSV injection), so an exported ledger value like ``=cmd|…`` never becomes a formula.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["emit_json", "emit_csv", "emit_table", "percent", "safe_cell", "bilingual", "HEADINGS"]

#: Chinese for the English column headings and table titles the commands print. A table is read by
#: a party-building office first: Chinese first, the English word beside it for scripts' authors
#: and for the docs. Headings already in Chinese, and anything not listed, print as they are.
HEADINGS = {
    "level": "层级",
    "expected": "应有",
    "met": "已达",
    "met to date": "累计已达",
    "ratio": "比例",
    "coverage": "覆盖率",
    "contacts": "联系",
    "period": "期间",
    "on_track": "进度正常",
    "behind": "落后",
    "unmet": "未达",
    "links": "联系数",
    "timeline": "时间线",
    "count": "次数",
    "participants": "人次",
    "seen/needed": "已有/应有",
    "system": "系统",
    "kind": "类型",
    "missed": "缺期",
    "status": "状态",
    "due": "期限",
    "family": "类别",
    "unit": "单位",
    "bureau": "税务局",
    "bureaus": "税务局数",
    "counterpart": "对方",
    "region": "地区",
    "group": "组",
    "side": "一方",
    "only": "仅由",
    "kinds": "类型",
    "partners": "伙伴",
    "mutual": "双向",
    "reciprocity": "互惠度",
    "initiative": "主动度",
    "median": "中位数",
    "horizontal": "横向",
    "vertical": "纵向",
    "balance": "平衡",
    "measure": "指标",
    "value": "值",
    "total": "合计",
    "betweenness": "中介中心度",
    "last contact": "最近联系",
    "median days": "间隔中位天数",
    "days silent": "沉寂天数",
    "reason": "原因",
    "expected pairs": "应有对数",
    "contacted": "有联系",
    "congruence": "一致度",
    "By level": "按层级",
    "By rule": "按规则",
    "By system": "按系统",
    "Units": "单位",
    "Coverage to date by rule": "各规则累计覆盖率",
    "By region (prefecture groups; the provincial bureau under the province)": "按地区（地市分组，省局列在省下）",
}

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def emit_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell("" if row.get(k) is None else row.get(k)) for k in columns})
    sys.stdout.write(buf.getvalue())


def percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.1%}"


def bilingual(text: str) -> str:
    """``text`` with its Chinese first when :data:`HEADINGS` has it (``层级 level``)."""
    zh = HEADINGS.get(text)
    return f"{zh} {text}" if zh else text


def emit_table(
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str],
    title: str | None = None,
    right: Sequence[int] = (),
) -> None:
    console = Console(width=200 if not sys.stdout.isatty() else None, highlight=False)
    if title:
        console.print(bilingual(title), style="bold")
    table = Table(show_edge=False, pad_edge=False, box=None)
    for i, h in enumerate(headers):
        table.add_column(bilingual(h), justify="right" if i in right else "left", header_style="bold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
