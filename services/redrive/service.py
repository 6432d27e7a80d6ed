"""``RedriveService``: the facade the CLI and the Textual console call (``ConsoleService``).

Reads go through ``Storage``; the review is ``run_review``; the write is delegated to
``services.redrive.execute.execute_redrive``. ``operator`` is the identity used for reviews and
for the triage list's lock column (default ``cli:<user>@<host>``); the CLI sets it from
``--operator``. ``preflight_deep`` (``--deep`` / ``preflight_deep``) and
``preflight_size_threshold_rows`` bound the pre-flight of every review and of the redrive's
re-run under the lock alike, so the two agree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from services.domain.models import LogEntry
from services.domain.progress import ApplyProgress
from services.redrive.api import StageCallback
from services.redrive.identity import default_operator
from services.redrive.model import RedriveOutcome, Review, ReviewToken, TriagePage, TriageRow
from services.redrive.triage import count_outside_window, triage_row
from services.redrive.validation import DEFAULT_WINDOW, RedriveRejection
from services.storage.store import Storage
from services.targets import TargetResolver

if TYPE_CHECKING:  # the planner and pre-flight load with the first review, not the list
    from services.planner.spirit_level import SpiritLevel
    from services.preflight import PreflightLimits
    from services.redrive.review import SourceFactory


class RedriveService:
    """Synchronous, thread-safe service calls over one storage and one target resolver."""

    def __init__(
        self,
        storage: Storage,
        targets: TargetResolver,
        *,
        window: timedelta = DEFAULT_WINDOW,
        operator: str | None = None,
        source_for: SourceFactory | None = None,
        spirit_compat: SpiritLevel | None = None,
    ) -> None:
        self.storage = storage
        self.targets = targets
        self.window = window
        self.operator = operator or default_operator()
        self.source_for = source_for
        self.spirit_compat = spirit_compat  # None: the level of the storage's generation
        self.preflight_deep = False  # True: check tables over the size threshold too
        self.preflight_size_threshold_rows: int | None = None  # None: the pre-flight's default
        self._preflight_seen: dict[str, str] = {}  # apply id -> pre-flight of its last review

    def list_failed(
        self,
        *,
        environment: str | None = None,
        database: str | None = None,
        include_all: bool = False,
        cursor: str | None = None,
        limit: int = 200,
    ) -> TriagePage:
        """Failed applies, newest first; inside the window (database clock) unless
        ``include_all``."""
        since = None if include_all else self.storage.database_now() - self.window
        result = self.storage.triage(
            environment=environment, database=database, since=since, cursor=cursor, limit=limit
        )
        rows = tuple(
            self._with_preflight(
                triage_row(
                    record,
                    result.database_now,
                    operator=self.operator,
                    targets=self.targets,
                    window=self.window,
                    generation=self.storage.generation.generation,
                )
            )
            for record in result.records
        )
        kind = self.storage.generation
        return TriagePage(
            rows=rows,
            database_now=result.database_now,
            next_cursor=result.next_cursor,
            storage=f"{kind.dialect} {kind.generation}",
        )

    def count_older_failed(
        self, *, environment: str | None = None, database: str | None = None
    ) -> int:
        """How many failed applies ``list_failed`` leaves out without ``include_all``."""
        return count_outside_window(
            self.storage, self.window, environment=environment, database=database
        )

    def review(
        self, apply_identifier: str, environment: str, *, on_stage: StageCallback | None = None
    ) -> Review:
        """Validate, rebuild the remaining work, re-plan and compare; writes nothing. The
        pre-flight verdict is remembered for the triage list's column."""
        from services.redrive.review import run_review

        review = run_review(
            self.storage,
            self.targets,
            apply_identifier,
            environment,
            self.operator,
            window=self.window,
            on_stage=on_stage,
            source_for=self.source_for,
            spirit_compat=self.spirit_compat,
            preflight_limits=self.preflight_limits(),
        )
        if review.preflight is not None:
            self._preflight_seen[review.apply.apply_identifier] = review.preflight.verdict.value
        return review

    def _with_preflight(self, row: TriageRow) -> TriageRow:
        verdict = self._preflight_seen.get(row.apply_id, "")
        return replace(row, preflight=verdict) if verdict else row

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
        """Delegates to ``execute_redrive`` (the write side)."""
        from services.redrive.execute import execute_redrive

        return execute_redrive(
            self.storage,
            self.targets,
            apply_identifier,
            environment,
            operator,
            force=force,
            reviewed=reviewed,
            expect_fingerprint=expect_fingerprint,
            ignore_preflight=ignore_preflight,
            window=self.window,
            source_for=self.source_for,
            spirit_compat=self.spirit_compat,
            preflight_limits=self.preflight_limits(),
        )

    def preflight_limits(self) -> PreflightLimits:
        """The pre-flight bounds of this service's reviews and redrives (loads the pre-flight)."""
        from services.preflight import PreflightLimits

        threshold = self.preflight_size_threshold_rows
        if threshold is None:
            return PreflightLimits(deep=self.preflight_deep)
        return PreflightLimits(deep=self.preflight_deep, size_threshold_rows=threshold)

    def apply_logs(self, apply_identifier: str, *, limit: int = 200) -> tuple[LogEntry, ...]:
        """The newest ``limit`` apply_logs rows of an apply, newest first."""
        progress = self.progress(apply_identifier)
        return self.storage.apply_logs(progress.apply.id, limit)

    def progress(self, apply_identifier: str) -> ApplyProgress:
        """A fresh read of an apply, its tasks and operations; unknown apply -> rejection."""
        progress = self.storage.load_progress(apply_identifier.strip())
        if progress is None:
            raise RedriveRejection("apply_not_found", f"apply {apply_identifier.strip()} not found")
        return progress
