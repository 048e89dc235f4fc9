"""``keys`` (add, list, revoke API keys in the keys file) and ``audit`` (read the audit log).

The keys file is what ``tiaokuai serve`` follows (``TIAOKUAI_KEYS_FILE``; graph.api.keys): a key
added or revoked here takes effect in a running server within about a second. The file holds
hashes only; ``keys add`` prints the new key once, on stdout, and it cannot be shown again.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import click

from ..errors import ConfigError
from .common import handle_errors

__all__ = ["keys", "audit"]

file_option = click.option(
    "--file",
    "keys_file",
    envvar="TIAOKUAI_KEYS_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="The keys file (TOML). Env: TIAOKUAI_KEYS_FILE.",
)


def _file(keys_file: Path | None) -> Path:
    if keys_file is None:
        raise ConfigError("no keys file: pass --file PATH or set TIAOKUAI_KEYS_FILE")
    return keys_file


@click.group()
def keys() -> None:
    """API keys of the server: 密钥 with a name, a role and a region scope (docs/security.md)."""


@keys.command("add")
@click.option("--name", required=True, help="A unique name: what the audit log shows (e.g. harbin-office).")
@click.option(
    "--role", type=click.Choice(["read", "write", "admin"]), required=True, help="read, write or admin."
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="CODE",
    help="A region the key may read and write, with every region within it; repeat for more.",
)
@click.option("--all-regions", is_flag=True, help="The whole graph (a provincial office, an analyst).")
@click.option(
    "--expires", type=click.DateTime(["%Y-%m-%d"]), help="Last day the key is accepted (YYYY-MM-DD)."
)
@file_option
@handle_errors
def keys_add(
    name: str, role: str, regions: tuple[str, ...], all_regions: bool, expires: dt.datetime | None,
    keys_file: Path | None,
) -> None:  # fmt: skip
    """Add a key and print it once (stdout); the file keeps only its hash. Creates the file if missing.

    Give a scope with --region CODE (repeatable) or --all-regions.
    """
    from ..api.keys import add_key

    if bool(regions) == all_regions:
        raise ConfigError("give the key's scope: --region CODE (one or more) or --all-regions")
    for code in regions:
        if not re.fullmatch(r"\d{6}", code):
            raise ConfigError(f"--region {code!r}: a region is a six-digit division code")
    path = _file(keys_file)
    key = add_key(path, name, role, list(regions), expires.date() if expires else None)
    scope = ", ".join(regions) if regions else "the whole graph"
    click.echo(
        f"added key {name!r} ({role}; {scope}) to {path}. Keep it now, it is not shown again:", err=True
    )
    click.echo(key)


@keys.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per key.")
@file_option
@handle_errors
def keys_list(as_json: bool, keys_file: Path | None) -> None:
    """The keys: name, role, scope, dates and state (never a key or its hash)."""
    from ..api.keys import read_keys

    path = _file(keys_file)
    now = dt.datetime.now(dt.UTC)
    for e in read_keys(path):
        row = {
            "name": e.name,
            "role": e.role,
            "regions": list(e.regions) or "all",
            "created": e.created.isoformat(),
            "expires": e.expires.isoformat() if e.expires else None,
            "state": e.state(now),
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            regions = ",".join(e.regions) or "all"
            click.echo(
                f"{e.name}\t{e.role}\t{regions}\t{row['created']}\t{row['expires'] or '-'}\t{row['state']}"
            )


@keys.command("revoke")
@click.argument("name")
@file_option
@handle_errors
def keys_revoke(name: str, keys_file: Path | None) -> None:
    """Revoke the key NAME from now on (a running server refuses it within about a second)."""
    from ..api.keys import revoke_key

    entry = revoke_key(_file(keys_file), name)
    click.echo(
        f"revoked key {entry.name!r} at {entry.revoked.isoformat() if entry.revoked else '?'}", err=True
    )


@click.command()
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), required=True,
    help="Records at or after this date (UTC), YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS.",
)  # fmt: skip
@click.option(
    "--log",
    "log_file",
    envvar="TIAOKUAI_AUDIT_LOG",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    metavar="PATH",
    help="The audit log (what the server wrote with TIAOKUAI_AUDIT_LOG, or a server log). "
    "Env: TIAOKUAI_AUDIT_LOG.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON record a line, as logged.")
@handle_errors
def audit(since: dt.datetime, log_file: Path | None, as_json: bool) -> None:
    """The audit log since a date: every write and every refused request, with the key's name."""
    from ..api.audit import read_audit

    if log_file is None:
        raise ConfigError("no audit log: pass --log PATH or set TIAOKUAI_AUDIT_LOG")
    with log_file.open(encoding="utf-8", errors="replace") as f:
        records = read_audit(f, since.replace(tzinfo=dt.UTC))
    for r in records:
        if as_json:
            click.echo(json.dumps(r, ensure_ascii=False, sort_keys=True))
            continue
        scope = "all" if r.get("scope") is None else ",".join(r.get("scope") or [])
        what = r.get("mutation") or r.get("operation") or "-"
        written = r.get("written") or {}
        counts = " ".join(f"{k}={v}" for k, v in written.items() if v) or f"rows={r.get('rows')}"
        click.echo(
            f"{r.get('ts')}\t{r.get('outcome')}\t{r.get('key_name') or r.get('key')}\t{r.get('role') or '-'}\t"
            f"{scope}\t{what}\t{counts}\t{r.get('request_id') or '-'}"
            + (f"\t{r['error']}" if r.get("error") else "")
        )
