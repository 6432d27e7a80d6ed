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
``row.get`` so an absent one is None in the model. Task and operation rows, thousands per apply,
are decoded by position (``task_reader`` and the like, built once per column order): the same
checks and conversions without a mapping object per row; ``BriefTask`` / ``BriefOperation``
readers take the review's columns and one ``first_null`` column for the NOT NULL check.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
from typing import Any, TypeVar

from services.domain.errors import MalformedRowError, NullColumnError
from services.domain.models import (
    Apply,
    ApplyOperation,
    ApplyOptions,
    BriefOperation,
    BriefTask,
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


REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        name: tuple(c.name for c in table.columns if not c.nullable)
        for name, table in metadata.tables.items()
    }
)
_NULLABLE_BY_CONSOLE: Mapping[str, frozenset[str]] = MappingProxyType(
    {"locks": frozenset({"owner"})}
)


T = TypeVar("T")


def require_values(table: str, row: Row) -> None:
    """Raise ``NullColumnError`` for the first NOT NULL column of ``table`` that is NULL."""
    allowed = _NULLABLE_BY_CONSOLE.get(table, frozenset())
    for column in REQUIRED_COLUMNS[table]:
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


def _well_formed_change(value: object) -> TableChange | None:
    """The ``TableChange`` of a change object of the expected shape, else None (and the
    checked path names the problem). A plan of 20,000 changes is decoded without building a
    location text per change."""
    if not isinstance(value, dict):
        return None
    get = value.get
    table, ddl = get("table"), get("ddl")
    operation, namespace = get("operation"), get("namespace")
    is_unsafe, unsafe_reason = get("is_unsafe"), get("unsafe_reason")
    if not (
        isinstance(table, str)
        and isinstance(ddl, str)
        and (operation is None or isinstance(operation, str))
        and (namespace is None or isinstance(namespace, str))
        and (is_unsafe is None or isinstance(is_unsafe, bool))
        and (unsafe_reason is None or isinstance(unsafe_reason, str))
    ):
        return None
    return _shared_change(
        table,
        ddl,
        "" if operation is None else operation,
        "" if namespace is None else namespace,
        False if is_unsafe is None else is_unsafe,
        "" if unsafe_reason is None else unsafe_reason,
    )


# A sharded plan repeats each table's change in every shard (640 shards x 30 tables are 30
# distinct changes): equal values share one immutable ``TableChange``.
_shared_change = lru_cache(maxsize=4096)(TableChange)


def _changes(value: object, where: str) -> tuple[TableChange, ...]:
    return tuple(
        _well_formed_change(v) or _table_change(v, f"{where}[{i}]")
        for i, v in enumerate(_list(value, where))
    )


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


def _state(raw: object) -> str:
    """``checked_state`` of a raw value."""
    if isinstance(raw, bytes | bytearray):
        return raw.decode("utf-8", errors="replace")
    return "" if raw is None else str(raw)


def _or_empty(value: object) -> object:
    return value or ""


# A decoded model's fields: (column, conversion of its value or None) for the positional
# fields in order, then the keyword-only ones. An absent column reads as None before the
# conversion; ``id`` and ``state`` must be selected.
Convert = Callable[[Any], Any] | None
Spec = tuple[tuple[tuple[str, Convert], ...], tuple[tuple[str, Convert], ...]]
_BRIEF_TASK: Spec = (
    (
        ("id", int), ("task_identifier", None), ("apply_id", int),
        ("apply_operation_id", _opt_int), ("namespace", None), ("table_name", None),
        ("shard", None), ("state", _state), ("error_message", None),
    ),
    (("throttled", bool), ("throttle_reason", _or_empty)),
)  # fmt: skip
_TASK: Spec = (
    _BRIEF_TASK[0] + (
        ("plan_id", _int), ("database_name", None), ("database_type", None), ("ddl", None),
        ("ddl_action", None), ("engine", None), ("repository", None), ("pull_request", _int),
        ("environment", None), ("attempt", _int), ("rows_copied", _opt_int),
        ("rows_total", _opt_int), ("progress_percent", _opt_int), ("started_at", None),
        ("completed_at", None), ("created_at", None), ("updated_at", None),
    ),
    _BRIEF_TASK[1],
)  # fmt: skip
_BRIEF_OPERATION: Spec = (
    (
        ("id", int), ("apply_id", int), ("deployment", None), ("operation_key", None),
        ("operation_kind", None), ("state", _state), ("error_message", None),
    ),
    (),
)  # fmt: skip
_OPERATION: Spec = (
    _BRIEF_OPERATION[0] + (
        ("target", None), ("cutover_policy", None), ("on_failure", None), ("attempt", _int),
        ("lease_owner", None), ("lease_token", None), ("lease_acquired_at", None),
        ("started_at", None), ("completed_at", None), ("created_at", None),
        ("updated_at", None),
    ),
    (),
)  # fmt: skip
_KEYED = ("id", "state")
# The label of a selected ``first_null`` column (``ColumnPlan.first_null``): the first NOT NULL
# column of the row, in ``REQUIRED_COLUMNS`` order, that is NULL (NULL when there is none).
FIRST_NULL = "first_null"


