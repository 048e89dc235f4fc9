"""The keys file (``TIAOKUAI_KEYS_FILE``): who may call the API, with what role, over which regions.

One TOML file, one ``[[key]]`` table per key::

    [[key]]
    name = "harbin"                 # unique; what the audit log shows
    role = "write"                  # read | write | admin
    regions = ["230100"]            # each: that region and every region within it; [] = everything
    created = 2026-12-07T08:00:00Z
    expires = 2027-12-31            # optional: refused from the day after
    hash = "sha256:9f86d0…"         # SHA-256 of the key; the key itself is never stored
    revoked = 2026-12-08T10:00:00Z  # optional: refused from then on

Why SHA-256 and not a password hash (scrypt, argon2): keys are 256 random bits made by
``tiaokuai keys add``, not passwords a person chose, so there is nothing for a slow hash to protect
against a guessing attack, and a fast hash lets every request check every key. A request's key is
compared with every stored hash with :func:`hmac.compare_digest` and no early exit, so the time
taken says nothing about which key matched, or how close a wrong one came.

:class:`KeyRing` is what a running server holds: it looks at the file's modification time at most
once a second and re-reads it when it changed, so ``keys add`` and ``keys revoke`` take effect
within about a second, without a restart. A file that became unreadable or malformed is logged and
refuses every key until it is fixed (a revoked key must never come back because of a typo).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import ConfigError
from .auth import Caller

__all__ = ["KeyEntry", "KeyRing", "ROLES", "read_keys", "write_keys", "add_key", "revoke_key", "hash_key"]

ROLES = ("read", "write", "admin")
KEY_PREFIX = "tk_"
_NAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{1,64}$")
_REGION = re.compile(r"^\d{6}$")

log = logging.getLogger("graph.api")


def hash_key(key: str) -> str:
    """What the keys file stores of a key."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class KeyEntry:
    name: str
    role: str
    regions: tuple[str, ...]  # empty: the whole graph
    created: dt.datetime
    hash: str
    expires: dt.date | None = None
    revoked: dt.datetime | None = None

    def state(self, now: dt.datetime) -> str:
        """``active``, ``expired`` or ``revoked`` at ``now`` (UTC)."""
        if self.revoked is not None and self.revoked <= now:
            return "revoked"
        if self.expires is not None and now.date() > self.expires:
            return "expired"
        return "active"

    def caller(self) -> Caller:
        return Caller(self.name, self.role, self.regions or None)


