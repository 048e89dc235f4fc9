"""``tiaokuai keys`` and ``tiaokuai audit`` as an operator uses them: in-process, real files."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from graph.api.keys import KeyRing, read_keys

Run = Any  # the `run` fixture of tests/cli/conftest.py: run(*args, check=True)


def test_add_prints_the_key_once_and_stores_only_its_hash(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "conf" / "keys.toml"
    out = run("keys", "add", "--name", "harbin", "--role", "write", "--region", "230100", "--region", "230200",
              "--expires", "2030-06-30", "--file", str(path))  # fmt: skip
    key = out.stdout.strip()
    assert key.startswith("tk_") and len(key) > 40 and "not shown again" in out.stderr
    text = path.read_text()
    assert key not in text and "sha256:" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (entry,) = read_keys(path)
    assert (entry.name, entry.role, entry.regions, str(entry.expires)) == (
        "harbin",
        "write",
        ("230100", "230200"),
        "2030-06-30",
    )
    caller, why = KeyRing(path).lookup(key)
    assert why == "valid" and caller is not None and caller.regions == ("230100", "230200")


def test_list_shows_no_secrets_and_revoke_marks_the_key(run: Run, tmp_path: Path) -> None:
    path = str(tmp_path / "keys.toml")
    key = run(
        "keys", "add", "--name", "province", "--role", "admin", "--all-regions", "--file", path
    ).stdout.strip()
    run("keys", "add", "--name", "daoli", "--role", "read", "--region", "230102", "--file", path)
    rows = [json.loads(line) for line in run("keys", "list", "--json", "--file", path).stdout.splitlines()]
    assert [(r["name"], r["role"], r["regions"], r["state"]) for r in rows] == [
        ("province", "admin", "all", "active"), ("daoli", "read", ["230102"], "active")
    ]  # fmt: skip
    listing = run("keys", "list", "--file", path).stdout
    assert "sha256" not in listing and key not in listing
    run("keys", "revoke", "province", "--file", path)
    assert "revoked" in run("keys", "list", "--file", path).stdout.splitlines()[0]
    assert KeyRing(Path(path)).lookup(key) == (None, "revoked")


def test_bad_requests_exit_1_with_a_message(run: Run, tmp_path: Path) -> None:
    path = str(tmp_path / "keys.toml")
    run("keys", "add", "--name", "a", "--role", "read", "--region", "230100", "--file", path)
    cases = [
        (
            ["keys", "add", "--name", "a", "--role", "read", "--region", "230100", "--file", path],
            "exists already",
        ),
        (["keys", "add", "--name", "b", "--role", "read", "--file", path], "--region CODE"),
        (["keys", "add", "--name", "b", "--role", "read", "--region", "2301", "--file", path], "six-digit"),
        (
            ["keys", "add", "--name", "b c", "--role", "read", "--region", "230100", "--file", path],
            "name must be",
        ),
        (["keys", "revoke", "nobody", "--file", path], "no key named"),
        (["keys", "list"], "TIAOKUAI_KEYS_FILE"),
    ]
    for args, message in cases:
        result = run(*args, check=False)
        assert result.returncode in (1, 2) and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_audit_reads_the_log_since_a_date(run: Run, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    records = [
        {"ts": "2026-12-01T10:00:00.000+00:00", "outcome": "ok", "mutation": "recordLinks", "key_name": "daoli",
         "role": "write", "scope": ["230102"], "written": {"links": 3}, "request_id": "r1", "key": "valid"},
        {"ts": "2026-12-05T10:00:00.000+00:00", "outcome": "refused", "mutation": "recordLinks",
         "key_name": "daoli", "role": "write", "scope": ["230102"], "rows": 1000, "request_id": "r2",
         "error": "links row 502: outside", "key": "valid"},
        {"ts": "2026-12-06T10:00:00.000+00:00", "outcome": "refused", "mutation": None, "operation": "POST /graphql",
         "key": "none", "scope": None, "request_id": "r3"},
    ]  # fmt: skip
    log.write_text("".join(json.dumps(r) + "\n" for r in records) + "not json\n", encoding="utf-8")
    out = run("audit", "--since", "2026-12-05", "--log", str(log)).stdout.splitlines()
    assert len(out) == 2 and "daoli" in out[0] and "links row 502" in out[0] and "r3" in out[1]
    as_json = [
        json.loads(line)
        for line in run("audit", "--since", "2026-11-30", "--log", str(log), "--json").stdout.splitlines()
    ]
    assert [r["request_id"] for r in as_json] == ["r1", "r2", "r3"]
    missing = run("audit", "--since", "2026-12-05", check=False)
    assert missing.returncode != 0 and "TIAOKUAI_AUDIT_LOG" in missing.stderr
