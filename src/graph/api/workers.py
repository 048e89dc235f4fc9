"""``tiaokuai serve --workers N``: N uvicorn worker processes, each with a listening socket of its
own on the same port (``SO_REUSEPORT``), so that the kernel spreads connections over the workers.

Why not uvicorn's own ``workers=N``: it binds one socket in the parent and every worker accepts
from that one queue, and asyncio accepts every pending connection in one go. Clients that keep
their connections alive (browsers, dashboards, load balancers) and connect at about the same time
all land on whichever worker woke first, and the other workers idle: with 16 kept-alive clients
on 2 workers we saw one worker at 100 % CPU and the other at 0 %. With a socket per worker the
kernel picks the worker for each new connection by a hash of its addresses, evenly.

The supervision (starting, health checks, restarting a dead worker, signals, graceful stop) stays
uvicorn's :class:`~uvicorn.supervisors.Multiprocess`; only what each worker listens on changes.
The parent still binds the port first (with ``SO_REUSEPORT``, never listening on it), so that a
port in use is reported once, before any worker starts.
"""

from __future__ import annotations

import signal
import socket
from types import FrameType

import uvicorn
from uvicorn.supervisors import multiprocess

__all__ = ["run_workers", "reuse_port_socket", "exit_normally_on_stop_signals", "REUSE_PORT", "STOP_SIGNALS"]

#: the signals that stop a server gracefully (uvicorn's)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

#: how long a worker may take to answer the supervisor's health ping (starting included)
HEALTHCHECK_S = 60

#: whether this platform spreads connections over sockets bound with SO_REUSEPORT (Linux does)
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with SO_REUSEADDR and SO_REUSEPORT, not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _exit_normally(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def exit_normally_on_stop_signals() -> None:
    """Let a stop signal end this process by ``SystemExit`` (status 0), so that its exit handlers run.

    Why: after its graceful shutdown uvicorn restores the handler a stop signal had before it
    started and raises the signal again. With Python's default handlers (SIGTERM: die) the process
    then ends without running its exit handlers, among them multiprocessing's, which unlink the
    semaphores of the worker's pool for costly queries (graph.api.limits.offload) and tell the
    resource tracker so: the tracker, shared with ``serve``'s parent, then printed "There appear to
    be 10 leaked semaphore objects to clean up at shutdown". Call it before uvicorn runs; while it
    serves, uvicorn's own handlers take the signals."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_normally)


class _WorkerProcess(multiprocess.Process):
    """A uvicorn worker process that ends by SystemExit on a stop signal (exit handlers run)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # runs in the worker
        exit_normally_on_stop_signals()
        super().target(sockets)


class _OwnSocketProcess(_WorkerProcess):
    """A worker process that listens on a socket of its own (see the module's doc)."""

    def target(self, sockets: list[socket.socket] | None = None) -> None:  # runs in the worker
        own = reuse_port_socket(self.config.host, self.config.port)
        for inherited in sockets or []:
            inherited.close()  # the parent's port reservation: never listened on here
        super().target([own])


def run_workers(config: uvicorn.Config) -> None:
    """Run ``config.workers`` worker processes under uvicorn's supervisor until a signal stops them."""
    if hasattr(config, "timeout_worker_healthcheck"):
        # uvicorn kills a worker that does not answer its health ping within this (5 s by default):
        # a worker still importing the app on a busy machine was killed and restarted in a loop
        config.timeout_worker_healthcheck = max(config.timeout_worker_healthcheck, HEALTHCHECK_S)
    if REUSE_PORT:
        reservation = reuse_port_socket(config.host, config.port)
        config.port = reservation.getsockname()[1]  # port 0: the one the system picked, for every worker
        process: type[multiprocess.Process] = _OwnSocketProcess
    else:  # one shared socket, as uvicorn does it
        reservation = config.bind_socket()
        process = _WorkerProcess
    # the supervisor makes its workers through the module's Process: ours, for this run only
    plain = multiprocess.Process
    multiprocess.Process = process  # type: ignore[misc]
    try:
        multiprocess.Multiprocess(config, sockets=[reservation]).run()
    finally:
        multiprocess.Process = plain  # type: ignore[misc]
        reservation.close()
