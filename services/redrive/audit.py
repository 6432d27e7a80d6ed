"""The redrive audit row in ``apply_logs`` (as SchemaBot's redrive writes it), in the reopen."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from services.storage.schema import apply_logs

AUDIT_MESSAGE = "Redrive requested by user (caller: {caller})"


def audit_message(operator: str) -> str:
    return AUDIT_MESSAGE.format(caller=operator or "unknown")


def write_redrive_audit(
    conn: Connection,
    *,
    apply_id: int,
    operator: str,
    fingerprint: str,
    forced: bool,
    lock_id: int,
    previous_lock_owner: str | None,
    task_ids: Sequence[int],
    operation_ids: Sequence[int],
    preflight_verdict: str = "",
    ignore_preflight: bool = False,
) -> int:
    """Insert the one audit row of a redrive; it commits or rolls back with the reopen.

    ``preflight_verdict`` is the overall pre-flight verdict the write saw ("" when none ran);
    ``ignore_preflight`` records that the operator overrode a ``will_fail_again`` refusal.
    """
    result = conn.execute(
        insert(apply_logs).values(
            apply_id=apply_id,
            task_id=None,
            level="info",
            event_type="info",
            source="schemabot",
            message=audit_message(operator),
            old_state=None,
            new_state=None,
            metadata={
                "redrive": True,
                "caller": operator,
                "fingerprint": fingerprint,
                "forced": forced,
                "lock_id": lock_id,
                "previous_lock_owner": previous_lock_owner,
                "reopened_task_ids": list(task_ids),
                "reopened_operation_ids": list(operation_ids),
                "preflight_verdict": preflight_verdict,
                "ignore_preflight": ignore_preflight,
            },
        )
    )
    return int(result.inserted_primary_key[0])
