"""One exception hierarchy, so callers (CLI, API) can map failures to messages without tracebacks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "TiaokuaiError",
    "RowProblem",
    "LoadError",
    "StoreError",
    "StoreUnavailable",
    "StoreBusy",
    "NotFound",
    "ConfigError",
    "SystemFileError",
    "DeadlineExceeded",
    "GapWriteUnsupported",
]


class TiaokuaiError(Exception):
    """Base of every error the project raises on purpose; its message is meant for users."""


@dataclass(frozen=True, order=True)
class RowProblem:
    """One problem in one cell of a ledger. ``row`` is the spreadsheet row (header = 1)."""

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.column}: {self.message}"


class LoadError(TiaokuaiError):
    """A load found problems; nothing was written. Carries every problem at once."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class StoreError(TiaokuaiError):
    """The store failed to do something it should be able to do."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (Neo4j down, file unreadable). Retrying later may help."""


class StoreBusy(StoreError):
    """Another writer holds the store; the write was not attempted."""


class NotFound(TiaokuaiError):
    """A unit, region or link id that the caller named does not exist."""


class ConfigError(TiaokuaiError):
    """Settings are missing, malformed or unsafe."""


class SystemFileError(ConfigError):
    """A system file (``schema/systems/*.yaml``, ``TIAOKUAI_SYSTEMS_DIR``) is malformed: it names
    the file, the line (from the YAML parser's marks; 0 when the file cannot be read) and why."""

    def __init__(self, file: str, line: int, reason: str):
        self.file, self.line, self.reason = file, line, reason
        super().__init__(f"{file}:{line}: {reason}")


class DeadlineExceeded(TiaokuaiError):
    """The work ran past its deadline (the API's ``TIAOKUAI_REQUEST_TIMEOUT``) and was stopped."""


class GapWriteUnsupported(TiaokuaiError):
    """``gaps --write`` was asked of a store that cannot hold gap records (the embedded store)."""


class OutOfScope(TiaokuaiError):
    """A write (or gap records) outside the caller's scope (graph.store.scoped): nothing was
    written. The message names the first offending row; the API answers ``FORBIDDEN``."""
