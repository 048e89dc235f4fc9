"""Hostile ledgers: every load ends in success or a LoadError naming file and row, and writes nothing
unless it succeeds whole.

In process (fast, many cases) on both stores, and through ``tiaokuai load`` as a subprocess (fewer
cases): no traceback, exit 0 or 1, ``FILE:ROW: column: message`` lines on stderr.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from fuzzing import fuzz
from hostile import GOOD_FILES, Files, hostile_ledgers
from hypothesis import given
from hypothesis import strategies as st
from relhelp import assert_clean_exit, clear_neo4j, cli, file_digest, neo4j_counts

from graph.errors import LoadError
from graph.store import open_store
from loaders import load_paths

PROBLEM_LINE = re.compile(r"^(?P<file>.+?):(?P<row>\d+): (?P<column>[^:]+): (?P<message>.+)$")


def _write(folder: Path, files: Files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _base(folder: Path) -> Path:
    """A folder with just the good regions ledger: what every store holds before a hostile load."""
    return _write(folder, {"regions.csv": GOOD_FILES["regions.csv"]})


def _check_outcome(store_location: str, ledgers: Path, files: Files) -> str:
    """Load ``ledgers``; on success everything is in the store, on LoadError problems name a file of
    the load and a row. Returns "ok" or "invalid"; anything else raises (and fails the test)."""
    with open_store(store_location) as store:
        try:
            report = load_paths(store, [ledgers])
        except LoadError as exc:
            assert exc.problems, "a LoadError must carry its problems"
            names = set(files) | {"(none)"}
            for p in exc.problems:
                assert p.row >= 1 and p.column and p.message.strip(), p
                assert p.file.split("[", 1)[0] in names, (p.file, sorted(names))
                assert PROBLEM_LINE.match(str(p).splitlines()[0]), str(p)
            return "invalid"
        assert report.files >= 0
        # wholly written: a dry run of the same folder finds nothing new
        again = load_paths(store, [ledgers], dry_run=True)
        assert again.links_created == 0
        if report.units:
            assert store.count_units() >= report.units
    return "ok"


def _embedded_case(files: Files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = str(root / "g.tkg")
        with open_store(store) as s:
            load_paths(s, [_base(root / "base")])
        before = file_digest(Path(store))
        outcome = _check_outcome(store, _write(root / "in", files), files)
        if outcome == "invalid":
            assert file_digest(Path(store)) == before, "a refused load changed the store file"
            assert not list(root.glob(".g.tkg.*")), "a refused load left a temporary file"


@fuzz(200)
@given(files=hostile_ledgers())
def test_hostile_ledgers_embedded(files: Files) -> None:
    _embedded_case(files)


@pytest.mark.slow
@fuzz(4000)
@given(files=hostile_ledgers())
def test_hostile_ledgers_embedded_soak(files: Files) -> None:
    _embedded_case(files)


@pytest.mark.neo4j
@fuzz(25)
@given(files=hostile_ledgers())
def test_hostile_ledgers_neo4j(neo4j_uri: str, files: Files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        clear_neo4j(neo4j_uri)
        with open_store(neo4j_uri) as s:
            load_paths(s, [_base(root / "base")])
        before = neo4j_counts(neo4j_uri)
        outcome = _check_outcome(neo4j_uri, _write(root / "in", files), files)
        if outcome == "invalid":
            assert neo4j_counts(neo4j_uri) == before, "a refused load changed Neo4j"


@fuzz(6)
@given(files=hostile_ledgers(), as_files=st.booleans())
def test_hostile_ledgers_cli(files: Files, as_files: bool) -> None:
    """``tiaokuai load`` as users run it: no traceback, exit 0 or 1, problems as FILE:ROW lines."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = str(root / "g.tkg")
        assert cli("load", "-q", str(_base(root / "base")), store=store).returncode == 0
        before = file_digest(Path(store))
        folder = _write(root / "in", files)
        targets = [str(p) for p in sorted(folder.iterdir())] if as_files else [str(folder)]
        result = cli("load", "-q", *targets, store=store)
        assert_clean_exit(result)
        if result.returncode == 1:
            assert "nothing was written" in result.stderr, result.stderr
            first = next(line for line in result.stderr.splitlines() if not line.startswith("warning:"))
            assert PROBLEM_LINE.match(first), result.stderr
            assert file_digest(Path(store)) == before


CASES: dict[str, Files] = {
    "utf16-no-bom": {"links.csv": GOOD_FILES["links.csv"].decode("utf-8-sig").encode("utf-16-le")},
    "nul-bytes": {"regions.csv": GOOD_FILES["regions.csv"].replace(b",", b"\x00,")},
    "huge-cell": {"regions.csv": GOOD_FILES["regions.csv"] + b"230103," + b"x" * 300_000 + b",county,230100\n"},
    "huge-count": {**GOOD_FILES, "links.csv": GOOD_FILES["links.csv"].replace(b",1,,", b"," + b"9" * 5000 + b",,", 1)},
    "count-beyond-int64": {**GOOD_FILES, "links.csv": GOOD_FILES["links.csv"].replace(b",1,,", b",99999999999999999999,,", 1)},
    "control-chars": {**GOOD_FILES, "links.csv": GOOD_FILES["links.csv"].replace("全局性工作全面报".encode(), b"\x0b\x1b[31m")},
    "empty-file": {"links.csv": b""},
    "only-bom": {"links.csv": b"\xef\xbb\xbf"},
    "binary": {"links.csv": bytes(range(256)) * 10},
    "xlsx-empty-zip": {"links.xlsx": b"PK\x05\x06" + b"\x00" * 18},
}  # fmt: skip


MUST_FAIL = {
    "huge-count",
    "count-beyond-int64",
    "control-chars",
    "binary",
    "huge-cell",
    "utf16-no-bom",
    "nul-bytes",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_named_hostile_cases_cli(case: str, tmp_path: Path) -> None:
    """Cases worth naming, through ``tiaokuai load``: exit 0/1, no traceback, nothing half-written."""
    folder = _write(tmp_path / "in", CASES[case])
    store = tmp_path / "g.tkg"
    result = cli("load", "-q", str(folder), store=str(store))
    assert_clean_exit(result)
    if case in MUST_FAIL:
        assert result.returncode == 1, result.stderr
        assert "nothing was written" in result.stderr
        assert not store.exists()


@pytest.mark.neo4j
@pytest.mark.parametrize("case", sorted(CASES))
def test_named_hostile_cases_neo4j(case: str, neo4j_uri: str, tmp_path: Path) -> None:
    """The same cases on Neo4j (in process): a refused load leaves the database as it was."""
    clear_neo4j(neo4j_uri)
    before = neo4j_counts(neo4j_uri)
    outcome = _check_outcome(neo4j_uri, _write(tmp_path / "in", CASES[case]), CASES[case])
    if case in MUST_FAIL:
        assert outcome == "invalid"
    if outcome == "invalid":
        assert neo4j_counts(neo4j_uri) == before


def test_formula_cells_are_kept_as_text(tmp_path: Path) -> None:
    """A ledger cell that looks like a formula is loaded as the text it is, never evaluated."""
    from relhelp import write_csv

    folder = shutil.copytree(Path(__file__).parents[1] / "data" / "good", tmp_path / "in")
    write_csv(folder / "more.csv", ["code", "name", "level", "parent_code"],
              [["230104", "=cmd|' /C calc'!A0", "county", "230100"]])  # fmt: skip
    with open_store(tmp_path / "g.tkg") as store:
        load_paths(store, [folder])
        assert store.get_regions(["230104"])["230104"].name == "=cmd|' /C calc'!A0"
