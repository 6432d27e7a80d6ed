"""Drive rows vs reflected per-shard progress rows, one definition.

A task with ``shard = ''`` is a drive row. A shard task is a drive row only when its owning
operation (of the same apply) is a ``work`` operation whose ``operation_key`` is
``<namespace>/<shard>/<table>``; other shard rows are a read model of per-shard progress.
"""

from __future__ import annotations

from services.domain.models import BriefOperation, BriefTask


def is_drive_task(task: BriefTask, operation: BriefOperation | None) -> bool:
    """True for a drive row; ``operation`` is the task's owning operation row, if loaded."""
    if not task.shard:
        return True
    if operation is None or operation.apply_id != task.apply_id:
        return False
    key = f"{task.namespace}/{task.shard}/{task.table_name or ''}"
    return operation.operation_kind.strip().lower() == "work" and operation.operation_key == key
