"""The coverage report (``tiaokuai report``), the unit pages ``tiaokuai serve`` shows, and charts.

>>> from graph.report import write_report                          # doctest: +SKIP
>>> write_report(store, 2020, Path("report-2020.html"), pdf=Path("report-2020.pdf"))  # doctest: +SKIP
{'path': 'report-2020.html', 'csv': 'report-2020-gaps.csv', 'pdf': 'report-2020.pdf', 'year': 2020, ...}
"""

from .data import build_report
from .fonts import CJKFont, css_font_face, find_cjk_font, matplotlib_families
from .html import RULE_ZH, gaps_csv, render_html, write_report
from .names import Names
from .unit import render_unit_page, unit_page_data

__all__ = [
    "CJKFont",
    "Names",
    "RULE_ZH",
    "build_report",
    "css_font_face",
    "find_cjk_font",
    "gaps_csv",
    "matplotlib_families",
    "render_html",
    "render_unit_page",
    "unit_page_data",
    "write_report",
]