def _utc(value: object, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    raise ConfigError(f"{where}: expected a date and time, got {value!r}")


def _entry(raw: object, where: str) -> KeyEntry:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    name, role, regions, digest = raw.get("name"), raw.get("role"), raw.get("regions", []), raw.get("hash")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"{where}: name must be 1-64 letters, digits, '.', '_' or '-', got {name!r}")
    where = f"{where} ({name})"
    if role not in ROLES:
        raise ConfigError(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    if not isinstance(regions, list) or not all(isinstance(r, str) and _REGION.match(r) for r in regions):
        raise ConfigError(f"{where}: regions must be a list of six-digit codes")
    if not isinstance(digest, str) or not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise ConfigError(f"{where}: hash must be 'sha256:' and 64 hex digits")
    expires = raw.get("expires")
    if expires is not None and (not isinstance(expires, dt.date) or isinstance(expires, dt.datetime)):
        raise ConfigError(f"{where}: expires must be a date (2027-12-31)")
    revoked = raw.get("revoked")
    return KeyEntry(
        name=name,
        role=role,
        regions=tuple(regions),
        created=_utc(raw.get("created", dt.datetime(1970, 1, 1, tzinfo=dt.UTC)), where),
        hash=digest,
        expires=expires,
        revoked=None if revoked is None else _utc(revoked, where),
    )


def read_keys(path: Path) -> list[KeyEntry]:
    """The keys of the file (none if it does not exist); :class:`ConfigError` naming what is wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the keys file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not a valid TOML file ({exc})") from None
    raw = data.get("key", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'key' must be an array of tables ([[key]])")
    entries = [_entry(item, f"{path}: key {i + 1}") for i, item in enumerate(raw)]
    names = [e.name for e in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{path}: key names must be unique; repeated: {', '.join(dupes)}")
    return entries


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_keys(path: Path, entries: list[KeyEntry]) -> None:
    """Write the file atomically (a reader sees the old or the new file), readable by its owner only."""
    lines = [
        "# tiaokuai API keys (docs/security.md). Managed by `tiaokuai keys`; holds hashes, never keys.",
        "",
    ]
    for e in entries:
        lines += [
            "[[key]]",
            f"name = {_toml_str(e.name)}",
            f"role = {_toml_str(e.role)}",
            "regions = [" + ", ".join(_toml_str(r) for r in e.regions) + "]",
            f"created = {_toml_time(e.created)}",
        ]
        if e.expires is not None:
            lines.append(f"expires = {e.expires.isoformat()}")
        if e.revoked is not None:
            lines.append(f"revoked = {_toml_time(e.revoked)}")
        lines += [f"hash = {_toml_str(e.hash)}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_key(
    path: Path, name: str, role: str, regions: list[str], expires: dt.date | None = None,
    now: dt.datetime | None = None,
) -> str:  # fmt: skip
    """Add a key (creating the file if missing) and return it: the only time it is ever shown."""
    entries = read_keys(path)
    if any(e.name == name for e in entries):
        raise ConfigError(f"a key named {name!r} exists already in {path} (revoked ones keep their name)")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    entry = _entry(
        {"name": name, "role": role, "regions": list(dict.fromkeys(regions)), "hash": hash_key(key),
         "created": (now or dt.datetime.now(dt.UTC)).replace(microsecond=0), "expires": expires},
        f"new key {name!r}",
    )  # fmt: skip
    write_keys(path, [*entries, entry])
    return key


def revoke_key(path: Path, name: str, now: dt.datetime | None = None) -> KeyEntry:
    """Mark the key revoked from now on (it stays in the file, for the audit trail)."""
    entries = read_keys(path)
    for i, e in enumerate(entries):
        if e.name == name:
            if e.revoked is None:
                entries[i] = replace(e, revoked=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0))
                write_keys(path, entries)
            return entries[i]
    raise ConfigError(f"no key named {name!r} in {path}")


class KeyRing:
    """The keys of a file as a running server sees them, re-read when the file changes."""

    #: seconds between two looks at the file's modification time
    CHECK_EVERY = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: list[KeyEntry] = []
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self._refresh(force=True)

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked < self.CHECK_EVERY:
            return
        with self._lock:
            self._checked = now
            try:
                st = self.path.stat()
                stamp = (st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                stamp = (0, 0)
            if stamp == self._stamp:
                return
            self._stamp = stamp
            try:
                self._entries = read_keys(self.path)
            except ConfigError as exc:
                log.error("the keys file is unusable, every key is refused until it is fixed: %s", exc)
                self._entries = []

    def entries(self) -> list[KeyEntry]:
        self._refresh()
        return list(self._entries)

    def lookup(self, token: str | None) -> tuple[Caller | None, str]:
        """(the caller, "valid") for an active key; (None, why) otherwise: "none", "invalid",
        "expired" or "revoked". Every stored hash is compared, in constant time each."""
        entry, why = self.lookup_entry(token)
        return (entry.caller() if entry is not None and why == "valid" else None), why

    def lookup_entry(self, token: str | None) -> tuple[KeyEntry | None, str]:
        """The key's entry (an expired or revoked one too, for the audit log) and its state."""
        if not token:
            return None, "none"
        presented = hash_key(token).encode()
        found: KeyEntry | None = None
        for entry in self.entries():
            if hmac.compare_digest(presented, entry.hash.encode()):
                found = entry
        if found is None:
            return None, "invalid"
        state = found.state(dt.datetime.now(dt.UTC))
        return found, ("valid" if state == "active" else state)
