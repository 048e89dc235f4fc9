"""The house rules of issue 15, checked on the tree: layer contracts (import-linter, real runs on
the real tree and on copies with one forbidden import each), and the greps the issue lists."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "graph"
LOADERS = ROOT / "loaders"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 500


def _python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _lint_imports(cwd: Path, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:  # ahead of the editable install's src/ and .
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_layer_contracts_hold() -> None:
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packages and pyproject.toml (with the contracts) copied, to break one import at a time."""
    base = tmp_path_factory.mktemp("house")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(SRC, base / "pristine" / "graph", ignore=ignore)
    shutil.copytree(LOADERS, base / "pristine" / "loaders", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", base / "pristine" / "pyproject.toml")
    return base / "pristine"


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        ("graph/rules/__init__.py", "import loaders", "loaders imports graph, never the reverse"),
        (
            "graph/ingest/validate.py",
            "from loaders import readers",
            "loaders imports graph, never the reverse",
        ),
        ("graph/queries/stats.py", "import neo4j", "the neo4j driver is imported only under graph.store"),
        ("graph/cli/common.py", "import fastapi", "FastAPI and strawberry are imported only under graph.api"),
        ("graph/report/charts.py", "import strawberry", "FastAPI and strawberry are imported only under"),
        ("graph/model/__init__.py", "from graph.store import base", "graph's layers"),
        ("graph/store/base.py", "from graph import rules", "graph's layers"),
        ("graph/rules/__init__.py", "from graph.api import app", "graph's layers"),
    ],
)
def test_a_forbidden_import_is_caught(
    tree_copy: Path, tmp_path: Path, module: str, bad_import: str, contract: str
) -> None:
    work = tmp_path / "tree"
    shutil.copytree(tree_copy, work)
    target = work / module
    text = target.read_text(encoding="utf-8")
    # after the module's __future__ import (if any), so the copy still compiles
    marker = "from __future__ import annotations\n"
    if marker in text:
        text = text.replace(marker, f"{marker}{bad_import}  # noqa\n", 1)
    else:
        text = f"{bad_import}  # noqa\n{text}"
    target.write_text(text, encoding="utf-8")
    result = _lint_imports(work, pythonpath=work)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert broken, result.stdout
    assert contract in result.stdout
    assert module.removesuffix(".py").removesuffix("/__init__").replace("/", ".") in result.stdout


def test_graph_never_imports_loaders() -> None:
    pattern = re.compile(r"^\s*(import loaders|from loaders\b)", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in _python_files(SRC) if pattern.search(p.read_text("utf-8"))]
    assert offenders == []


def _strings(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    kinds = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())
    return [(tok.start[0], tok.string) for tok in tokens if tok.type in kinds]


def test_cypher_lives_only_in_the_store() -> None:
    keyword = re.compile(r"\b(MATCH|MERGE|UNWIND)\b")
    store = SRC / "store"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files(SRC, LOADERS)
        if store not in path.parents
        for line, text in _strings(path)
        if keyword.search(text)
    ]
    assert offenders == []


def test_nothing_above_the_store_knows_a_concrete_store() -> None:
    concrete = re.compile(
        r"\b(Neo4jStore|EmbeddedStore|graph\.store\.(neo4j|embedded)|store\.(neo4j|embedded))\b"
    )
    store = SRC / "store"
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in _python_files(SRC, LOADERS)
        if store not in path.parents
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if concrete.search(line)
    ]
    assert offenders == []


def test_no_xfail_in_tests() -> None:
    this = Path(__file__).resolve()
    offenders = [
        str(p.relative_to(ROOT))
        for p in _python_files(ROOT / "tests")
        if p.resolve() != this and "xfail" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_no_module_over_500_lines() -> None:
    sizes = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _python_files(SRC, LOADERS)
    }
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_the_package_root_keeps_a_handful_of_modules() -> None:
    modules = sorted(p.name for p in SRC.glob("*.py"))
    assert len(modules) <= 6, modules
