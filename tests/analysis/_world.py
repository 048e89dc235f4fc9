"""The small world of this folder's conftest.py, importable by a name no other folder uses
(``conftest`` is a different module in each test folder)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "tiaokuai_tests_analysis_world", Path(__file__).with_name("conftest.py")
)
assert _spec and _spec.loader
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)

CODES = _conftest.CODES
COUNTIES = _conftest.COUNTIES
LEVEL = _conftest.LEVEL
PREFECTURE = _conftest.PREFECTURE
PROVINCE = _conftest.PROVINCE
world_units = _conftest.world_units
