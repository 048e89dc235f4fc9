"""Build the multi-sheet XLSX ledger used by the loader tests (kept as code, not as a binary file).

Run ``python tests/data/make_xlsx.py OUT.xlsx`` to get the workbook for a manual look in Excel.
It holds what Excel users really produce: numbers where text was meant (codes, ids, counts as
floats), real date cells, a title row above a header, a blank row inside the data, a text cell
that looks like a formula, and an empty sheet.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from openpyxl import Workbook

__all__ = ["build"]


def build(path: Path, *, bad: bool = False) -> Path:
    """Write the workbook to ``path``; with ``bad`` its sheet 2021 row 3 has an unknown link kind."""
    wb = Workbook()
    regions = wb.active
    regions.title = "区划"
    regions.append(["区划代码", "名称", "级别", "上级代码"])
    regions.append([230000, "黑龙江省", "省", None])
    regions.append([230100.0, "哈尔滨市", "市", 230000])

    units = wb.create_sheet("单位")
    units.append(["黑龙江省税务系统单位台账"])  # a title row: the header is found below it
    units.append(["编号", "名称", "类型", "级别", "区划代码", "上级编号"])
    units.append([1001, "黑龙江省税务局", "税务局", "省级", 230000, None])
    units.append([1002, "哈尔滨市税务局", "税务局", "市级", 230100, 1001])
    units.append([2001, "中共哈尔滨市委", "市委", "市级", 230100.0, None])

    y2020 = wb.create_sheet("2020")
    y2020.append(["日期", "类型", "发起单位", "对象单位", "次数", "人数", "事项"])
    y2020.append([dt.datetime(2020, 3, 1), "走访", 1002, 2001, 2.0, 3, "走访市委组织部"])
    y2020.append([])  # a blank row: skipped, but later rows keep their spreadsheet numbers
    y2020.append([dt.date(2020, 5, 4), "全面报", 1002, 2001, 1, None, None])
    formula_text = y2020.cell(row=4, column=7, value='=HYPERLINK("http://x")')
    formula_text.data_type = "s"  # stored as text that merely looks like a formula

    y2021 = wb.create_sheet("2021")
    y2021.append(["date", "kind", "source_id", "target_id"])
    y2021.append(["2021-01-10", "instruction", 2001, 1002])
    y2021.append(["2021/02/01", "拜访" if bad else "visit", 1002, 2001])

    wb.create_sheet("空")
    wb.save(path)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "ledgers.xlsx")))
