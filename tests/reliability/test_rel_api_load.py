"""A bounded load test on loopback: 16 clients, mixed queries, against ``tiaokuai serve`` on each store.

The bar is zero errors. ``TIAOKUAI_LOAD_SECONDS`` sets the duration (8 s by default, for CI); the
``slow`` test runs 60 s. Figures are printed (``-s``) and, with ``TIAOKUAI_RELIABILITY_OUT=FILE``,
appended to FILE as JSON lines for docs/reliability.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from typing import Any

import httpx
import pytest
from relhelp import REPO, clean_env, serve_process

from graph.store import Store

CLIENTS = 16


def _driver() -> Any:
    spec = importlib.util.spec_from_file_location("load_test", REPO / "bench" / "load_test.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _record(label: str, summary: dict[str, Any]) -> None:
    line = {"test": label, **{k: v for k, v in summary.items() if k != "by_query"}}
    print(f"\n{label}: {json.dumps(line, ensure_ascii=False)}")
    out = os.environ.get("TIAOKUAI_RELIABILITY_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as f:
            f.write(json.dumps({**line, "by_query": summary["by_query"]}, ensure_ascii=False) + "\n")


def _load(sample_api: tuple[str, Store, httpx.Client], seconds: float) -> dict[str, Any]:
    kind, store, _ = sample_api
    with serve_process(store.location, env=clean_env()) as base:
        summary = _driver().run_load(base, clients=CLIENTS, seconds=seconds, seed=7)
    assert "Traceback" not in serve_process.last_stderr  # type: ignore[attr-defined]
    _record(f"load-{kind}-{int(seconds)}s", summary)
    return summary  # type: ignore[no-any-return]


def test_load_mixed_queries(api: httpx.Client, sample_api: tuple[str, Store, httpx.Client]) -> None:
    summary = _load(sample_api, float(os.environ.get("TIAOKUAI_LOAD_SECONDS", "8")))
    assert summary["errors"] == 0, summary.get("error_samples")
    assert summary["requests"] > CLIENTS


@pytest.mark.slow
def test_load_mixed_queries_60s(api: httpx.Client, sample_api: tuple[str, Store, httpx.Client]) -> None:
    summary = _load(sample_api, 60.0)
    assert summary["errors"] == 0, summary.get("error_samples")
