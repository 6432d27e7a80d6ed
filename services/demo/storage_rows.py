"""Insert one demo apply into SchemaBot storage: plan, lock, apply, operations, tasks, logs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert

from services.demo.scenarios import ApplySpec, TaskSpec
from services.demo.timeline import Timeline, hex_id, plan_identifier, timeline_for
from services.domain.models import TableChange
from services.storage.schema import (
    applies,
    apply_control_requests,
    apply_logs,
    apply_operations,
    locks,
    plans,
    tasks,
)

DATABASE_TYPE = "mysql"
ENGINE = "spirit"
LEASE_OWNER = "schemabot-7c9d5f8b6-x2kq4/1/driver-3"


def table_change_json(change: TableChange) -> dict[str, object]:
    """A namespace-level TableChange as SchemaBot stores it (empty keys omitted)."""
    encoded: dict[str, object] = {
        "table": change.table,
        "ddl": change.ddl,
        "operation": change.operation,
    }
    if change.is_unsafe:
        encoded["is_unsafe"] = True
    if change.unsafe_reason:
        encoded["unsafe_reason"] = change.unsafe_reason
    return encoded


def plan_data_json(spec: ApplySpec, changes: Sequence[TableChange]) -> dict[str, object]:
    """``plans.plan_data``: changes per namespace plus the captured original files."""
    data: dict[str, object] = {}
    for namespace, tables in spec.namespaces.items():
        own = [table_change_json(c) for c in changes if c.namespace == namespace]
        if not own:
            continue
        originals = {f"{t.name}.sql": t.before for t in tables if t.before is not None}
        data[namespace] = {
            "tables": own,
            "original_files": originals,
            "original_files_captured": True,
        }
    return data


def desired_files(spec: ApplySpec) -> dict[str, dict[str, str]]:
    """The desired schema files of a scenario: ``{namespace: {file: content}}``."""
    return {
        namespace: {f"{t.name}.sql": t.after + ";\n" for t in tables}
        for namespace, tables in spec.namespaces.items()
    }


def schema_files_json(spec: ApplySpec) -> dict[str, object]:
    """``plans.schema_files``: ``{namespace: {"Files": {file: content}}}``."""
    return {namespace: {"Files": files} for namespace, files in desired_files(spec).items()}


def insert_apply(
    conn: Connection, spec: ApplySpec, changes: Sequence[TableChange], index: int, now: datetime
) -> str:
    """Write every row of one scenario; returns its ``apply_identifier``."""
    when = timeline_for(spec, now)
    apply_identifier = f"apply-{hex_id('demo', spec.key)}"
    plan_id = _insert_plan(conn, spec, changes, index, when)
    lock_id = _insert_lock(conn, spec, when) if spec.lock_owner else 0
    apply_id = _insert_apply_row(conn, spec, apply_identifier, plan_id, lock_id, when)
    operation_ids = _insert_operations(conn, spec, apply_id, when)
    task_ids = _insert_tasks(conn, spec, changes, apply_id, plan_id, operation_ids, when)
    _insert_logs(conn, spec, apply_id, task_ids, when)
    for operation, status, metadata in spec.control_requests:
        requested = (when.ended or now) - timedelta(minutes=20)
        conn.execute(
            insert(apply_control_requests).values(
                apply_id=apply_id,
                operation=operation,
                status=status,
                requested_by="cli:akumar@ops-bastion-1",
                metadata=json.loads(metadata),
                completed_at=requested + timedelta(seconds=6) if status != "pending" else None,
                created_at=requested,
                updated_at=requested + timedelta(seconds=6 * (status != "pending")),
            )
        )
    return apply_identifier


def _insert_plan(
    conn: Connection, spec: ApplySpec, changes: Sequence[TableChange], index: int, when: Timeline
) -> int:
    from_pr = not spec.caller.startswith("cli:")
    result = conn.execute(
        insert(plans).values(
            plan_identifier=plan_identifier(when.planned, index),
            database_name=spec.database,
            database_type=DATABASE_TYPE,
            deployment=spec.primary_deployment,
            target=spec.primary_target,
            repository=spec.repository,
            pull_request=spec.pull_request,
            schema_path=f"schema/{spec.database}" if from_pr else "",
            environment=spec.environment,
            schema_files=schema_files_json(spec),
            plan_data=plan_data_json(spec, changes),
            head_sha=hex_id("sha", spec.repository, spec.pull_request, length=40),
            created_at=when.planned,
        )
    )
    return int(result.inserted_primary_key[0])


def _insert_lock(conn: Connection, spec: ApplySpec, when: Timeline) -> int:
    owner = spec.lock_owner or ""
    repository, _, number = owner.partition("#")
    # A lock on a failed apply's database was taken by someone else after the failure.
    taken = when.ended + (when.now - when.ended) / 3 if when.ended else when.created
    result = conn.execute(
        insert(locks).values(
            database_name=spec.database,
            database_type=DATABASE_TYPE,
            repository=repository if number else spec.repository,
            pull_request=int(number) if number.isdigit() else 0,
            owner=owner,
            pending_plan_id="",
            created_at=taken,
            updated_at=taken,
        )
    )
    return int(result.inserted_primary_key[0])


def _insert_apply_row(
    conn: Connection,
    spec: ApplySpec,
    apply_identifier: str,
    plan_id: int,
    lock_id: int,
    when: Timeline,
) -> int:
    running = when.ended is None
    result = conn.execute(
        insert(applies).values(
            apply_identifier=apply_identifier,
            lock_id=lock_id if running else 0,
            plan_id=plan_id,
            database_name=spec.database,
            database_type=DATABASE_TYPE,
            repository=spec.repository,
            pull_request=spec.pull_request,
            environment=spec.environment,
            deployment=spec.primary_deployment,
            caller=spec.caller,
            engine=ENGINE,
            state=spec.state,
            error_message=spec.error,
            options=dict(spec.options),
            attempt=spec.attempt,
            lease_owner=LEASE_OWNER if running else "",
            lease_token=hex_id("lease", spec.key, length=32) if running else "",
            lease_acquired_at=when.started if running else None,
            started_at=when.started,
            completed_at=when.ended,
            created_at=when.created,
            updated_at=when.last_update,
        )
    )
    return int(result.inserted_primary_key[0])


def _insert_operations(
    conn: Connection, spec: ApplySpec, apply_id: int, when: Timeline
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for position, op in enumerate(spec.operations):
        finished = op.state in {"completed", "failed", "cancelled", "reverted"}
        result = conn.execute(
            insert(apply_operations).values(
                apply_id=apply_id,
                deployment=op.deployment,
                operation_key="",
                operation_kind="work",
                target=spec.primary_target if op.deployment == spec.primary_deployment else "",
                state=op.state,
                error_message=op.error,
                attempt=spec.attempt if op.state == "failed" else 0,
                started_at=when.started,
                completed_at=when.ended if finished else None,
                created_at=when.created + timedelta(seconds=position + 1),
                updated_at=when.last_update - timedelta(minutes=5 * (op.state == "stopped")),
            )
        )
        ids[op.deployment] = int(result.inserted_primary_key[0])
    return ids


def _task_changes(changes: Sequence[TableChange], task: TaskSpec) -> list[TableChange]:
    return [c for c in changes if (c.namespace, c.table) == (task.namespace, task.table)]


def _insert_tasks(
    conn: Connection,
    spec: ApplySpec,
    changes: Sequence[TableChange],
    apply_id: int,
    plan_id: int,
    operation_ids: dict[str, int],
    when: Timeline,
) -> dict[int, int]:
    ids: dict[int, int] = {}
    for position, task in enumerate(spec.tasks):
        own = _task_changes(changes, task)
        rows_total = 50_000 + int(hex_id("rows", spec.key, task.table, length=6), 16) % 9_000_000
        done_at = {
            "completed": when.during((position + 1) / (len(spec.tasks) + 1)),
            "failed": when.ended,
            "cancelled": when.ended,
        }.get(task.state)
        deployment = task.deployment or spec.primary_deployment
        result = conn.execute(
            insert(tasks).values(
                task_identifier=f"task-{hex_id('demo', spec.key, position)}",
                apply_id=apply_id,
                apply_operation_id=operation_ids.get(deployment),
                plan_id=plan_id,
                database_name=spec.database,
                database_type=DATABASE_TYPE,
                namespace=task.namespace,
                table_name=task.table,
                shard="",
                ddl="\n".join(c.ddl for c in own),
                ddl_action=own[0].operation if own else None,
                engine=ENGINE,
                repository=spec.repository,
                pull_request=spec.pull_request,
                environment=spec.environment,
                state=task.state,
                error_message=task.error,
                options=dict(spec.options),
                attempt=spec.attempt if task.state == "failed" else 0,
                rows_copied=rows_total * task.progress // 100,
                rows_total=rows_total,
                progress_percent=task.progress,
                started_at=None if task.state == "cancelled" else when.started,
                completed_at=done_at,
                created_at=when.created + timedelta(seconds=position + 1),
                updated_at=done_at or when.last_update,
            )
        )
        ids[position] = int(result.inserted_primary_key[0])
    return ids


def _insert_logs(
    conn: Connection, spec: ApplySpec, apply_id: int, task_ids: dict[int, int], when: Timeline
) -> None:
    entries: list[dict[str, object]] = [
        _log(
            when.created,
            "info",
            "state_transition",
            f"Apply created by {spec.caller}",
            None,
            "pending",
        ),
        _log(
            when.started,
            "info",
            "state_transition",
            "Operator claimed apply to start it (driver 3, state pending)",
            "pending",
            "running",
        ),
    ]
    for position, task in enumerate(spec.tasks):
        task_id = task_ids[position]
        if task.state == "completed":
            done = when.during((position + 1) / (len(spec.tasks) + 1))
            entries.append(
                _log(done, "info", "task_update", f"Task {task.table} completed", task_id=task_id)
            )
        elif task.state == "failed" and when.ended:
            entries.append(
                _log(
                    when.ended - timedelta(seconds=2),
                    "error",
                    "error",
                    task.error or "failed",
                    task_id=task_id,
                    source="spirit",
                )
            )
        elif task.state == "running":
            entries.append(
                _log(
                    when.now - timedelta(seconds=40),
                    "info",
                    "progress",
                    f"Copying {task.table}: {task.progress}% of rows copied",
                    task_id=task_id,
                )
            )
    if spec.attempt and when.ended:
        entries.append(
            _log(
                when.ended - timedelta(minutes=1),
                "warn",
                "state_transition",
                f"Retryable failure; operator retried (attempt {spec.attempt}/10)",
                "running",
                "failed_retryable",
            )
        )
    if when.ended:
        message = f"Apply {spec.state}" + (f": {spec.error}" if spec.error else "")
        level = "error" if spec.state == "failed" else "info"
        entries.append(_log(when.ended, level, "state_transition", message, "running", spec.state))
    entries.sort(key=lambda row: row["created_at"])
    conn.execute(insert(apply_logs), [{**row, "apply_id": apply_id} for row in entries])


def _log(
    when: datetime,
    level: str,
    event_type: str,
    message: str,
    old_state: str | None = None,
    new_state: str | None = None,
    *,
    task_id: int | None = None,
    source: str = "schemabot",
) -> dict[str, object]:
    return {
        "task_id": task_id,
        "level": level,
        "event_type": event_type,
        "source": source,
        "message": message,
        "old_state": old_state,
        "new_state": new_state,
        "created_at": when,
    }