def _row_reader(table: str, model: Callable[..., T], spec: Spec, names: tuple) -> Callable:
    """Decode rows whose columns are ``names`` into ``model`` by position: the NOT NULL check
    of ``require_values`` (or the row's ``first_null`` column), then each field's conversion.
    One C-level pick per row; no mapping object is built."""
    index = {name: i for i, name in enumerate(names)}
    for name in _KEYED:
        if name not in index:
            raise KeyError(name)
    absent, id_at = len(names), index["id"]
    allowed = _NULLABLE_BY_CONSOLE.get(table, frozenset())
    if FIRST_NULL in index:
        required = [(index[FIRST_NULL], "")]
    else:
        required = [
            (index[c], c) for c in REQUIRED_COLUMNS[table] if c in index and c not in allowed
        ]
    required_values = _picker([at for at, _ in required])
    positional, keyword = spec
    pick = _picker([index.get(name, absent) for name, _ in positional + keyword])
    converts = [(at, convert) for at, (_, convert) in enumerate(positional + keyword) if convert]
    split, keyword_names = len(positional), tuple(name for name, _ in keyword)
    first_null = FIRST_NULL in index

    def read(row: Sequence[Any]) -> T:
        padded = (*row, None)
        if first_null:
            if (column := padded[required[0][0]]) is not None:
                raise NullColumnError(table, _id(padded[id_at]), str(column))
        elif None in required_values(padded):
            for at, column in required:
                if padded[at] is None:
                    raise NullColumnError(table, _id(padded[id_at]), column)
        values = list(pick(padded))
        for at, convert in converts:
            values[at] = convert(values[at])
        if not keyword_names:
            return model(*values)
        return model(*values[:split], **dict(zip(keyword_names, values[split:], strict=True)))

    return read


def _picker(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """``row -> tuple(row[p] for p in positions)``, in C."""
    if not positions:
        return lambda _row: ()
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    return itemgetter(*positions)


@lru_cache(maxsize=64)
def task_reader(names: tuple[str, ...]) -> Callable[[Sequence[Any]], Task]:
    """Decoder of ``tasks`` rows selected as ``names`` (see ``decode_task``)."""
    return _row_reader("tasks", Task, _TASK, names)


@lru_cache(maxsize=64)
def brief_task_reader(names: tuple[str, ...]) -> Callable[[Sequence[Any]], BriefTask]:
    """Decoder of ``tasks`` rows into ``BriefTask`` (``BRIEF_TASK_COLUMNS`` + ``first_null``)."""
    return _row_reader("tasks", BriefTask, _BRIEF_TASK, names)


@lru_cache(maxsize=64)
def operation_reader(names: tuple[str, ...]) -> Callable[[Sequence[Any]], ApplyOperation]:
    """Decoder of ``apply_operations`` rows selected as ``names`` (see ``decode_operation``)."""
    return _row_reader("apply_operations", ApplyOperation, _OPERATION, names)


@lru_cache(maxsize=64)
def brief_operation_reader(names: tuple[str, ...]) -> Callable[[Sequence[Any]], BriefOperation]:
    """Decoder of ``apply_operations`` rows into ``BriefOperation`` (see ``brief_task_reader``)."""
    return _row_reader("apply_operations", BriefOperation, _BRIEF_OPERATION, names)


def decode_task(row: Row) -> Task:
    """A ``tasks`` row -> ``Task`` (state kept as stored)."""
    return task_reader(tuple(row))(tuple(row.values()))


def decode_operation(row: Row) -> ApplyOperation:
    """An ``apply_operations`` row -> ``ApplyOperation`` (state kept as stored)."""
    return operation_reader(tuple(row))(tuple(row.values()))


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


def _columns_of(spec: Spec) -> frozenset[str]:
    return frozenset(name for name, _ in spec[0] + spec[1])


def _check(model: type, spec: Spec) -> None:
    """``spec`` lists ``model``'s fields: positional ones in order, then the keyword-only."""
    positional = tuple(f.name for f in fields(model) if not f.kw_only)
    keyword = tuple(f.name for f in fields(model) if f.kw_only)
    assert (positional, keyword) == tuple(tuple(n for n, _ in part) for part in spec), model


for _model, _spec in ((Task, _TASK), (BriefTask, _BRIEF_TASK), (ApplyOperation, _OPERATION),
                      (BriefOperation, _BRIEF_OPERATION)):  # fmt: skip
    _check(_model, _spec)

# What each reader reads or checks: a read selects only these (a brief read checks the NOT
# NULL columns with ``first_null`` instead of selecting them).
TASK_COLUMNS = _columns_of(_TASK) | set(REQUIRED_COLUMNS["tasks"])
OPERATION_COLUMNS = _columns_of(_OPERATION) | set(REQUIRED_COLUMNS["apply_operations"])
BRIEF_TASK_COLUMNS = _columns_of(_BRIEF_TASK)
BRIEF_OPERATION_COLUMNS = _columns_of(_BRIEF_OPERATION)
