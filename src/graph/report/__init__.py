"""The HTML coverage report (``tiaokuai report``) and its charts.

>>> from graph.report import write_report                 # doctest: +SKIP
>>> write_report(store, 2020, Path("report-2020.html"))   # doctest: +SKIP
{'path': 'report-2020.html', 'year': 2020, 'ratio': 0.87, 'gaps': 136, 'bytes': 912345}
"""

from .fonts import CJKFont, css_font_face, find_cjk_font, matplotlib_families
from .html import RULE_ZH, build_report, render_html, write_report

__all__ = [
    "CJKFont",
    "RULE_ZH",
    "build_report",
    "css_font_face",
    "find_cjk_font",
    "matplotlib_families",
    "render_html",
    "write_report",
]
