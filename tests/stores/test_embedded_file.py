"""What only the embedded store has: its file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from graph.errors import StoreError
from graph.store import open_store


def test_file_from_another_version_says_so(tmp_path: Path):
    path = tmp_path / "old.tkg"
    path.write_bytes(pickle.dumps({"format": "tiaokuai-embedded/1", "regions": [], "units": [], "links": []}))
    with pytest.raises(StoreError, match=r"another version of tiaokuai \(tiaokuai-embedded/1"):
        open_store(path).count_units()


def test_foreign_file_is_refused(tmp_path: Path):
    path = tmp_path / "x.tkg"
    path.write_bytes(pickle.dumps([1, 2, 3]))
    with pytest.raises(StoreError, match="is not a tiaokuai embedded store"):
        open_store(path).count_units()
