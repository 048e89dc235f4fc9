"""Finding the ledger-file reader: the seam between ``graph`` and ``loaders``.

``loaders`` depends on ``graph``, never the reverse, so the ``load`` command cannot import it. It
asks :func:`reader` instead, which returns the function registered in the ``tiaokuai.readers``
entry-point group (``pyproject.toml``: ``ledgers = "loaders:read_ledgers"``). Another package can
register its own reader there; ``TIAOKUAI_READER`` picks one by name when several are installed.
"""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from ..errors import ConfigError
from .load import LedgerReader

__all__ = ["GROUP", "reader"]

GROUP = "tiaokuai.readers"
DEFAULT = "ledgers"


def reader(name: str | None = None) -> LedgerReader:
    """The ledger reader named ``name`` (default: ``$TIAOKUAI_READER`` or ``ledgers``)."""
    name = name or os.environ.get("TIAOKUAI_READER") or DEFAULT
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    if name not in found:
        have = ", ".join(sorted(found)) or "none"
        raise ConfigError(
            f'no ledger reader "{name}" in the {GROUP} entry points (installed: {have}); '
            "reinstall tiaokuai (make install, or pip install -e .) so that loaders registers its reader"
        )
    loaded: LedgerReader = found[name].load()
    return loaded
