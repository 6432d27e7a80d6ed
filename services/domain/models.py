"""Typed rows of SchemaBot's storage, decoded from the database by ``services.storage``.

Field names follow SchemaBot's storage column names. States are kept as stored;
compare them with ``services.domain.states``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, repeat
from types import MappingProxyType
from typing import ClassVar

from services.domain.decoded_reads import DecodedReads
from services.domain.lock_owner import UnnamedLock
from services.domain.table_change import TableChange

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class ApplyOptions:
    """``applies.options`` / ``tasks.options``; every key optional."""

    allow_unsafe: bool = False
    branch: str = ""
    defer_cutover: bool = False
    defer_deploy: bool = False
    skip_revert: bool = False
    volume: int | None = None
    target: str = ""
    rollback: bool = False


@dataclass(frozen=True, slots=True)
class ShardPlan:
    """Per-shard changes nested under a namespace."""

    shard: str
    namespace: str = ""
    changes: tuple[TableChange, ...] = ()


@dataclass(frozen=True, slots=True)
class NamespacePlan:
    """The planned work of one namespace in ``plans.plan_data``."""

    tables: tuple[TableChange, ...] = ()
    shards: tuple[ShardPlan, ...] = ()
    original_files: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    original_files_captured: bool = False
    artifacts: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """A ``plans`` row with its decoded JSON columns.

    ``namespaces`` maps a namespace to its plan, or to ``None`` when the stored value is JSON null.
    ``schema_files`` maps a namespace to ``{file name: content}`` (the ``Files`` level removed).
    """

    id: int
    plan_identifier: str
    database_name: str
    database_type: str
    deployment: str
    target: str
    repository: str
    pull_request: int
    schema_path: str
    environment: str
    schema_files: Mapping[str, Mapping[str, str]]
    namespaces: Mapping[str, NamespacePlan | None]
    head_sha: str
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Apply:
    """An ``applies`` row.

    ``retry_after`` (next automatic retry not before) and ``superseded_by`` (the apply that
    took over this one's unfinished work) exist only in G2 storage; None elsewhere.
    """

    id: int
    apply_identifier: str
    lock_id: int
    plan_id: int
    database_name: str
    database_type: str
    repository: str
    pull_request: int
    environment: str
    deployment: str
    caller: str
    installation_id: int
    external_id: str
    idempotency_key: str | None
    engine: str
    state: str
    error_message: str | None
    options: ApplyOptions
    attempt: int
    lease_owner: str
    lease_token: str
    lease_acquired_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    revert_skipped_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    retry_after: datetime | None = None
    superseded_by: str | None = None


@dataclass(frozen=True, slots=True)
class BriefTask:
    """What a review reads of a ``tasks`` row: identity, place, owning operation, state, error
    and throttling. ``Task`` is the whole row; an apply's bundle carries these for its
    unsettled rows (``SettledRows``), so a big apply decodes a few columns per unfinished row.

    ``throttled`` / ``throttle_reason`` exist only in G2 storage (False / "" elsewhere).
    """

    id: int
    task_identifier: str
    apply_id: int
    apply_operation_id: int | None
    namespace: str
    table_name: str | None
    shard: str
    state: str
    error_message: str | None
    throttled: bool = field(default=False, kw_only=True)
    throttle_reason: str = field(default="", kw_only=True)


@dataclass(frozen=True, slots=True)
class Task(BriefTask):
    """A ``tasks`` row (drive row or reflected per-shard progress row)."""

    plan_id: int
    database_name: str
    database_type: str
    ddl: str | None
    ddl_action: str | None
    engine: str
    repository: str
    pull_request: int
    environment: str
    attempt: int
    rows_copied: int | None
    rows_total: int | None
    progress_percent: int | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingDrop:
    """A G2 ``pending_drops`` row: a table SchemaBot quarantined instead of dropping it."""

    id: int
    database_name: str
    table_name: str
    quarantined_name: str
    quarantined_at: datetime | None
    state: str


@dataclass(frozen=True, slots=True)
class BriefOperation:
    """What a review reads of an ``apply_operations`` row (see ``BriefTask``)."""

    id: int
    apply_id: int
    deployment: str
    operation_key: str
    operation_kind: str
    state: str
    error_message: str | None


@dataclass(frozen=True, slots=True)
class ApplyOperation(BriefOperation):
    """An ``apply_operations`` row."""

    target: str
    cutover_policy: str
    on_failure: str
    attempt: int
    lease_owner: str
    lease_token: str
    lease_acquired_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lock:
    """A ``locks`` row: the database deployment lock for (database, type).

    ``owner`` is None only in storage without SchemaBot's NOT NULL (see ``lock_owner``).
    """

    id: int
    database_name: str
    database_type: str
    repository: str
    pull_request: int
    owner: str | None
    pending_plan_id: str
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class LogEntry:
    """An ``apply_logs`` row."""

    id: int
    apply_id: int
    task_id: int | None
    level: str
    event_type: str
    source: str
    message: str
    old_state: str | None
    new_state: str | None
    metadata: object
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """An ``apply_control_requests`` row."""

    id: int
    apply_id: int
    operation: str
    status: str
    requested_by: str
    error_message: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True, slots=True)
class SettledRows:
    """The rows of an apply that are done and ask for nothing but to be counted: read as ids.

    A task is settled when its stored state is exactly ``completed``, it is not throttled, no
    NOT NULL column of it is NULL, and it has no owning operation or its owning operation (of
    the same apply) is itself stored exactly ``completed`` (for a shard task, with the kind
    exactly ``work``). An operation is settled when it is stored exactly ``completed`` on the
    apply's own deployment, no NOT NULL column of it is NULL, and every task pointing at it is
    settled. No settled row is ever reopened, listed as unfinished, or needed to rebuild the
    remaining work, so a big apply decodes only its unfinished rows; the review token still
    binds every settled id with its state (``STATE``).
    """

    STATE: ClassVar[str] = "completed"

    drive_task_ids: tuple[int, ...] = ()
    reflected_task_ids: tuple[int, ...] = ()
    operation_ids: tuple[int, ...] = ()

    @property
    def task_count(self) -> int:
        return len(self.drive_task_ids) + len(self.reflected_task_ids)

    def task_states(self) -> Iterator[tuple[int, str]]:
        """(id, state) of every settled task, drive and reflected."""
        return zip(chain(self.drive_task_ids, self.reflected_task_ids), repeat(self.STATE))

    def operation_states(self) -> Iterator[tuple[int, str]]:
        """(id, state) of every settled operation."""
        return zip(self.operation_ids, repeat(self.STATE))


NO_SETTLED_ROWS = SettledRows()


@dataclass(frozen=True, slots=True)
class ApplyBundle:
    """Everything a review needs about one apply, loaded in one read.

    ``tasks`` are the drive rows that are not settled (as SchemaBot's loader orders them,
    ``created_at DESC, id DESC``); ``reflected_tasks`` are the apply's other unsettled rows
    (per-shard progress rows), same order; ``operations`` are the unsettled operations.
    ``settled`` holds the ids of the settled rows (see ``SettledRows``): every row of the apply
    is in exactly one of these. ``unnamed_lock`` is set when the lock has no nameable owner
    (several rows: ``lock`` is None; a NULL owner: ``lock`` is that row). ``pending_drops`` are
    G2 quarantined tables of the apply's database and environment named by one of its tasks.
    ``decoded_reads`` are the read's decoded rows by raw result, so the writing transaction's
    locked read of identical rows need not decode them again (``DecodedReads``).
    """

    apply: Apply
    tasks: tuple[BriefTask, ...]
    operations: tuple[BriefOperation, ...]
    plan: Plan | None
    lock: Lock | None
    control_requests: tuple[ControlRequest, ...]
    redrive_count: int
    database_now: datetime
    reflected_tasks: tuple[BriefTask, ...] = ()
    unnamed_lock: UnnamedLock | None = None
    pending_drops: tuple[PendingDrop, ...] = ()
    settled: SettledRows = NO_SETTLED_ROWS
    decoded_reads: DecodedReads | None = field(default=None, compare=False, repr=False)
