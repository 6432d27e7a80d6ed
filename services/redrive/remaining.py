"""Remaining work of a failed apply (the tasks and operations a redrive reopens).

One definition serves both sides: the review compares the stored plan filtered to
``RemainingWork.keys`` / ``finalizer_namespaces``, and the write side reopens exactly
``RemainingWork.task_ids`` and ``RemainingWork.operation_ids`` — never a wider SQL selection.

Drive rows vs reflected rows: a task with ``shard = ''`` is a drive row; a task
with a shard is a drive row only when its owning operation is a ``work`` operation whose
``operation_key`` is ``<namespace>/<shard>/<table>``. Other shard rows are reflected per-shard
progress rows: a read model, neither compared nor reopened (reported in
``reflected_task_ids``). Operations are joined by id **and** apply id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from services.collector import collector_paused
from services.domain.drive_rows import is_drive_task
from services.domain.models import Apply, BriefOperation, BriefTask
from services.domain.states import StateClass, operation_state_class, task_state_class
from services.redrive.validation import RedriveRejection

FINALIZER_SUFFIX = "/group_finalizer"


class TaskKey(NamedTuple):
    """(namespace, shard, table) of one piece of work; shard ``""`` means unsharded.

    A tuple: the remaining work of 20,000 tasks builds and looks up tens of thousands of keys.
    """

    namespace: str
    shard: str
    table: str


@dataclass(frozen=True, slots=True)
class RemainingWork:
    """What a redrive would retry: the compared keys and the exact rows it reopens."""

    task_ids: tuple[int, ...]
    operation_ids: tuple[int, ...]
    keys: frozenset[TaskKey]
    finalizer_namespaces: frozenset[str]
    deployments: frozenset[str]
    reflected_task_ids: tuple[int, ...] = ()
    _tables: frozenset[tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tables = frozenset((k.namespace, k.table) for k in self.keys)
        object.__setattr__(self, "_tables", tables)

    def selects_table(self, namespace: str, table: str) -> bool:
        """Namespace tables are selected by (namespace, table), whatever the shard."""
        return (namespace, table) in self._tables

    def selects_shard_change(self, namespace: str, shard: str, table: str) -> bool:
        """Shard changes are selected by their exact (namespace, shard, table) key."""
        return (namespace, shard, table) in self.keys


def task_key(task: BriefTask) -> TaskKey:
    return TaskKey(task.namespace, task.shard, task.table_name or "")


def operations_by_id(
    apply: Apply, operations: Iterable[BriefOperation]
) -> dict[int, BriefOperation]:
    """The apply's operations by id; rows of another apply never join."""
    return {op.id: op for op in operations if op.apply_id == apply.id}


@collector_paused()
def reconstruct_remaining_work(
    apply: Apply,
    tasks: Iterable[BriefTask],
    operations: Iterable[BriefOperation],
    primary_deployment: str,
) -> RemainingWork:
    """Collect failed/cancelled drive tasks and failed operations; raises ``RedriveRejection``
    (missing op row, malformed finalizer key,
    no failed work, failed work outside the primary deployment)."""
    ident = apply.apply_identifier
    ops = operations_by_id(apply, operations)
    own_tasks = sorted((t for t in tasks if t.apply_id == apply.id), key=lambda t: t.id)
    reopen: set[int] = set()
    reflected: list[int] = []
    keys: set[TaskKey] = set()
    deployments: set[str] = set()
    finalizers: set[str] = set()

    for task in own_tasks:
        if not _reopenable_task(task):
            continue
        op = _owning_operation(ident, task, ops)
        if not is_drive_task(task, op):
            reflected.append(task.id)
            continue
        if op is not None:
            if not _failed_operation(op):
                continue
            deployments.add(op.deployment)
        else:
            deployments.add(primary_deployment)
        keys.add(task_key(task))
        reopen.add(task.id)

    # A failed operation's reopenable drive tasks were all taken above (their owner is that
    # failed operation); what is left is its deployment, and for a group finalizer whether it
    # drives any task at all (none: the finalizer itself is the remaining work).
    failed_ops = sorted((op for op in ops.values() if _failed_operation(op)), key=lambda o: o.id)
    finalizer_ids = {op.id for op in failed_ops if _kind(op) == "group_finalizer"}
    driving = {
        task.apply_operation_id
        for task in own_tasks
        if task.apply_operation_id in finalizer_ids
        and is_drive_task(task, ops[task.apply_operation_id])
    }
    for op in failed_ops:
        deployments.add(op.deployment)
        if op.id in finalizer_ids and op.id not in driving:
            finalizers.add(finalizer_namespace(ident, op))

    if not deployments:
        raise RedriveRejection("no_failed_work", f"apply {ident} has no failed work to redrive")
    if deployments != {primary_deployment}:
        raise RedriveRejection(
            "outside_primary_deployment",
            f'apply {ident} has failed work outside primary deployment "{primary_deployment}"'
            f" ({', '.join(sorted(repr(d) for d in deployments))}); create a new apply instead",
        )
    return RemainingWork(
        task_ids=tuple(sorted(reopen)),
        operation_ids=tuple(op.id for op in failed_ops),
        keys=frozenset(keys),
        finalizer_namespaces=frozenset(finalizers),
        deployments=frozenset(deployments),
        reflected_task_ids=tuple(reflected),
    )


def finalizer_namespace(apply_identifier: str, op: BriefOperation) -> str:
    """The namespace of a ``<namespace>/group_finalizer`` key; anything else is refused."""
    key = op.operation_key
    namespace = key[: -len(FINALIZER_SUFFIX)] if key.endswith(FINALIZER_SUFFIX) else ""
    if not namespace or "/" in namespace:
        raise RedriveRejection(
            "malformed_finalizer_key",
            f'operation {op.id} has malformed finalizer key "{key}" for redrive apply '
            f"{apply_identifier}",
        )
    return namespace


def _owning_operation(
    ident: str, task: BriefTask, ops: Mapping[int, BriefOperation]
) -> BriefOperation | None:
    """The task's operation, or None when it has none; a dangling link fails closed."""
    if task.apply_operation_id is None:
        return None
    op = ops.get(task.apply_operation_id)
    if op is None:
        raise RedriveRejection(
            "missing_operation_row",
            f"redrive apply {ident}: failed task {task.id} references missing operation row "
            f"{task.apply_operation_id}; resolve the storage inconsistency before redrive",
        )
    return op


def _reopenable_task(task: BriefTask) -> bool:
    """A failed task, or a cancelled one that never ran because an earlier task failed."""
    return _reopenable_task_state(task.state)


def _failed_operation(op: BriefOperation) -> bool:
    return _reopenable_operation_state(op.state)


# An apply of 20,000 tasks has a handful of distinct state spellings: classify each once.
@lru_cache(maxsize=256)
def _reopenable_task_state(state: str | None) -> bool:
    return task_state_class(state) is StateClass.REOPENABLE


@lru_cache(maxsize=256)
def _reopenable_operation_state(state: str | None) -> bool:
    return operation_state_class(state) is StateClass.REOPENABLE


def _kind(op: BriefOperation) -> str:
    return op.operation_kind.strip().lower()
