"""What the redrive service returns: triage rows, reviews, tokens and outcomes.

These objects are the contract between the service layer and its two faces, the CLI
(``--json``) and the Textual console: both render the same objects.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import chain, repeat
from typing import TYPE_CHECKING

from services.domain.decoded_reads import DecodedReads
from services.domain.lock_owner import UnnamedLock
from services.domain.models import (
    NO_SETTLED_ROWS,
    Apply,
    BriefOperation,
    BriefTask,
    SettledRows,
    TableChange,
)

if TYPE_CHECKING:  # annotations only: the console's first paint never loads pre-flight
    from services.preflight import PreflightReport
    from services.redrive.recovery import StorageRecovery


class Verdict(StrEnum):
    """The review's answer: may this apply be redriven now?"""

    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_REDRIVABLE = "not_redrivable"


class TableStatus(StrEnum):
    """How the stored-remaining statements of one table compare with the fresh plan's."""

    SAME = "same"
    CHANGED = "changed"
    ONLY_STORED = "only_stored"
    ONLY_FRESH = "only_fresh"


@dataclass(frozen=True, slots=True)
class TaskCounts:
    """An apply's drive task rows by state; ``other`` counts every remaining state (in flight,
    reverted, unknown), so the six add up to ``total`` and no row goes unmentioned."""

    failed: int = 0
    cancelled: int = 0
    completed: int = 0
    total: int = 0
    stopped: int = 0
    pending: int = 0
    other: int = 0


@dataclass(frozen=True, slots=True)
class LockState:
    """The ``locks`` row of the apply's database as seen by the review."""

    database_name: str
    database_type: str
    operator: str
    owner: str | None = None
    lock_id: int | None = None
    held_since: datetime | None = None
    repository: str = ""
    pull_request: int = 0
    unnamed: UnnamedLock | None = None

    @property
    def free(self) -> bool:
        """No lock row at all; a lock without a nameable owner (``unnamed``) is not free."""
        return self.owner is None and self.unnamed is None

    @property
    def held_by_operator(self) -> bool:
        return self.owner is not None and self.owner == self.operator

    @property
    def held_by_other(self) -> bool:
        return self.owner is not None and self.owner != self.operator


