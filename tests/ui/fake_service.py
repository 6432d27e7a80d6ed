"""A canned ``ConsoleService`` for UI tests: deterministic data, no database, call recording.

Every datetime is naive UTC, like SchemaBot's DATETIME columns. Builders (``make_apply``,
``make_triage_row``, ``make_review`` ...) are public so tests can shape one case without
restating every field. Failures are injected with ``fail_next[method] = exc`` (raised once).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from services.domain.models import (
    Apply,
    ApplyOperation,
    ApplyOptions,
    LogEntry,
    TableChange,
    Task,
)
from services.domain.progress import ApplyProgress
from services.redrive.api import StageCallback
from services.redrive.model import (
    LockState,
    RedriveOutcome,
    Review,
    ReviewToken,
    TableComparison,
    TableStatus,
    TaskCounts,
    TriagePage,
    TriageRow,
    Verdict,
)

FIXED_NOW = datetime(2026, 11, 27, 12, 0, 0)
WINDOW = timedelta(days=1)
OPERATOR = "cli:operator@console"


def make_apply(
    apply_identifier: str = "apply-0001",
    *,
    database: str = "orders",
    environment: str = "production",
    deployment: str = "default",
    state: str = "failed",
    attempt: int = 10,
    error: str = "retry budget exhausted",
    failed_at: datetime | None = None,
    apply_id: int = 1,
) -> Apply:
    """An ``applies`` row in terminal ``failed`` (by default)."""
    failed_at = failed_at or FIXED_NOW - timedelta(minutes=42)
    return Apply(
        id=apply_id,
        apply_identifier=apply_identifier,
        lock_id=100 + apply_id,
        plan_id=200 + apply_id,
        database_name=database,
        database_type="mysql",
        repository="acme/schemas",
        pull_request=4242,
        environment=environment,
        deployment=deployment,
        caller="github:alice",
        installation_id=1,
        external_id="",
        idempotency_key=None,
        engine="spirit",
        state=state,
        error_message=error,
        options=ApplyOptions(),
        attempt=attempt,
        lease_owner="",
        lease_token="",
        lease_acquired_at=None,
        started_at=failed_at - timedelta(minutes=30),
        completed_at=failed_at if state == "failed" else None,
        revert_skipped_at=None,
        created_at=failed_at - timedelta(minutes=31),
        updated_at=failed_at,
    )


def make_task(
    task_id: int,
    table: str,
    state: str,
    *,
    apply_id: int = 1,
    error: str | None = None,
    ddl: str | None = None,
    operation_id: int | None = None,
) -> Task:
    """A drive ``tasks`` row for one table."""
    ddl = ddl or f"ALTER TABLE `{table}` ADD COLUMN `note` varchar(255) NULL"
    return Task(
        id=task_id,
        task_identifier=f"task-{task_id:04d}",
        apply_id=apply_id,
        apply_operation_id=operation_id,
        plan_id=200 + apply_id,
        database_name="orders",
        database_type="mysql",
        namespace="orders",
        table_name=table,
        shard="",
        ddl=ddl,
        ddl_action="alter",
        engine="spirit",
        repository="acme/schemas",
        pull_request=4242,
        environment="production",
        state=state,
        error_message=error,
        attempt=3,
        rows_copied=None,
        rows_total=None,
        progress_percent=None,
        started_at=FIXED_NOW - timedelta(minutes=70),
        completed_at=FIXED_NOW - timedelta(minutes=42) if state != "running" else None,
        created_at=FIXED_NOW - timedelta(minutes=71),
        updated_at=FIXED_NOW - timedelta(minutes=42),
    )


def make_operation(op_id: int, key: str, state: str, *, apply_id: int = 1) -> ApplyOperation:
    """An ``apply_operations`` row."""
    return ApplyOperation(
        id=op_id,
        apply_id=apply_id,
        deployment=key,
        operation_key=key,
        operation_kind="schema_change",
        target=key,
        state=state,
        error_message="copy failed" if state == "failed" else None,
        cutover_policy="automatic",
        on_failure="stop",
        attempt=3,
        lease_owner="",
        lease_token="",
        lease_acquired_at=None,
        started_at=FIXED_NOW - timedelta(minutes=70),
        completed_at=FIXED_NOW - timedelta(minutes=42),
        created_at=FIXED_NOW - timedelta(minutes=71),
        updated_at=FIXED_NOW - timedelta(minutes=42),
    )


def make_triage_row(
    apply_identifier: str = "apply-0001",
    *,
    database: str = "orders",
    environment: str = "production",
    deployment: str = "default",
    failed_minutes_ago: float = 42,
    attempt: int = 10,
    failed: int = 1,
    total: int = 2,
    error: str = "copy failed: duplicate key",
    lock_owner: str | None = None,
    lock_held_minutes: float | None = None,
    redrivable: bool = True,
    reason: str = "",
    redrive_count: int = 0,
) -> TriageRow:
    """One triage row; times are relative to ``FIXED_NOW``."""
    failed_at = FIXED_NOW - timedelta(minutes=failed_minutes_ago)
    held_since = (
        FIXED_NOW - timedelta(minutes=lock_held_minutes) if lock_held_minutes is not None else None
    )
    return TriageRow(
        apply_id=apply_identifier,
        database=database,
        database_type="mysql",
        environment=environment,
        deployment=deployment,
        failed_at=failed_at,
        window_ends_at=failed_at + WINDOW,
        attempt=attempt,
        tasks=TaskCounts(failed=failed, completed=total - failed, total=total),
        error=error,
        lock_owner=lock_owner,
        lock_held_since=held_since,
        redrivable=redrivable,
        reason=reason,
        redrive_count=redrive_count,
    )


def sample_rows() -> tuple[TriageRow, ...]:
    """A small, varied triage list: redrivable, locked by another owner, not redrivable."""
    return (
        make_triage_row("apply-0001", database="orders", failed_minutes_ago=42),
        make_triage_row(
            "apply-0002",
            database="billing",
            environment="staging",
            failed_minutes_ago=125,
            failed=2,
            total=5,
            error="Deadlock found when trying to get lock",
            lock_owner="github:bob",
            lock_held_minutes=95,
        ),
        make_triage_row(
            "apply-0003",
            database="users",
            failed_minutes_ago=60 * 26,
            error="lost connection to MySQL server during query",
            redrivable=False,
            reason="failed more than 1 day(s) ago",
        ),
        make_triage_row(
            "apply-0004",
            database="inventory",
            deployment="region-a",
            failed_minutes_ago=5,
            attempt=4,
            failed=3,
            total=3,
            error="table `stock` is locked by another change",
            redrive_count=1,
        ),
    )


def many_rows(count: int) -> tuple[TriageRow, ...]:
    """``count`` distinct rows, newest first, for paging tests."""
    return tuple(
        make_triage_row(
            f"apply-{index:05d}",
            database=f"db{index % 7}",
            environment=("production", "staging")[index % 2],
            failed_minutes_ago=1 + index * 0.1,
        )
        for index in range(count)
    )


def make_review(
    apply_identifier: str = "apply-0001",
    *,
    verdict: Verdict = Verdict.MATCH,
    reason: str = "",
    database: str = "orders",
    environment: str = "production",
    lock_owner: str | None = None,
    lock_held_minutes: float = 95,
    operator: str = OPERATOR,
) -> Review:
    """A review of one apply: two failed tasks (one per operation), one completed task."""
    apply = make_apply(apply_identifier, database=database, environment=environment)
    tasks = (
        make_task(11, "orders", "failed", error="copy failed: duplicate key", operation_id=21),
        make_task(12, "customers", "completed", operation_id=22),
        make_task(13, "payments", "failed", error="lock wait timeout", operation_id=21),
    )
    operations = (
        make_operation(21, "region-a", "failed"),
        make_operation(22, "region-b", "completed"),
    )
    lock = LockState(
        database_name=database,
        database_type="mysql",
        operator=operator,
        owner=lock_owner,
        lock_id=7 if lock_owner else None,
        held_since=FIXED_NOW - timedelta(minutes=lock_held_minutes) if lock_owner else None,
        repository="acme/schemas",
        pull_request=4242,
    )
    stored = (
        TableChange("orders", "ALTER TABLE `orders` ADD COLUMN `note` varchar(255)", "alter"),
    )
    fresh = stored if verdict is Verdict.MATCH else ()
    comparisons = (
        TableComparison(
            "orders",
            "orders",
            TableStatus.SAME if verdict is Verdict.MATCH else TableStatus.ONLY_STORED,
            stored=stored,
            fresh=fresh,
        ),
    )
    token = ReviewToken(
        apply_id=apply.id,
        apply_identifier=apply_identifier,
        apply_state=apply.state,
        apply_updated_at=str(apply.updated_at),
        apply_completed_at=str(apply.completed_at),
        task_states=tuple((task.id, task.state) for task in tasks),
        operation_states=tuple((op.id, op.state) for op in operations),
        lock_owner=lock_owner,
        lock_id=lock.lock_id,
        fingerprint="fp-0123456789abcdef",
    )
    return Review(
        apply=apply,
        environment=environment,
        verdict=verdict,
        reason=reason,
        fingerprint=token.fingerprint,
        lock=lock,
        database_now=FIXED_NOW,
        window_ends_at=apply.completed_at + WINDOW if apply.completed_at else None,
        plan_identifier="plan-0001",
        fresh_plan_available=verdict is not Verdict.NOT_REDRIVABLE,
        tasks=tasks,
        operations=operations,
        comparisons=comparisons,
        reopen_task_ids=(11, 13),
        reopen_operation_ids=(21,),
        token=token if verdict is Verdict.MATCH else None,
    )


def make_logs(apply_identifier: str = "apply-0001") -> tuple[LogEntry, ...]:
    """Recent ``apply_logs`` rows, newest first; one message carries markup and an escape."""
    entries = [
        ("error", "state_change", "apply failed: retry budget exhausted", "running", "failed"),
        ("warn", "task_failed", "task orders: copy failed [red]x[/red] \x1b[31mboom", None, None),
        ("info", "task_started", "task orders started", "pending", "running"),
        ("info", "apply_claimed", "claimed by driver-7", "pending", "running"),
    ]
    return tuple(
        LogEntry(
            id=100 - index,
            apply_id=1,
            task_id=11 if "task" in event else None,
            level=level,
            event_type=event,
            source="driver",
            message=message,
            old_state=old,
            new_state=new,
            metadata=None,
            created_at=FIXED_NOW - timedelta(minutes=42 + index * 3),
        )
        for index, (level, event, message, old, new) in enumerate(entries)
    )


class FakeConsoleService:
    """Implements ``ConsoleService`` from canned data; thread-safe enough for UI workers.

    ``lock_owners_now`` is who holds an apply's database lock when the redrive runs (default:
    the reviewed owner); a rejection reports it, as the real service re-reads it.
    ``older_rows`` are listed only with ``include_all`` (failed before the redrive window) and
    counted by ``count_older_failed``.
    ``progress`` walks through ``progress_states`` (one step per call, staying on the last) after
    a successful redrive, so the outcome screen's watch can be observed.
    """

    def __init__(
        self,
        rows: Sequence[TriageRow] | None = None,
        *,
        older_rows: Sequence[TriageRow] = (),
        now: datetime = FIXED_NOW,
        reviews: dict[str, Review] | None = None,
        rejections: dict[str, str] | None = None,
        lock_owners_now: dict[str, str | None] | None = None,
        logs: dict[str, tuple[LogEntry, ...]] | None = None,
        progress_states: Iterable[str] = ("failed_retryable", "running", "running"),
    ) -> None:
        self.rows = tuple(sample_rows() if rows is None else rows)
        self.older_rows = tuple(older_rows)
        self.now = now
        self.reviews = dict(reviews or {})
        self.rejections = dict(rejections or {})
        self.lock_owners_now = dict(lock_owners_now or {})
        self.logs = dict(logs or {})
        self.progress_states = tuple(progress_states)
        self.fail_next: dict[str, BaseException] = {}
        self.review_gate: threading.Event | None = None
        self.calls: list[tuple[str, tuple, dict]] = []
        self._redriven: dict[str, int] = {}
        self._lock = threading.Lock()

    def _enter(self, method: str, *args: object, **kwargs: object) -> None:
        with self._lock:
            self.calls.append((method, args, kwargs))
            error = self.fail_next.pop(method, None)
        if error is not None:
            raise error

    def calls_to(self, method: str) -> list[tuple[tuple, dict]]:
        """The recorded ``(args, kwargs)`` of every call to ``method``."""
        with self._lock:
            return [(args, kwargs) for name, args, kwargs in self.calls if name == method]

    def list_failed(
        self,
        *,
        environment: str | None = None,
        database: str | None = None,
        include_all: bool = False,
        cursor: str | None = None,
        limit: int = 200,
    ) -> TriagePage:
        self._enter(
            "list_failed",
            environment=environment,
            database=database,
            include_all=include_all,
            cursor=cursor,
            limit=limit,
        )
        rows = self._filtered(
            self.rows + (self.older_rows if include_all else ()), environment, database
        )
        start = int(cursor) if cursor else 0
        page = tuple(rows[start : start + limit])
        more = start + limit < len(rows)
        return TriagePage(page, self.now, str(start + limit) if more else None)

    def count_older_failed(
        self, *, environment: str | None = None, database: str | None = None
    ) -> int:
        self._enter("count_older_failed", environment=environment, database=database)
        return len(self._filtered(self.older_rows, environment, database))

    @staticmethod
    def _filtered(
        rows: Iterable[TriageRow], environment: str | None, database: str | None
    ) -> list[TriageRow]:
        return [
            row
            for row in rows
            if (environment is None or row.environment == environment)
            and (database is None or row.database == database)
        ]

    def review(
        self, apply_identifier: str, environment: str, *, on_stage: StageCallback | None = None
    ) -> Review:
        self._enter("review", apply_identifier, environment)
        for stage in ("loading apply", "rebuilding remaining work", "planning"):
            if on_stage is not None:
                on_stage(stage)
        if self.review_gate is not None:
            self.review_gate.wait(timeout=10)
        if apply_identifier in self.reviews:
            return self.reviews[apply_identifier]
        row = next((r for r in self.rows if r.apply_id == apply_identifier), None)
        database = row.database if row else "orders"
        verdict = Verdict.MATCH if row is None or row.redrivable else Verdict.NOT_REDRIVABLE
        return make_review(
            apply_identifier,
            verdict=verdict,
            reason=row.reason if row else "",
            database=database,
            environment=environment,
            lock_owner=row.lock_owner if row else None,
        )

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
        self._enter(
            "redrive",
            apply_identifier,
            environment,
            operator=operator,
            force=force,
            reviewed=reviewed,
            expect_fingerprint=expect_fingerprint,
            ignore_preflight=ignore_preflight,
        )
        review = self.reviews.get(apply_identifier) or make_review(apply_identifier)
        previous = reviewed.lock_owner if reviewed is not None else review.lock.owner
        current = self.lock_owners_now.get(apply_identifier, previous)
        reason = self.rejections.get(apply_identifier)
        if reason is None and current != previous:
            reason = f"changed since the review: lock owner changed from {previous} to {current}"
        if reason is None and previous not in (None, operator) and not force:
            reason = f"database lock is held by {previous}; pass force to take it over"
        if reason is not None:
            return RedriveOutcome(
                "rejected", apply_identifier, reason, review.fingerprint, current, None
            )
        with self._lock:
            self._redriven[apply_identifier] = 0
        return RedriveOutcome(
            "redriven",
            apply_identifier,
            "",
            review.fingerprint,
            operator,
            previous,
            review.reopen_task_ids,
            review.reopen_operation_ids,
        )

    def apply_logs(self, apply_identifier: str, *, limit: int = 200) -> tuple[LogEntry, ...]:
        self._enter("apply_logs", apply_identifier, limit=limit)
        return self.logs.get(apply_identifier, make_logs(apply_identifier))[:limit]

    def progress(self, apply_identifier: str) -> ApplyProgress:
        self._enter("progress", apply_identifier)
        review = self.reviews.get(apply_identifier) or make_review(apply_identifier)
        with self._lock:
            step = self._redriven.get(apply_identifier)
            if step is not None:
                self._redriven[apply_identifier] = step + 1
        if step is None:
            return ApplyProgress(review.apply, review.tasks, review.operations, self.now)
        state = self.progress_states[min(step, len(self.progress_states) - 1)]
        task_state = "pending" if state == "running" else state
        apply = replace(review.apply, state=state, attempt=1 if state == "running" else 0)
        tasks = tuple(
            replace(task, state=task_state, error_message="")
            if task.id in review.reopen_task_ids
            else task
            for task in review.tasks
        )
        operations = tuple(
            replace(op, state=state) if op.id in review.reopen_operation_ids else op
            for op in review.operations
        )
        return ApplyProgress(apply, tasks, operations, self.now)
