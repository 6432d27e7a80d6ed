"""Read-only check that a storage has the columns each capability of the console truly needs.

SchemaBot's layout differs between generations, so instead of "every column we know must
exist" each capability names its core columns; every other column is optional and read only
where present (see ``StorageGeneration.has``). The check reuses the one catalog statement of
``generation.detect``. The console never alters an existing database: a gap is reported, not
repaired.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy import Connection

from services.domain.errors import IncompatibleStorageError
from services.storage.generation import StorageGeneration, detect


class Capability(StrEnum):
    """What the console does with a storage, each with its own core columns."""

    LIST_AND_REVIEW = "list_and_review"
    REOPEN = "reopen"


def _columns(**tables: str) -> Mapping[str, frozenset[str]]:
    return {table: frozenset(names.split()) for table, names in tables.items()}


# Listing and reviewing: the triage filters, order, joins and counts (state, completion time,
# database and environment, the lock of the database, drive-row detection of tasks by
# namespace/shard/table and their owning work operation, pending control requests, redrive
# audit rows), and what a review compares (plan input and output, target, the tasks' DDL).
# G1 and G2 on MySQL and PostgreSQL all have every one of these.
_LIST_AND_REVIEW = _columns(
    applies="id apply_identifier lock_id plan_id database_name database_type environment "
    "deployment engine state error_message attempt completed_at updated_at",
    plans="id plan_identifier database_name database_type deployment target environment "
    "schema_files plan_data",
    tasks="id apply_id apply_operation_id namespace table_name shard ddl state error_message",
    apply_operations="id apply_id deployment operation_key operation_kind target state "
    "error_message",
    locks="id database_name database_type owner created_at",
    apply_logs="id apply_id level event_type message created_at",
    apply_control_requests="id apply_id operation status",
)

# The transactional reopen (G1 only) additionally writes these: tasks, operations and the
# apply back to failed_retryable with their lease and completion cleared, the lock row it
# takes, and its one audit row.
_REOPEN_WRITES = _columns(
    applies="lease_owner lease_token lease_acquired_at",
    tasks="completed_at updated_at",
    apply_operations="completed_at updated_at lease_owner lease_token lease_acquired_at",
    locks="repository pull_request pending_plan_id",
    apply_logs="task_id source old_state new_state metadata",
)

CAPABILITY_COLUMNS: Mapping[Capability, Mapping[str, frozenset[str]]] = {
    Capability.LIST_AND_REVIEW: _LIST_AND_REVIEW,
    Capability.REOPEN: {
        table: columns | _REOPEN_WRITES.get(table, frozenset())
        for table, columns in _LIST_AND_REVIEW.items()
    },
}


def missing_for(storage: StorageGeneration, capability: Capability) -> tuple[list[str], list[str]]:
    """(missing tables, missing ``table.column``) that ``capability`` needs in ``storage``."""
    required = CAPABILITY_COLUMNS[capability]
    tables = [t for t in required if not storage.has(t)]
    columns = [
        f"{t}.{c}"
        for t, cols in required.items()
        if storage.has(t)
        for c in sorted(cols)
        if not storage.has(t, c)
    ]
    return tables, columns


def supports(storage: StorageGeneration, capability: Capability) -> bool:
    """True when ``storage`` has every core column of ``capability``."""
    return missing_for(storage, capability) == ([], [])


def check_compatible(conn: Connection) -> StorageGeneration:
    """Detect the storage; raise ``IncompatibleStorageError`` if listing/reviewing cannot work."""
    storage = detect(conn)
    tables, columns = missing_for(storage, Capability.LIST_AND_REVIEW)
    if not tables and not columns:
        return storage
    parts = []
    if tables:
        parts.append("missing tables: " + ", ".join(tables))
    if columns:
        parts.append("missing columns: " + ", ".join(columns))
    raise IncompatibleStorageError(
        "storage database is not compatible with this console ("
        + "; ".join(parts)
        + "). Point it at a SchemaBot storage database, or create one with "
        "`redrive-console storage init`; the console never alters an existing database."
    )