@dataclass(frozen=True, slots=True)
class TableComparison:
    """Stored-remaining vs fresh-plan statements of one (namespace, table)."""

    namespace: str
    table: str
    status: TableStatus
    stored: tuple[TableChange, ...] = ()
    fresh: tuple[TableChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ReviewToken:
    """Binds a confirmation to exactly what the operator reviewed.

    The redrive refuses, naming the difference, if any of these changed since the review.
    """

    apply_id: int
    apply_identifier: str
    apply_state: str
    apply_updated_at: str
    apply_completed_at: str
    task_states: tuple[tuple[int, str], ...]
    operation_states: tuple[tuple[int, str], ...]
    lock_owner: str | None
    lock_id: int | None
    fingerprint: str
    preflight_fingerprint: str = ""
    preflight_verdict: str = ""
    preflight_deep: bool = False  # the pre-flight checked tables over the size threshold too


@dataclass(frozen=True, slots=True)
class Review:
    """Everything the operator needs to decide on one redrive, and the token to confirm it.

    ``fingerprint`` hashes the canonical expected plan (stored plan filtered to the remaining
    work); ``fresh_fingerprint`` hashes the fresh plan the same way ("" when no re-plan ran).
    ``reason_code`` is a stable machine-readable name of the refusal ("" when redrivable).
    ``reflected_task_ids`` are failed/cancelled per-shard progress rows that are neither
    compared nor reopened. ``tasks`` / ``operations`` are the apply's unsettled drive tasks and
    operations; ``settled`` the ids of the rest (count them too: ``SettledRows``).
    ``preflight`` is the pre-flight of the remaining work on the target (None when the review
    was refused before it reached the target). ``decoded_reads`` are the bundle read's decoded
    rows by raw result: the write's locked read takes them where the rows are identical.
    """

    apply: Apply
    environment: str
    verdict: Verdict
    reason: str
    fingerprint: str
    lock: LockState
    database_now: datetime
    window_ends_at: datetime | None
    plan_identifier: str = ""
    fresh_plan_available: bool = False
    tasks: tuple[BriefTask, ...] = ()
    operations: tuple[BriefOperation, ...] = ()
    settled: SettledRows = NO_SETTLED_ROWS
    comparisons: tuple[TableComparison, ...] = ()
    reopen_task_ids: tuple[int, ...] = ()
    reopen_operation_ids: tuple[int, ...] = ()
    redrive_count: int = 0
    token: ReviewToken | None = None
    notes: tuple[str, ...] = ()
    reason_code: str = ""
    fresh_fingerprint: str = ""
    reflected_task_ids: tuple[int, ...] = ()
    storage: StorageRecovery | None = None  # the storage read and the recovery it allows
    preflight: PreflightReport | None = None
    decoded_reads: DecodedReads | None = field(default=None, compare=False, repr=False)

    @property
    def redrivable(self) -> bool:
        return self.verdict is Verdict.MATCH

    def drive_task_states(self) -> Iterator[str]:
        """The stored state of every drive task of the apply, settled ones included."""
        settled = repeat(self.settled.STATE, len(self.settled.drive_task_ids))
        return chain((task.state for task in self.tasks), settled)

    def operation_states(self) -> Iterator[str]:
        """The stored state of every operation of the apply, settled ones included."""
        settled = repeat(self.settled.STATE, len(self.settled.operation_ids))
        return chain((op.state for op in self.operations), settled)

    @property
    def preflight_fails(self) -> bool:
        """True when the pre-flight proves some table will fail again (redrive refuses)."""
        return self.preflight is not None and self.preflight.fails


@dataclass(frozen=True, slots=True)
class TriageRow:
    """One recently failed apply in the triage list.

    ``unreadable`` names what could not be decoded (``applies.deployment is NULL``);
    ``lock_problem`` is set when the database lock has no nameable owner (``lock_owner`` is
    then None but the database is not free).
    ``reason_code`` is the review's reason code of ``reason`` ("" when redrivable).
    """

    apply_id: str
    database: str
    database_type: str
    environment: str
    deployment: str
    failed_at: datetime | None
    window_ends_at: datetime | None
    attempt: int
    tasks: TaskCounts
    error: str
    lock_owner: str | None
    lock_held_since: datetime | None
    redrivable: bool
    reason: str
    redrive_count: int = 0
    row_id: int = 0
    unreadable: str | None = None
    lock_problem: str | None = None
    preflight: str = ""  # the verdict of a review run in this session ("" until then)
    # Later (G2) SchemaBot columns, None / 0 where the storage lacks them.
    retry_after: datetime | None = None
    superseded_by: str | None = None
    throttled_tasks: int = 0
    pending_drops: int = 0
    reason_code: str = ""

    @property
    def key(self) -> str:
        """Unique per storage row, even when two rows share an apply identifier."""
        return f"{self.apply_id}#{self.row_id}"


@dataclass(frozen=True, slots=True)
class TriagePage:
    """A keyset page of the triage list; ``next_cursor`` is None on the last page."""

    rows: tuple[TriageRow, ...]
    database_now: datetime
    next_cursor: str | None = None
    storage: str = ""  # the storage read, e.g. "mysql g1" ("" when not known)


@dataclass(frozen=True, slots=True)
class RedriveOutcome:
    """The result of a redrive request: ``redriven`` or ``rejected`` with the reason."""

    status: str
    apply_id: str
    reason: str
    fingerprint: str
    lock_owner: str | None
    previous_lock_owner: str | None
    reopened_tasks: tuple[int, ...] = ()
    reopened_operations: tuple[int, ...] = ()
    reason_code: str = ""

    @property
    def redriven(self) -> bool:
        return self.status == "redriven"
