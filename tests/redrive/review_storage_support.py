"""Storage-backed helpers for read-side tests: the spec fixture seeded with the real factories,
snapshot folders as the "live" database, and a counting source factory (plan requests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from services.planner import plan_schema
from services.planner.api import Flavour, SchemaSource
from services.planner.sources import SnapshotSchemaSource, StaticSchemaSource
from services.storage import schema
from services.storage.store import Storage
from services.targets import Target
from tests.redrive.writeside_support import storage_engine
from tests.storage.factories import SeededApply, insert_failed_apply

SUFFIX = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci"


def live_table(name: str, *columns: str) -> str:
    """SHOW CREATE TABLE-style text with an ``id`` key and the given extra columns."""
    body = ",\n".join(["  `id` bigint NOT NULL", *(f"  {c}" for c in columns)])
    return f"CREATE TABLE `{name}` (\n{body},\n  PRIMARY KEY (`id`)\n){SUFFIX}"


def desired_file(name: str, *columns: str) -> str:
    return f"{live_table(name, *columns)};"


EMAIL = "`email` varchar(255) NULL"
PHONE = "`phone` varchar(32) NULL"
NOTE = "`note` text NULL"


def raw_dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every storage table as stored (JSON undecoded, so malformed JSON is fine)."""
    dump = {}
    with engine.connect() as conn:
        for name in schema.metadata.tables:
            rows = conn.execute(text(f"SELECT * FROM {name} ORDER BY id")).all()
            dump[name] = [tuple(r) for r in rows]
    return dump


def open_storage(url: str) -> Storage:
    """A ``Storage`` over a freshly initialised database."""
    return Storage(storage_engine(url))


def stored_plan_data(
    desired: Mapping[str, Mapping[str, str]], live: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """``plans.plan_data`` as SchemaBot stored it when planning ``desired`` against ``live``."""
    result = plan_schema(desired, StaticSchemaSource(live))
    data: dict[str, Any] = {}
    for change in result.changes:
        entry = data.setdefault(change.namespace, {"tables": []})
        entry["tables"].append(
            {"table": change.table, "ddl": change.ddl, "operation": change.operation}
        )
    return data


def write_snapshot(root: Path, tables: Mapping[str, Mapping[str, str]]) -> Path:
    """A snapshot folder (one sub-folder per namespace, ``<table>.sql``) standing for live."""
    for namespace, by_table in tables.items():
        folder = root / namespace
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.sql"):
            old.unlink()
        for table, create in by_table.items():
            (folder / f"{table}.sql").write_text(create)
    return root


def seed(
    storage: Storage,
    *,
    desired: Mapping[str, Mapping[str, str]],
    plan_data: Any,
    tasks: Sequence[Mapping[str, Any]],
    operations: Sequence[Mapping[str, Any]] = (),
    apply: Mapping[str, Any] | None = None,
    plan: Mapping[str, Any] | None = None,
    lock: Mapping[str, Any] | None = None,
) -> SeededApply:
    """The spec fixture (db ``testdb``, deployment ``default``, env ``staging``) in storage."""
    scope = {"database_name": "testdb", "environment": "staging"}
    plan_values = {
        **scope,
        "plan_identifier": "plan-source",
        "deployment": "default",
        "target": "testdb",
        "repository": "owner/repo",
        "pull_request": 123,
        "schema_files": {ns: {"Files": dict(files)} for ns, files in desired.items()},
        "plan_data": plan_data,
        **(plan or {}),
    }
    apply_values = {**scope, "deployment": "default", "repository": "owner/repo", **(apply or {})}
    task_values = [{"namespace": "testdb", **t} for t in tasks]
    lock_values = None if lock is None else {"database_name": "testdb", **lock}
    with storage.engine.begin() as conn:
        return insert_failed_apply(
            conn,
            plan=plan_values,
            apply=apply_values,
            operations=[{"deployment": "default", **op} for op in operations],
            tasks=task_values,
            lock=lock_values,
        )


class FixedTargets:
    """Resolves every (database, environment) to a snapshot target of the spec fixture."""

    def __init__(self, snapshot_dir: Path, **overrides: Any) -> None:
        self.values: dict[str, Any] = {
            "database_type": "mysql",
            "deployment": "default",
            "target": "testdb",
            "snapshot_dir": snapshot_dir,
            **overrides,
        }

    def resolve(self, database: str, environment: str) -> Target:
        return Target(database=database, environment=environment, **self.values)


class CountingSources:
    """A source factory that records each plan request (target) and each namespace load."""

    def __init__(self) -> None:
        self.targets: list[Target] = []
        self.loads: list[str] = []

    def __call__(self, target: Target) -> SchemaSource:
        self.targets.append(target)
        assert target.snapshot_dir is not None
        return _CountingSource(SnapshotSchemaSource(target.snapshot_dir), self.loads)

    @property
    def requests(self) -> int:
        return len(self.targets)


class _CountingSource:
    def __init__(self, inner: SnapshotSchemaSource, loads: list[str]) -> None:
        self._inner = inner
        self._loads = loads

    @property
    def flavour(self) -> Flavour:
        return self._inner.flavour

    def load(self, namespace: str) -> Mapping[str, str]:
        self._loads.append(namespace)
        return self._inner.load(namespace)
