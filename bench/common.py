"""Helpers shared by the benchmark runner and its subprocesses: timing, CPU and RSS accounting,
machine facts, free ports, percentiles, starting ``tiaokuai serve`` and waiting for a server to answer."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def machine() -> dict[str, Any]:
    """nproc, memory, CPU model and load: what a reader needs to compare figures."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "mem_total_mb": round(mem_kb / 1024),
        "cpu_model": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": list(os.getloadavg()),
    }


def rss_mb(pid: int | str = "self", field: str = "VmRSS:") -> float:
    """Current resident set size (VmRSS; VmHWM for the peak) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pid_listening_on(port: int) -> int | None:
    """The process listening on TCP ``port`` (any address), found through /proc; None if unknown."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(parts[9])
    if not inodes:
        return None
    targets = {f"socket:[{i}]" for i in inodes}
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            for fd in (pid_dir / "fd").iterdir():
                if os.readlink(fd) in targets:
                    return int(pid_dir.name)
        except OSError:
            continue
    return None


class Clock:
    """Wall and CPU time of this process (and optionally of a server process) over a block."""

    def __init__(self, server_pid: int | None = None):
        self.server_pid = server_pid
        self.wall = self.cpu = self.server_cpu = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c = time.perf_counter(), time.process_time()
        self._s = self._server()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._w
        self.cpu = time.process_time() - self._c
        s = self._server()
        self.server_cpu = (s - self._s) if s is not None and self._s is not None else float("nan")

    def _server(self) -> float | None:
        if self.server_pid is None:
            return None
        try:
            return proc_cpu_s(self.server_pid)
        except OSError:
            return None


def repeat(fn: Callable[[], T], times: int, server_pid: int | None = None) -> tuple[T, list[Clock]]:
    """Run ``fn`` ``times`` times; the last result and the clock of every run."""
    clocks = []
    result: Any = None
    for _ in range(times):
        with Clock(server_pid) as c:
            result = fn()
        clocks.append(c)
    return result, clocks


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank on sorted data; NaN for no data."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return float(ordered[rank - 1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 180.0, proc: subprocess.Popen[Any] | None = None) -> None:
    """Poll ``url`` until it answers 200; raise if ``proc`` exits or the time runs out."""
    import httpx

    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with status {proc.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s ({last})")


#: what every benchmark's ``tiaokuai serve`` runs with: no GraphiQL, no per-minute cost budget (0: no
#: limit; the load would exhaust it and measure refusals), JSON log lines
SERVE_ENV = {"TIAOKUAI_GRAPHIQL": "false", "TIAOKUAI_COST_PER_MINUTE": "0", "TIAOKUAI_LOG_FORMAT": "json"}


def start_serve(
    tiaokuai: str, store: str, log: Path, workers: int = 1, env: dict[str, str | None] | None = None
) -> tuple[subprocess.Popen[Any], str]:
    """Start ``tiaokuai serve`` on a free loopback port with :data:`SERVE_ENV` and wait until it
    answers /healthz; (process, base URL). ``env``: more settings, a None value unsets one (so a
    developer's own TIAOKUAI_* cannot change what is measured). Stop it with :func:`stop`."""
    port = free_port()
    full = {**os.environ, **SERVE_ENV}
    for name, value in (env or {}).items():
        if value is None:
            full.pop(name, None)
        else:
            full[name] = value
    where = ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        [tiaokuai, "serve", "--store", store, *where],
        env=full,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/healthz", timeout=600, proc=proc)
    return proc, base


def python() -> str:
    return sys.executable


def stop(proc: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """Stop a server we started: SIGTERM, then SIGKILL after ``timeout``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
