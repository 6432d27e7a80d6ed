"""Stored rows -> domain dataclasses, with SchemaBot's JSON shapes checked.

A NULL in a column SchemaBot declares NOT NULL raises ``NullColumnError`` naming the column
(``applies.deployment is NULL``): such rows come from storage without SchemaBot's constraints.
The ``locks`` owner is the one exception, decoded as None (see ``services.domain.lock_owner``).

JSON columns arrive as text (MariaDB ``longtext``, MySQL ``json`` through PyMySQL, SQLite) or
already decoded; both are accepted. Malformed JSON or an unknown shape raises
``MalformedRowError`` naming table, row id and column. ``options`` is the one exception: like
SchemaBot, unparseable options decode to empty options. States are kept as stored, known or not.

Columns a generation lacks (``tasks.ready_to_complete`` in G2, ``applies.retry_after`` in G1)
are never selected (``column_plan``); the decoder reads every column outside the core set with
``row.get`` so an absent one is None in the model.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from services.domain.errors import MalformedRowError, NullColumnError
from services.domain.models import (
    Apply,
    ApplyOperation,
    ApplyOptions,
    ControlRequest,
    Lock,
    LogEntry,
    NamespacePlan,
    PendingDrop,
    Plan,
    ShardPlan,
    TableChange,
    Task,
)
from services.storage.schema import metadata

Row = Mapping[str, Any]


class _Shape(Exception):
    """An unexpected JSON shape; converted to ``MalformedRowError`` by the column decoder."""


def load_json(table: str, row_id: object, column: str, value: object) -> object:
    """Parse a JSON column value that may be text, bytes or already decoded."""
    if isinstance(value, bytes | bytearray):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise MalformedRowError(table, _id(row_id), column, f"invalid JSON ({exc.msg})") from None


def _id(row_id: object) -> int | str:
    return row_id if isinstance(row_id, int | str) else str(row_id)


_REQUIRED: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        name: tuple(c.name for c in table.columns if not c.nullable)
        for name, table in metadata.tables.items()
    }
)
_NULLABLE_BY_CONSOLE: Mapping[str, frozenset[str]] = MappingProxyType(
    {"locks": frozenset({"owner"})}
)


def require_values(table: str, row: Row) -> None:
    """Raise ``NullColumnError`` for the first NOT NULL column of ``table`` that is NULL."""
    allowed = _NULLABLE_BY_CONSOLE.get(table, frozenset())
    for column in _REQUIRED[table]:
        if column not in allowed and column in row and row[column] is None:
            raise NullColumnError(table, _id(row.get("id")), column)


def checked_state(row: Row) -> str:
    """The stored state, kept exactly as stored.

    A state this console does not know (a later SchemaBot's, or garbage) is not an error here:
    it is shown verbatim, and ``services.domain.states`` classes it as unknown, which every
    check treats as "work may still be running" and never redrives.
    """
    raw = row["state"]
    if isinstance(raw, bytes | bytearray):
        return raw.decode("utf-8", errors="replace")
    return "" if raw is None else str(raw)


# -- JSON shape helpers --------------------------------------------------------------------


def _obj(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Shape(f"{where}: expected an object, got {_kind(value)}")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Shape(f"{where}: expected a list, got {_kind(value)}")
    return value


def _str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise _Shape(f"{where}: expected a string, got {_kind(value)}")
    return value


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise _Shape(f"{where}: expected true/false, got {_kind(value)}")
    return value


def _opt(obj: dict[str, Any], key: str, where: str, check, default):
    """An optional key: absent or JSON null gives ``default``, otherwise ``check`` applies."""
    value = obj.get(key)
    return default if value is None else check(value, f"{where}.{key}")


def _required_str(obj: dict[str, Any], key: str, where: str) -> str:
    if key not in obj:
        raise _Shape(f"{where}: missing {key!r}")
    return _str(obj[key], f"{where}.{key}")


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


def _str_map(value: object, where: str) -> Mapping[str, str]:
    obj = _obj(value, where)
    return MappingProxyType({str(k): _str(v, f"{where}[{k!r}]") for k, v in obj.items()})


# -- plan_data / schema_files --------------------------------------------------------------


def _table_change(value: object, where: str) -> TableChange:
    obj = _obj(value, where)
    return TableChange(
        table=_required_str(obj, "table", where),
        ddl=_required_str(obj, "ddl", where),
        operation=_opt(obj, "operation", where, _str, ""),
        namespace=_opt(obj, "namespace", where, _str, ""),
        is_unsafe=_opt(obj, "is_unsafe", where, _bool, False),
        unsafe_reason=_opt(obj, "unsafe_reason", where, _str, ""),
    )


def _changes(value: object, where: str) -> tuple[TableChange, ...]:
    return tuple(_table_change(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _shard(value: object, where: str) -> ShardPlan:
    obj = _obj(value, where)
    return ShardPlan(
        shard=_required_str(obj, "shard", where),
        namespace=_opt(obj, "namespace", where, _str, ""),
        changes=_opt(obj, "changes", where, _changes, ()),
    )


def _shards(value: object, where: str) -> tuple[ShardPlan, ...]:
    return tuple(_shard(v, f"{where}[{i}]") for i, v in enumerate(_list(value, where)))


def _namespace_plan(value: object, where: str) -> NamespacePlan | None:
    if value is None:
        return None
    obj = _obj(value, where)
    return NamespacePlan(
        tables=_opt(obj, "tables", where, _changes, ()),
        shards=_opt(obj, "shards", where, _shards, ()),
        original_files=_opt(obj, "original_files", where, _str_map, MappingProxyType({})),
        original_files_captured=_opt(obj, "original_files_captured", where, _bool, False),
        artifacts=_opt(obj, "artifacts", where, _str_map, None),
    )


def decode_plan_data(value: object) -> Mapping[str, NamespacePlan | None]:
    """``plans.plan_data`` (already parsed) -> namespace -> plan, or None for JSON null."""
    obj = _obj(value, "plan_data")
    return MappingProxyType({ns: _namespace_plan(v, f"[{ns!r}]") for ns, v in obj.items()})


def decode_schema_files(value: object) -> Mapping[str, Mapping[str, str]]:
    """``{ns: {"Files": {name: content}}}`` -> ``{ns: {name: content}}`` (null -> no files)."""
    obj = _obj(value, "schema_files")
    decoded: dict[str, Mapping[str, str]] = {}
    for ns, entry in obj.items():
        if entry is None:
            decoded[ns] = MappingProxyType({})
            continue
        files = _obj(entry, f"[{ns!r}]").get("Files")
        where = f"[{ns!r}].Files"
        decoded[ns] = MappingProxyType({}) if files is None else _str_map(files, where)
    return MappingProxyType(decoded)


def _json_column(table: str, row: Row, column: str, decoder):
    """Parse and shape-check one JSON column, naming the row on any problem."""
    parsed = load_json(table, row["id"], column, row[column])
    try:
        return decoder(parsed)
    except _Shape as exc:
        raise MalformedRowError(table, _id(row["id"]), column, str(exc)) from None


def decode_plan(row: Row) -> Plan:
    """A ``plans`` row -> ``Plan`` with decoded ``schema_files`` and ``plan_data``."""
    require_values("plans", row)
    return Plan(
        id=int(row["id"]),
        plan_identifier=row.get("plan_identifier"),
        database_name=row.get("database_name"),
        database_type=row.get("database_type"),
        deployment=row.get("deployment"),
        target=row.get("target"),
        repository=row.get("repository"),
        pull_request=int(row.get("pull_request")),
        schema_path=row.get("schema_path"),
        environment=row.get("environment"),
        schema_files=_json_column("plans", row, "schema_files", decode_schema_files),
        namespaces=_json_column("plans", row, "plan_data", decode_plan_data),
        head_sha=row.get("head_sha"),
        created_at=row.get("created_at"),
    )


# -- options -------------------------------------------------------------------------------

_OPTION_TYPES: Mapping[str, tuple[type, ...]] = {
    "allow_unsafe": (bool,),
    "branch": (str,),
    "defer_cutover": (bool,),
    "defer_deploy": (bool,),
    "skip_revert": (bool,),
    "volume": (int,),
    "target": (str,),
    "rollback": (bool,),
}


def decode_options(value: object) -> ApplyOptions:
    """``options`` JSON -> ``ApplyOptions``; anything unparseable gives empty options."""
    try:
        parsed = json.loads(value) if isinstance(value, str | bytes | bytearray) else value
    except ValueError:
        return ApplyOptions()
    if not isinstance(parsed, dict):
        return ApplyOptions()
    known = {k: v for k, v in parsed.items() if k in _OPTION_TYPES and v is not None}
    for key, item in known.items():
        wrong_bool = isinstance(item, bool) and bool not in _OPTION_TYPES[key]
        if wrong_bool or not isinstance(item, _OPTION_TYPES[key]):
            return ApplyOptions()
    return ApplyOptions(**known)


# -- rows ----------------------------------------------------------------------------------


def _int(value: object) -> int:
    return int(value) if value is not None else 0


def _opt_int(value: object) -> int | None:
    return None if value is None else int(value)


def decode_apply(row: Row) -> Apply:
    """An ``applies`` row -> ``Apply`` (state checked against the apply vocabulary)."""
    require_values("applies", row)
    return Apply(
        id=int(row["id"]),
        apply_identifier=row.get("apply_identifier"),
        lock_id=_int(row.get("lock_id")),
        plan_id=_int(row.get("plan_id")),
        database_name=row.get("database_name"),
        database_type=row.get("database_type"),
        repository=row.get("repository"),
        pull_request=_int(row.get("pull_request")),
        environment=row.get("environment"),
        deployment=row.get("deployment"),
        caller=row.get("caller"),
        installation_id=_int(row.get("installation_id")),
        external_id=row.get("external_id"),
        idempotency_key=row.get("idempotency_key"),
        engine=row.get("engine"),
        state=checked_state(row),
        error_message=row.get("error_message"),
        options=decode_options(row.get("options")),
        attempt=_int(row.get("attempt")),
        lease_owner=row.get("lease_owner"),
        lease_token=row.get("lease_token"),
        lease_acquired_at=row.get("lease_acquired_at"),
        started_at=row.get("started_at"),
        completed_at=row.get("completed_at"),
        revert_skipped_at=row.get("revert_skipped_at"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
        retry_after=row.get("retry_after"),
        superseded_by=row.get("superseded_by") or None,
    )


def decode_task(row: Row) -> Task:
    """A ``tasks`` row -> ``Task`` (state checked against the task vocabulary)."""
    require_values("tasks", row)
    return Task(
        id=int(row["id"]),
        task_identifier=row.get("task_identifier"),
        apply_id=int(row.get("apply_id")),
        apply_operation_id=_opt_int(row.get("apply_operation_id")),
        plan_id=_int(row.get("plan_id")),
        database_name=row.get("database_name"),
        database_type=row.get("database_type"),
        namespace=row.get("namespace"),
        table_name=row.get("table_name"),
        shard=row.get("shard"),
        ddl=row.get("ddl"),
        ddl_action=row.get("ddl_action"),
        engine=row.get("engine"),
        repository=row.get("repository"),
        pull_request=_int(row.get("pull_request")),
        environment=row.get("environment"),
        state=checked_state(row),
        error_message=row.get("error_message"),
        attempt=_int(row.get("attempt")),
        rows_copied=_opt_int(row.get("rows_copied")),
        rows_total=_opt_int(row.get("rows_total")),
        progress_percent=_opt_int(row.get("progress_percent")),
        started_at=row.get("started_at"),
        completed_at=row.get("completed_at"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
        throttled=bool(row.get("throttled")),
        throttle_reason=row.get("throttle_reason") or "",
    )


def decode_operation(row: Row) -> ApplyOperation:
    """An ``apply_operations`` row -> ``ApplyOperation`` (state checked)."""
    require_values("apply_operations", row)
    return ApplyOperation(
        id=int(row["id"]),
        apply_id=int(row.get("apply_id")),
        deployment=row.get("deployment"),
        operation_key=row.get("operation_key"),
        operation_kind=row.get("operation_kind"),
        target=row.get("target"),
        state=checked_state(row),
        error_message=row.get("error_message"),
        cutover_policy=row.get("cutover_policy"),
        on_failure=row.get("on_failure"),
        attempt=_int(row.get("attempt")),
        lease_owner=row.get("lease_owner"),
        lease_token=row.get("lease_token"),
        lease_acquired_at=row.get("lease_acquired_at"),
        started_at=row.get("started_at"),
        completed_at=row.get("completed_at"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
    )


def decode_lock(row: Row) -> Lock:
    """A ``locks`` row -> ``Lock``."""
    require_values("locks", row)
    return Lock(
        id=int(row["id"]),
        database_name=row.get("database_name"),
        database_type=row.get("database_type"),
        repository=row.get("repository"),
        pull_request=_int(row.get("pull_request")),
        owner=row.get("owner"),
        pending_plan_id=row.get("pending_plan_id"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
    )


def decode_log(row: Row) -> LogEntry:
    """An ``apply_logs`` row -> ``LogEntry``; free-form metadata that is not JSON stays text."""
    require_values("apply_logs", row)
    metadata = row.get("metadata")
    if isinstance(metadata, str | bytes | bytearray):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = metadata if isinstance(metadata, str) else metadata.decode(errors="replace")
    return LogEntry(
        id=int(row["id"]),
        apply_id=int(row.get("apply_id")),
        task_id=_opt_int(row.get("task_id")),
        level=row.get("level"),
        event_type=row.get("event_type"),
        source=row.get("source"),
        message=row.get("message"),
        old_state=row.get("old_state"),
        new_state=row.get("new_state"),
        metadata=metadata,
        created_at=row.get("created_at"),
    )


def decode_control_request(row: Row) -> ControlRequest:
    """An ``apply_control_requests`` row -> ``ControlRequest``."""
    require_values("apply_control_requests", row)
    return ControlRequest(
        id=int(row["id"]),
        apply_id=int(row.get("apply_id")),
        operation=row.get("operation"),
        status=row.get("status"),
        requested_by=row.get("requested_by"),
        error_message=row.get("error_message"),
        created_at=row.get("created_at"),
        updated_at=row.get("updated_at"),
    )


def decode_pending_drop(row: Row) -> PendingDrop:
    """A G2 ``pending_drops`` row -> ``PendingDrop`` (a table quarantined instead of dropped)."""
    return PendingDrop(
        id=int(row["id"]),
        database_name=row.get("database_name") or "",
        table_name=row.get("original_table") or "",
        quarantined_name=row.get("quarantined_name") or "",
        quarantined_at=row.get("quarantined_at"),
        state=checked_state(row),
    )
