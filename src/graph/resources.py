"""Where the shipped data files live, whether installed as a wheel or run from a checkout.

A wheel carries ``schema/`` inside the package as ``graph/_schema``; an editable install or a
checkout reads the repository's ``schema/`` directly, so edits show up without reinstalling.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["schema_dir", "schema_path"]

_PACKAGE = Path(__file__).resolve().parent


def schema_dir() -> Path:
    override = os.environ.get("TIAOKUAI_SCHEMA_DIR")
    if override:
        return Path(override)
    bundled = _PACKAGE / "_schema"
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent.parent / "schema"


def schema_path(name: str) -> Path:
    return schema_dir() / name
