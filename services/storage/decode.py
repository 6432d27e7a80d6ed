"""Stored rows -> domain dataclasses, with SchemaBot's JSON shapes checked.

A NULL in a column SchemaBot declares NOT NULL raises ``NullColumnError`` naming the column
(``applies.deployment is NULL``): such rows come from storage without SchemaBot's constraints.
The ``locks`` owner is the one exception, decoded as None (see ``services.domain.lock_owner``).

JSON columns arrive as text (MariaDB ``longtext``, MySQL ``json`` through PyMySQL, SQLite) or
already decoded; both are accepted. Malformed JSON, an unknown shape or a state outside the
vocabulary raises ``MalformedRowError`` naming table, row id and column. ``options`` is the one
exception: like SchemaBot, unparseable options decode to empty options.
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
    Plan,
    ShardPlan,
    TableChange,
    Task,
)
from services.domain.states import APPLY_STATES, OPERATION_STATES, TASK_STATES, normalize_state
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


def checked_state(table: str, row: Row, vocabulary: frozenset[str]) -> str:
    """The stored state, verified to normalise into ``vocabulary`` (kept as stored)."""
    raw = row["state"]
    if not isinstance(raw, str) or normalize_state(raw) not in vocabulary:
        raise MalformedRowError(table, _id(row["id"]), "state", f"unknown state {raw!r}")
    return raw


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
        plan_identifier=row["plan_identifier"],
        database_name=row["database_name"],
        database_type=row["database_type"],
        deployment=row["deployment"],
        target=row["target"],
        repository=row["repository"],
        pull_request=int(row["pull_request"]),
        schema_path=row["schema_path"],
        environment=row["environment"],
        schema_files=_json_column("plans", row, "schema_files", decode_schema_files),
        namespaces=_json_column("plans", row, "plan_data", decode_plan_data),
        head_sha=row["head_sha"],
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
        apply_identifier=row["apply_identifier"],
        lock_id=_int(row["lock_id"]),
        plan_id=_int(row["plan_id"]),
        database_name=row["database_name"],
        database_type=row["database_type"],
        repository=row["repository"],
        pull_request=_int(row["pull_request"]),
        environment=row["environment"],
        deployment=row["deployment"],
        caller=row["caller"],
        installation_id=_int(row["installation_id"]),
        external_id=row["external_id"],
        idempotency_key=row["idempotency_key"],
        engine=row["engine"],
        state=checked_state("applies", row, APPLY_STATES),
        error_message=row["error_message"],
        options=decode_options(row["options"]),
        attempt=_int(row["attempt"]),
        lease_owner=row["lease_owner"],
        lease_token=row["lease_token"],
        lease_acquired_at=row["lease_acquired_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        revert_skipped_at=row["revert_skipped_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def decode_task(row: Row) -> Task:
    """A ``tasks`` row -> ``Task`` (state checked against the task vocabulary)."""
    require_values("tasks", row)
    return Task(
        id=int(row["id"]),
        task_identifier=row["task_identifier"],
        apply_id=int(row["apply_id"]),
        apply_operation_id=_opt_int(row["apply_operation_id"]),
        plan_id=_int(row["plan_id"]),
        database_name=row["database_name"],
        database_type=row["database_type"],
        namespace=row["namespace"],
        table_name=row["table_name"],
        shard=row["shard"],
        ddl=row["ddl"],
        ddl_action=row["ddl_action"],
        engine=row["engine"],
        repository=row["repository"],
        pull_request=_int(row["pull_request"]),
        environment=row["environment"],
        state=checked_state("tasks", row, TASK_STATES),
        error_message=row["error_message"],
        attempt=_int(row["attempt"]),
        rows_copied=_opt_int(row["rows_copied"]),
        rows_total=_opt_int(row["rows_total"]),
        progress_percent=_opt_int(row["progress_percent"]),
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def decode_operation(row: Row) -> ApplyOperation:
    """An ``apply_operations`` row -> ``ApplyOperation`` (state checked)."""
    require_values("apply_operations", row)
    return ApplyOperation(
        id=int(row["id"]),
        apply_id=int(row["apply_id"]),
        deployment=row["deployment"],
        operation_key=row["operation_key"],
        operation_kind=row["operation_kind"],
        target=row["target"],
        state=checked_state("apply_operations", row, OPERATION_STATES),
        error_message=row["error_message"],
        cutover_policy=row["cutover_policy"],
        on_failure=row["on_failure"],
        attempt=_int(row["attempt"]),
        lease_owner=row["lease_owner"],
        lease_token=row["lease_token"],
        lease_acquired_at=row["lease_acquired_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def decode_lock(row: Row) -> Lock:
    """A ``locks`` row -> ``Lock``."""
    require_values("locks", row)
    return Lock(
        id=int(row["id"]),
        database_name=row["database_name"],
        database_type=row["database_type"],
        repository=row["repository"],
        pull_request=_int(row["pull_request"]),
        owner=row["owner"],
        pending_plan_id=row["pending_plan_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def decode_log(row: Row) -> LogEntry:
    """An ``apply_logs`` row -> ``LogEntry``; free-form metadata that is not JSON stays text."""
    require_values("apply_logs", row)
    metadata = row["metadata"]
    if isinstance(metadata, str | bytes | bytearray):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = metadata if isinstance(metadata, str) else metadata.decode(errors="replace")
    return LogEntry(
        id=int(row["id"]),
        apply_id=int(row["apply_id"]),
        task_id=_opt_int(row["task_id"]),
        level=row["level"],
        event_type=row["event_type"],
        source=row["source"],
        message=row["message"],
        old_state=row["old_state"],
        new_state=row["new_state"],
        metadata=metadata,
        created_at=row["created_at"],
    )


def decode_control_request(row: Row) -> ControlRequest:
    """An ``apply_control_requests`` row -> ``ControlRequest``."""
    require_values("apply_control_requests", row)
    return ControlRequest(
        id=int(row["id"]),
        apply_id=int(row["apply_id"]),
        operation=row["operation"],
        status=row["status"],
        requested_by=row["requested_by"],
        error_message=row["error_message"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
