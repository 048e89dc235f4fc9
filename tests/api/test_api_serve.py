"""``tiaokuai serve``: one-shot ``--get``, and a real server process that logs and stops cleanly."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from liveserver import serve_process

from graph.cli import cli
from graph.model import Dataset, Region, Unit
from graph.store import open_store


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "serve.tkg"
    store = open_store(path)
    store.write(
        Dataset(
            regions=[Region("230000", "黑龙江省", "province")],
            units=[Unit("TB-230000", "国家税务总局黑龙江省税务局", "tax_bureau", "provincial", "230000")],
        )
    )
    return path


def test_serve_get_answers_one_request(store_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--store", str(store_path), "--get", '/graphql?query={unit(id:"TB-230000"){name level}}'],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "data": {"unit": {"name": "国家税务总局黑龙江省税务局", "level": "PROVINCIAL"}},
        "extensions": {"cost": 1},
    }
    bad = CliRunner().invoke(cli, ["serve", "--store", str(store_path), "--get", "/nowhere"])
    assert bad.exit_code == 1


def test_serve_refuses_unsafe_settings(store_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--store", str(store_path)], env={"TIAOKUAI_API_KEYS": "tooshort"}
    )
    assert result.exit_code == 2
    assert "TIAOKUAI_API_KEYS: key 1 is 8 characters long" in result.output
    assert "tooshort" not in result.output


def test_server_process_logs_requests_and_stops_on_sigterm(store_path: Path) -> None:
    proc, base = serve_process(store_path, env={"TIAOKUAI_API_KEYS": "k" * 32})
    try:
        assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
        assert httpx.post(f"{base}/graphql", json={"query": "{ years }"}).json()["data"] == {"years": []}
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn finishes in-flight work, then re-raises the signal it caught (exit by SIGTERM)
    assert proc.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err and "Finished server process" in err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    # each worker warms up at startup (graph.api.warmup) and says so in one line; its requests (client
    # port 0, one of them refused) are not logged or audited as a client's; a second worker may start
    # after the first has answered: the clients' requests in order
    requests = [r for r in lines if r.get("event") == "request"]
    assert sum(1 for r in lines if str(r.get("msg", "")).startswith("worker warmed up")) >= 2
    assert not any(r.get("client") == "127.0.0.1:0" for r in lines)
    assert "QUERY_TOO_COSTLY" not in err
    assert [(r["method"], r["path"], r["status"]) for r in requests][-3:] == [
        ("GET", "/healthz", 200), ("GET", "/readyz", 200), ("POST", "/graphql", 200),
    ]  # fmt: skip
    assert all(isinstance(r["duration_ms"], int | float) for r in requests)
    assert "k" * 32 not in err


@pytest.mark.parametrize(("workers", "stop"), [(2, signal.SIGTERM), (2, signal.SIGINT), (1, signal.SIGTERM)])
def test_workers_stop_without_leaking_semaphores(
    store_path: Path, workers: int, stop: signal.Signals
) -> None:
    """Each worker's pool for costly queries (graph.api.limits.offload) holds multiprocessing
    semaphores; a worker stopped by a signal runs its exit handlers, which release them, so the
    resource tracker has nothing to report (graph.api.workers.exit_normally_on_stop_signals)."""
    # every query runs in the pool: each worker's pool is used
    proc, base = serve_process(store_path, "--workers", str(workers), env={"TIAOKUAI_HEAVY_COST": "1"})
    try:
        query = {"query": '{ unit(id: "TB-230000") { name } }'}
        for _ in range(8):  # new connections: the kernel spreads them over the workers
            with httpx.Client(base_url=base, timeout=30) as client:
                assert client.post("/graphql", json=query).json()["data"]["unit"]["name"].endswith("税务局")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert err.count("Finished server process") == workers, err
    assert "leaked semaphore" not in err and "resource_tracker" not in err, err
