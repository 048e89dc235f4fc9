"""Store files that are not what they should be, at the CLI surface: each one gets the documented
exit status for an unusable store (2), a message that names the file and says what to do, no
traceback, and the file is left exactly as it was (no bytes changed, no WAL or lock beside it).

And the file a good store is: SQLite (``SQLite format 3``), readable with the standard library's
``sqlite3`` as documented in docs/stores.md.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "data" / "good"
EXIT_UNAVAILABLE = 2


def tiaokuai(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("tiaokuai")
    argv = [str(script)] if script.exists() else [sys.executable, "-c", "from graph.cli import main; main()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIAOKUAI_")}
    return subprocess.run([*argv, *args], capture_output=True, text=True, timeout=120, env=env, check=False)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def good_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding tests/data/good, loaded by the CLI and closed (its WAL folded in)."""
    path = tmp_path_factory.mktemp("good") / "graph.tkg"
    result = tiaokuai("load", "-q", str(GOOD), "--store", str(path))
    assert result.returncode == 0, result.stderr
    return path


def assert_refused(path: Path, *phrases: str) -> None:
    """``stats`` (a read) and ``load`` (a write) both refuse the file and leave it untouched."""
    before = digest(path)
    siblings = sorted(p.name for p in path.parent.iterdir())
    for args in (("stats", "--year", "2020"), ("load", "-q", str(GOOD))):
        result = tiaokuai(*args, "--store", str(path))
        assert result.returncode == EXIT_UNAVAILABLE, (args, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        message = " ".join(result.stderr.split())
        assert message.startswith(f"error: cannot read the embedded store {path}: "), message
        for phrase in phrases:
            assert phrase in message, (phrase, message)
        assert digest(path) == before, f"{args}: the file was changed"
        assert sorted(p.name for p in path.parent.iterdir()) == siblings, f"{args}: files appeared beside it"


def test_a_fresh_store_is_a_sqlite_file(good_store: Path) -> None:
    assert good_store.read_bytes()[:16] == b"SQLite format 3\x00"
    assert not good_store.with_name("graph.tkg-wal").exists()  # closed cleanly: everything in the file
    copy = good_store.with_name("copy.tkg")
    shutil.copy(good_store, copy)
    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
        assert {"meta", "regions", "units", "links", "pair_totals"} <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA application_id").fetchone()[0] == int.from_bytes(b"tkg1", "big")
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
        n, files = conn.execute("SELECT COUNT(*), COUNT(DISTINCT source_file) FROM links").fetchone()
        assert n > 0 and files > 0  # provenance kept
    conn.close()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_a_fresh_make_demo_writes_a_sqlite_file(tmp_path: Path) -> None:
    """``make demo`` as the Makefile has it (``make -n`` prints its commands), into a new folder:
    every command up to ``serve`` (which would not return) runs, and the store it leaves is a
    SQLite file, not a pickle."""
    demo = tmp_path / "demo"
    bin_dir = Path(sys.executable).parent
    printed = subprocess.run(
        ["make", "-n", "-s", "demo", f"DEMO={demo}", f"BIN={bin_dir}", "PORT=1"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    commands = [line for line in printed if str(bin_dir) in line or line.startswith(("rm ", "mkdir "))]
    assert any(" load " in c for c in commands), printed
    for command in commands:
        if " serve " in command:
            break
        if "pip install" in command or " -m venv " in command:
            continue
        done = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr[-2000:])
    else:
        raise AssertionError(f"make demo no longer ends with serve: {printed}")
    store = demo / "graph.tkg"
    assert store.read_bytes()[:16] == b"SQLite format 3\x00"
    with sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] > 0
    conn.close()


def test_no_pickle_in_the_store_package() -> None:
    store = REPO / "src" / "graph" / "store"
    for source in store.glob("*.py"):
        assert "import pickle" not in source.read_text(encoding="utf-8"), source


def test_not_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "graph.tkg"
    path.write_bytes(b"region,name\n230000,Heilongjiang\n" * 20)
    assert_refused(path, "not a SQLite database", "SQLite format 3")


@pytest.mark.parametrize("keep", [0.5, 50 / 4096])
def test_a_truncated_file(good_store: Path, tmp_path: Path, keep: float) -> None:
    path = tmp_path / "graph.tkg"
    data = good_store.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    assert_refused(path, "truncated", "load your ledgers again")


def test_another_programs_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.close()
    assert_refused(path, "another program's SQLite database (tables: notes)", "nothing was changed")


def test_another_programs_sqlite_file_with_its_application_id(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1196444487")  # GeoPackage: "GPKG"
        conn.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    conn.close()
    assert_refused(path, "another program's SQLite database (application id 0x47504b47")


def test_a_newer_schema_version(good_store: Path, tmp_path: Path) -> None:
    path = tmp_path / "graph.tkg"
    shutil.copy(good_store, path)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert_refused(path, "newer tiaokuai (store schema version 99", "Upgrade tiaokuai")


def test_an_old_pickle_store_is_never_unpickled(tmp_path: Path) -> None:
    """A file of the old format, crafted to run code when unpickled: refused without running it,
    and the message says how to rebuild the store from the ledgers."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "graph.tkg"
    path.write_bytes(
        pickle.dumps(
            {"format": "tiaokuai-embedded/2", "regions": [], "units": [], "links": [Payload()]}, protocol=5
        )
    )
    assert_refused(
        path, "old format (tiaokuai-embedded/2", "tiaokuai load LEDGERS --store", "tiaokuai migrate"
    )
    assert not marker.exists()


@pytest.fixture
def read_only(good_store: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the good store that this user cannot write: mode 0444, and as root (who writes
    any file whatever its mode) also immutable (``chattr +i``)."""
    path = tmp_path / "graph.tkg"
    shutil.copy(good_store, path)
    path.chmod(0o444)
    immutable = False
    if os.geteuid() == 0:
        chattr = shutil.which("chattr")
        if chattr is None or subprocess.run([chattr, "+i", str(path)], capture_output=True).returncode:
            pytest.skip("running as root, where only an immutable file is read-only, and chattr +i failed")
        immutable = True
    try:
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_file_for_a_write(read_only: Path) -> None:
    path = read_only
    before = digest(path)
    result = tiaokuai("load", "-q", str(GOOD), "--store", str(path))
    assert result.returncode == EXIT_UNAVAILABLE, result.stderr
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"cannot write the embedded store {path}: the file (or its folder) is read-only" in message
    assert "nothing was written" in message
    assert digest(path) == before
    # reading it still works
    result = tiaokuai("stats", "--year", "2020", "--format", "json", "--store", str(path))
    assert result.returncode == 0, result.stderr
    assert digest(path) == before


def _old_store_bytes(payload: object = None) -> bytes:
    """A store file as the pickle store wrote it (format tiaokuai-embedded/2: plain tuples)."""
    import datetime as dt

    links: list[object] = [
        (
            "L1",
            "visit",
            "liaison",
            dt.date(2020, 3, 1).toordinal(),
            2020,
            "TB-1",
            "PC-1",
            2,
            5,
            "走访",
            "a.csv",
            2,
        )
    ]
    if payload is not None:
        links.append(payload)
    return pickle.dumps(
        {
            "format": "tiaokuai-embedded/2",
            "regions": [("230000", "黑龙江省", "province", None)],
            "units": [
                ("TB-1", "税务局", "tax_bureau", "provincial", "230000", None, None, {}),
                ("PC-1", "省委", "local_party_committee", "provincial", "230000", None, "CPC", {"a": "b"}),
            ],
            "links": links,
        },
        protocol=5,
    )


def test_migrate_converts_an_old_store_the_user_trusts(tmp_path: Path) -> None:
    old, new = tmp_path / "old.tkg", tmp_path / "new.tkg"
    old.write_bytes(_old_store_bytes())
    result = tiaokuai("migrate", str(old), str(new))
    assert result.returncode == 0, result.stderr
    assert "1 regions, 2 units, 1 links" in result.stderr
    result = tiaokuai("stats", "--year", "2020", "--format", "json", "--store", str(new))
    assert result.returncode == 0, result.stderr
    assert '"links": 1' in result.stdout
    assert new.read_bytes()[:16] == b"SQLite format 3\x00"


def test_migrate_refuses_code_in_the_old_file(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    old, new = tmp_path / "old.tkg", tmp_path / "new.tkg"
    old.write_bytes(_old_store_bytes(Payload()))
    result = tiaokuai("migrate", str(old), str(new))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "names posix.system" in result.stderr and "only plain data" in result.stderr
    assert not marker.exists() and not new.exists()
