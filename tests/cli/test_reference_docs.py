"""The CLI reference in docs/ is generated from the real --help; this fails when they drift."""

from __future__ import annotations

from pathlib import Path

from graph.cli import cli
from graph.cli.reference import render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/cli.md is stale: run `python -m graph.cli.reference > docs/cli.md`"
    )


def test_every_command_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## tiaokuai {name}\n" in text
