"""Dataclass builders for read-side redrive tests, around one shared fixture:
source plan ``plan-source`` (id 42, db ``testdb``, type ``mysql``, deployment ``default``,
target ``testdb``, environment ``staging``) and apply ``apply-redrive`` (id 7, ``failed``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from services.domain.models import (
    Apply,
    ApplyBundle,
    ApplyOperation,
    ApplyOptions,
    ControlRequest,
    Lock,
    NamespacePlan,
    Plan,
    ShardPlan,
    TableChange,
    Task,
)

NOW = datetime(2026, 7, 1, 12, 0, 0)
USERS_EMAIL = "ALTER TABLE `users` ADD COLUMN `email` varchar(255) NULL"
USERS_PHONE = "ALTER TABLE `users` ADD COLUMN `phone` varchar(32) NULL"
ORDERS_NOTE = "ALTER TABLE `orders` ADD COLUMN `note` text NULL"


def alter(table: str, ddl: str, **kw: Any) -> TableChange:
    return TableChange(table=table, ddl=ddl, operation="alter", **kw)


def make_plan(namespaces: dict[str, NamespacePlan | None] | None = None, **kw: Any) -> Plan:
    values: dict[str, Any] = {
        "id": 42,
        "plan_identifier": "plan-source",
        "database_name": "testdb",
        "database_type": "mysql",
        "deployment": "default",
        "target": "testdb",
        "repository": "owner/repo",
        "pull_request": 123,
        "schema_path": "schema",
        "environment": "staging",
        "schema_files": {"testdb": {"users.sql": "CREATE TABLE users (id int)"}},
        "namespaces": namespaces
        if namespaces is not None
        else {"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL),))},
        "head_sha": "abc123",
    }
    values.update(kw)
    return Plan(**values)


def make_apply(**kw: Any) -> Apply:
    values: dict[str, Any] = {
        "id": 7,
        "apply_identifier": "apply-redrive",
        "lock_id": 0,
        "plan_id": 42,
        "database_name": "testdb",
        "database_type": "mysql",
        "repository": "owner/repo",
        "pull_request": 123,
        "environment": "staging",
        "deployment": "default",
        "caller": "owner/repo#123",
        "installation_id": 0,
        "external_id": "",
        "idempotency_key": None,
        "engine": "spirit",
        "state": "failed",
        "error_message": "copy failed",
        "options": ApplyOptions(),
        "attempt": 10,
        "lease_owner": "",
        "lease_token": "",
        "lease_acquired_at": None,
        "started_at": NOW - timedelta(hours=1),
        "completed_at": NOW,
        "revert_skipped_at": None,
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW,
    }
    values.update(kw)
    return Apply(**values)


def make_task(task_id: int, table: str = "users", state: str = "failed", **kw: Any) -> Task:
    values: dict[str, Any] = {
        "id": task_id,
        "task_identifier": f"task-{task_id:016x}",
        "apply_id": 7,
        "apply_operation_id": None,
        "plan_id": 42,
        "database_name": "testdb",
        "database_type": "mysql",
        "namespace": "testdb",
        "table_name": table,
        "shard": "",
        "ddl": None,
        "ddl_action": "alter",
        "engine": "spirit",
        "repository": "owner/repo",
        "pull_request": 123,
        "environment": "staging",
        "state": state,
        "error_message": None,
        "attempt": 0,
        "rows_copied": 0,
        "rows_total": 0,
        "progress_percent": 0,
        "started_at": None,
        "completed_at": NOW if state in {"completed", "failed", "cancelled"} else None,
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW,
    }
    values.update(kw)
    return Task(**values)


def make_op(op_id: int, state: str = "failed", **kw: Any) -> ApplyOperation:
    values: dict[str, Any] = {
        "id": op_id,
        "apply_id": 7,
        "deployment": "default",
        "operation_key": "",
        "operation_kind": "work",
        "target": "testdb",
        "state": state,
        "error_message": None,
        "cutover_policy": "rolling",
        "on_failure": "halt",
        "attempt": 0,
        "lease_owner": "",
        "lease_token": "",
        "lease_acquired_at": None,
        "started_at": None,
        "completed_at": NOW,
        "created_at": NOW - timedelta(hours=1),
        "updated_at": NOW,
    }
    values.update(kw)
    return ApplyOperation(**values)


def make_lock(owner: str = "other-owner", lock_id: int = 99) -> Lock:
    return Lock(
        id=lock_id,
        database_name="testdb",
        database_type="mysql",
        repository="owner/repo",
        pull_request=123,
        owner=owner,
        pending_plan_id="",
        created_at=NOW - timedelta(hours=2),
        updated_at=NOW - timedelta(hours=2),
    )


def make_control_request(operation: str = "stop", status: str = "pending") -> ControlRequest:
    return ControlRequest(
        id=5,
        apply_id=7,
        operation=operation,
        status=status,
        requested_by="cli:alice@ops-1",
        error_message=None,
        created_at=NOW,
        updated_at=NOW,
    )


def make_bundle(
    *,
    apply: Apply | None = None,
    tasks: tuple[Task, ...] = (),
    operations: tuple[ApplyOperation, ...] = (),
    plan: Plan | str | None = "default",
    lock: Lock | None = None,
    control_requests: tuple[ControlRequest, ...] = (),
    redrive_count: int = 0,
    database_now: datetime = NOW,
) -> ApplyBundle:
    return ApplyBundle(
        apply=apply or make_apply(),
        tasks=tasks,
        operations=operations,
        plan=make_plan() if plan == "default" else plan,  # type: ignore[arg-type]
        lock=lock,
        control_requests=control_requests,
        redrive_count=redrive_count,
        database_now=database_now,
    )


def shard_plan(namespace: str, shard: str, *changes: TableChange) -> ShardPlan:
    return ShardPlan(shard=shard, namespace=namespace, changes=changes)


def with_namespace(plan: Plan, **namespaces: NamespacePlan | None) -> Plan:
    return replace(plan, namespaces=namespaces)
