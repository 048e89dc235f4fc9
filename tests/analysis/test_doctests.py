"""The examples in the analysis and report docstrings run (house style: docstrings as doctests)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "graph.analysis",
    "graph.analysis.views",
    "graph.analysis.gaps",
    "graph.analysis.reciprocity",
    "graph.analysis.isolation",
    "graph.analysis.mechanisms",
    "graph.analysis.balance",
    "graph.analysis.brokerage",
    "graph.analysis.timing",
    "graph.rules.periods",
    "graph.rules.names",
    "graph.report",
    "graph.report.names",
    "graph.report.fonts",
    "graph.report.charts",
    "graph.synthetic.core",
    "graph.queries.paths",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
