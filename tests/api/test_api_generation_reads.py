"""The store generation that keys the answer cache, read once per request but shared by requests
that start together (graph.api.limits.guard.SharedReads): fewer reads, never a stale one."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from graph.api.limits.guard import Generation
from graph.model import Dataset, Unit
from graph.store import Store, open_store


class SlowGeneration:
    """A real store whose generation reads take ``delay`` seconds and are counted (a proxy)."""

    def __init__(self, inner: Store, delay: float) -> None:
        self.inner, self.delay = inner, delay
        self.reads = 0
        self._lock = threading.Lock()

    def generation(self) -> int:
        with self._lock:
            self.reads += 1
        value = self.inner.generation()  # read first: the value as of the read's start
        time.sleep(self.delay)
        return value


def _unit(i: int) -> Unit:
    return Unit(f"TB-2301{i:02d}", f"局{i}", "tax_bureau", "prefecture", "230100")


def test_requests_that_start_together_share_one_read(tmp_path: Path) -> None:
    with open_store(tmp_path / "g.tkg") as store:
        store.write(Dataset(units=[_unit(0)]))
        slow = SlowGeneration(store, 0.2)
        requests = [Generation(slow) for _ in range(16)]  # type: ignore[arg-type]
        values: list[int] = []
        threads = [threading.Thread(target=lambda g=g: values.append(g.get())) for g in requests]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert values == [store.generation()] * 16
        assert slow.reads <= 2, slow.reads  # one read, or two if some started before the first


def test_a_request_after_a_write_never_gets_an_older_read(tmp_path: Path) -> None:
    with open_store(tmp_path / "g.tkg") as store:
        store.write(Dataset(units=[_unit(0)]))
        slow = SlowGeneration(store, 0.3)
        early = Generation(slow)  # type: ignore[arg-type]
        got: list[int] = []
        reader = threading.Thread(target=lambda: got.append(early.get()))
        reader.start()
        time.sleep(0.1)  # the early read is under way, with the generation before the write
        store.write(Dataset(units=[_unit(1)]))
        after = store.generation()
        late = Generation(slow)  # type: ignore[arg-type]  # a request that starts after the write
        assert late.get() == after  # waited for the early read, then read again
        reader.join()
        assert got == [after - 1]
        assert slow.reads == 2
        assert Generation(slow).get() == after  # type: ignore[arg-type]
        assert slow.reads == 3  # a new request: a new read (the last one started before it)
