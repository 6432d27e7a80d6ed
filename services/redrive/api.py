"""The service facade both the CLI and the Textual console call (no Textual here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from services.domain.models import LogEntry
from services.domain.progress import ApplyProgress
from services.redrive.model import RedriveOutcome, Review, ReviewToken, TriagePage

StageCallback = Callable[[str], None]


class ConsoleService(Protocol):
    """Read and write operations of redrive-console; every call is synchronous and thread-safe."""

    def list_failed(
        self,
        *,
        environment: str | None = None,
        database: str | None = None,
        include_all: bool = False,
        cursor: str | None = None,
        limit: int = 200,
    ) -> TriagePage:
        """Recently failed applies (inside the redrive window unless ``include_all``)."""
        ...

    def count_older_failed(
        self, *, environment: str | None = None, database: str | None = None
    ) -> int:
        """How many failed applies ``list_failed`` hides without ``include_all`` (older than
        the redrive window, or without a completion time); one cheap count."""
        ...

    def review(
        self, apply_identifier: str, environment: str, *, on_stage: StageCallback | None = None
    ) -> Review:
        """Validate, rebuild the remaining work, re-plan and compare; writes nothing."""
        ...

    def redrive(
        self,
        apply_identifier: str,
        environment: str,
        *,
        operator: str,
        force: bool = False,
        reviewed: ReviewToken | None = None,
        expect_fingerprint: str | None = None,
        ignore_preflight: bool = False,
    ) -> RedriveOutcome:
        """Take (or force-take) the lock, re-plan under it, reopen the apply in one transaction."""
        ...

    def apply_logs(self, apply_identifier: str, *, limit: int = 200) -> tuple[LogEntry, ...]:
        """The most recent ``apply_logs`` rows of an apply, newest first."""
        ...

    def progress(self, apply_identifier: str) -> ApplyProgress:
        """A fresh read of an apply, its tasks and operations."""
        ...
