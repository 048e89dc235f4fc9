"""A progress bar for long loads, shown only when a person is watching (stderr is a terminal).

It shows rows done of rows to do, rows per second and the time left; validation and then the
writing of a big Neo4j load report through the same callback (the bar restarts its count)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

__all__ = ["progress_callback"]


class _Rate(ProgressColumn):
    """Rows per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} rows/s")


@contextmanager
def progress_callback(enabled: bool = True) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    with Progress(
        TextColumn("loading"), BarColumn(), MofNCompleteColumn(), _Rate(), TimeElapsedColumn(),
        TimeRemainingColumn(), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("rows", total=None)
        last = [0]

        def update(done: int, total: int) -> None:
            if done < last[0]:  # the next phase (writing after validating) counts from 0 again
                bar.reset(task, total=total)
            last[0] = done
            bar.update(task, completed=done, total=total)

        yield update
