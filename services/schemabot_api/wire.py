"""Request and response shapes of the five routes the console uses, with upstream's field names.

The names follow SchemaBot's ``pkg/apitypes/apitypes.go`` (``PlanRequest``, ``PlanResponse``,
``ApplyRequest``, ``ApplyResponse``, ``ProgressResponse``, ``StatusResponse``) and
``pkg/api/lock_handlers.go`` (``LockListResponse``). SchemaBot decodes request bodies with
unknown fields disallowed, so a request carries exactly the documented fields and optional ones
only when set. Responses are read leniently: unknown fields are ignored, missing ones default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TERMINAL_APPLY_STATES = frozenset({"completed", "failed", "stopped", "cancelled", "reverted"})


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """``POST /api/plan``: desired schema files per namespace (``{ns: {"files": {name: sql}}}``)."""

    database: str
    environment: str
    type: str
    schema_files: Mapping[str, Mapping[str, str]]
    repository: str = ""
    pull_request: int | None = None
    head_sha: str | None = None

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "database": self.database,
            "environment": self.environment,
            "type": self.type,
            "schema_files": {
                namespace: {"files": dict(files)} for namespace, files in self.schema_files.items()
            },
        }
        if self.repository:
            doc["repository"] = self.repository
        if self.pull_request is not None:
            doc["pull_request"] = self.pull_request
        if self.head_sha is not None:
            doc["head_sha"] = self.head_sha
        return doc


@dataclass(frozen=True, slots=True)
class ApplyRequest:
    """``POST /api/apply``: apply a plan the server made."""

    plan_id: str
    environment: str
    caller: str = ""
    options: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"plan_id": self.plan_id, "environment": self.environment}
        if self.caller:
            doc["caller"] = self.caller
        if self.options:
            doc["options"] = dict(self.options)
        return doc


@dataclass(frozen=True, slots=True)
class RemoteTableChange:
    """``TableChangeResponse``."""

    table_name: str
    ddl: str
    change_type: str
    namespace: str = ""
    is_unsafe: bool = False
    unsafe_reason: str = ""


@dataclass(frozen=True, slots=True)
class RemoteSchemaChange:
    """``SchemaChangeResponse``: the table changes of one namespace."""

    namespace: str
    table_changes: tuple[RemoteTableChange, ...] = ()


@dataclass(frozen=True, slots=True)
class RemoteShardPlan:
    """``ShardPlanResponse``: one changing shard of a sharded keyspace."""

    shard: str
    namespace: str = ""
    changes: tuple[RemoteTableChange, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanResponse:
    plan_id: str
    engine: str
    database: str = ""
    database_type: str = ""
    environment: str = ""
    deployment: str = ""
    changes: tuple[RemoteSchemaChange, ...] = ()
    lint_violations: tuple[Mapping[str, Any], ...] = ()
    errors: tuple[str, ...] = ()
    shards: tuple[RemoteShardPlan, ...] = ()

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> PlanResponse:
        return cls(
            plan_id=_text(doc, "plan_id"),
            engine=_text(doc, "engine"),
            database=_text(doc, "database"),
            database_type=_text(doc, "database_type"),
            environment=_text(doc, "environment"),
            deployment=_text(doc, "deployment"),
            changes=tuple(
                RemoteSchemaChange(
                    namespace=_text(c, "namespace"),
                    table_changes=tuple(_table_change(t) for t in _list(c, "table_changes")),
                )
                for c in _list(doc, "changes")
            ),
            lint_violations=tuple(_list(doc, "lint_violations")),
            errors=_strings(doc, "errors"),
            shards=tuple(
                RemoteShardPlan(
                    shard=_text(s, "shard"),
                    namespace=_text(s, "namespace"),
                    changes=tuple(_table_change(t) for t in _list(s, "changes")),
                )
                for s in _list(doc, "shards")
            ),
        )


@dataclass(frozen=True, slots=True)
class ApplyResponse:
    accepted: bool
    apply_id: str = ""
    error_code: str = ""
    error_message: str = ""

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> ApplyResponse:
        return cls(
            accepted=doc.get("accepted") is True,
            apply_id=_text(doc, "apply_id"),
            error_code=_text(doc, "error_code"),
            error_message=_text(doc, "error_message"),
        )


@dataclass(frozen=True, slots=True)
class TableProgress:
    """``TableProgressResponse``."""

    table_name: str
    status: str
    ddl: str = ""
    rows_copied: int = 0
    rows_total: int = 0
    percent_complete: int = 0
    eta_seconds: int = 0
    progress_detail: str = ""


@dataclass(frozen=True, slots=True)
class OperationProgress:
    """``ProgressOperationResponse``."""

    deployment: str
    state: str
    error_code: str = ""
    error_message: str = ""


@dataclass(frozen=True, slots=True)
class ProgressResponse:
    state: str
    engine: str = ""
    apply_id: str = ""
    database: str = ""
    environment: str = ""
    caller: str = ""
    started_at: str = ""
    completed_at: str = ""
    operations: tuple[OperationProgress, ...] = ()
    tables: tuple[TableProgress, ...] = ()
    error_code: str = ""
    error_message: str = ""
    summary: str = ""

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_APPLY_STATES

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> ProgressResponse:
        return cls(
            state=_text(doc, "state"),
            engine=_text(doc, "engine"),
            apply_id=_text(doc, "apply_id"),
            database=_text(doc, "database"),
            environment=_text(doc, "environment"),
            caller=_text(doc, "caller"),
            started_at=_text(doc, "started_at"),
            completed_at=_text(doc, "completed_at"),
            operations=tuple(
                OperationProgress(
                    deployment=_text(o, "deployment"),
                    state=_text(o, "state"),
                    error_code=_text(o, "error_code"),
                    error_message=_text(o, "error_message"),
                )
                for o in _list(doc, "operations")
            ),
            tables=tuple(
                TableProgress(
                    table_name=_text(t, "table_name"),
                    status=_text(t, "status"),
                    ddl=_text(t, "ddl"),
                    rows_copied=_int(t, "rows_copied"),
                    rows_total=_int(t, "rows_total"),
                    percent_complete=_int(t, "percent_complete"),
                    eta_seconds=_int(t, "eta_seconds"),
                    progress_detail=_text(t, "progress_detail"),
                )
                for t in _list(doc, "tables")
            ),
            error_code=_text(doc, "error_code"),
            error_message=_text(doc, "error_message"),
            summary=_text(doc, "summary"),
        )


@dataclass(frozen=True, slots=True)
class ActiveApply:
    """``ActiveApplyResponse``: one apply in ``GET /api/status``."""

    apply_id: str
    database: str
    environment: str
    state: str
    engine: str = ""
    caller: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class StatusResponse:
    active_count: int
    applies: tuple[ActiveApply, ...] = ()

    @classmethod
    def parse(cls, doc: Mapping[str, Any]) -> StatusResponse:
        return cls(
            active_count=_int(doc, "active_count"),
            applies=tuple(
                ActiveApply(
                    apply_id=_text(a, "apply_id"),
                    database=_text(a, "database"),
                    environment=_text(a, "environment"),
                    state=_text(a, "state"),
                    engine=_text(a, "engine"),
                    caller=_text(a, "caller"),
                    updated_at=_text(a, "updated_at"),
                )
                for a in _list(doc, "applies")
            ),
        )


@dataclass(frozen=True, slots=True)
class LockInfo:
    """``LockInfo`` of ``GET /api/locks``."""

    database: str
    database_type: str
    owner: str
    repository: str = ""
    pull_request: int = 0
    created_at: str = ""


def parse_locks(doc: Mapping[str, Any]) -> tuple[LockInfo, ...]:
    """``LockListResponse`` (``{"locks": [...]}``)."""
    return tuple(
        LockInfo(
            database=_text(lock, "database"),
            database_type=_text(lock, "database_type"),
            owner=_text(lock, "owner"),
            repository=_text(lock, "repository"),
            pull_request=_int(lock, "pull_request"),
            created_at=_text(lock, "created_at"),
        )
        for lock in _list(doc, "locks")
    )


def _table_change(doc: Mapping[str, Any]) -> RemoteTableChange:
    return RemoteTableChange(
        table_name=_text(doc, "table_name"),
        ddl=_text(doc, "ddl"),
        change_type=_text(doc, "change_type"),
        namespace=_text(doc, "namespace"),
        is_unsafe=doc.get("is_unsafe") is True,
        unsafe_reason=_text(doc, "unsafe_reason"),
    )


def _text(doc: Mapping[str, Any], key: str) -> str:
    value = doc.get(key)
    return value if isinstance(value, str) else ""


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _strings(doc: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = doc.get(key)
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _list(doc: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    """The objects of a JSON array field (anything else in it is ignored)."""
    value = doc.get(key)
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
