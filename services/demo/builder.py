"""``build_demo``: SQLite storage, schema-snapshot targets and a SchemaBot-style config.

Each stored plan is what our planner produces for the apply's desired files against the schema
as it was before the apply; the snapshot standing in for the live database is that schema with
the work already done applied (plus any manual drift the scenario tells of). With
``live_target`` the scenarios that have a ``live`` seed get a real database on that server
instead of a snapshot (``services.demo.live``), so their pre-flight reads real rows.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from services.demo.scenarios import SCENARIOS, ApplySpec
from services.demo.storage_rows import desired_files, insert_apply
from services.demo.timeline import timeline_for, utc_now
from services.domain.errors import RedriveConsoleError
from services.domain.models import TableChange

if TYPE_CHECKING:  # SQLAlchemy and the pre-flight's names load only for a live target
    from services.demo.live import LiveServer

MARKER = ".redrive-console-demo"
CONFIG_NAME = "schemabot.yaml"
STORAGE_NAME = "storage.db"
TARGETS_NAME = "targets"
TERN_DEPLOYMENTS = {"tenant1": {"production": "tern-production.internal:9090"}}


class DemoBuildError(RedriveConsoleError):
    """The demo folder cannot be used, or the planner disagrees with the data set."""


@dataclass(frozen=True, slots=True)
class DemoPaths:
    """Where the demo was written; ``applies`` maps each scenario key to its apply id and
    ``live_databases`` names the databases written on the live target (if any)."""

    directory: Path
    config_path: Path
    storage_path: Path
    targets_dir: Path
    applies: Mapping[str, str] = field(default_factory=dict)
    live_databases: tuple[str, ...] = ()

    @property
    def storage_url(self) -> str:
        return f"sqlite:///{self.storage_path}"


def build_demo(
    directory: Path, *, now: datetime | None = None, live_target: str | None = None
) -> DemoPaths:
    """Write the demo into ``directory`` (empty, or a previous demo, which is replaced).

    ``live_target`` (a SQLAlchemy URL of a MySQL/MariaDB server) moves the scenarios with a
    ``live`` seed onto that server; nothing is written anywhere when one of their databases
    exists there and is not the demo's own."""
    from services.storage.engine import create_storage_engine
    from services.storage.init import init_storage

    directory = Path(directory).resolve()
    server, specs = _live_server(live_target) if live_target else (None, SCENARIOS)
    _prepare(directory)
    now = now or utc_now()
    paths = DemoPaths(
        directory=directory,
        config_path=directory / CONFIG_NAME,
        storage_path=directory / STORAGE_NAME,
        targets_dir=directory / TARGETS_NAME,
    )
    planned = {spec.key: _plan(spec) for spec in specs}
    engine = create_storage_engine(paths.storage_url)
    try:
        init_storage(engine)
        with engine.begin() as conn:
            applies = {
                spec.key: insert_apply(conn, spec, planned[spec.key], index, now)
                for index, spec in enumerate(specs)
            }
    finally:
        engine.dispose()
    dsns: dict[tuple[str, str], str] = {}
    for spec in specs:
        if server and spec.live:
            from services.demo.live import seed_live_database

            failed_at = timeline_for(spec, now).ended or now
            seed_live_database(server, spec, _live_schema(spec), planned[spec.key], failed_at)
            dsns[(spec.database, spec.environment)] = server.dsn_for(spec)
        elif spec.snapshot:
            _write_snapshot(_target_dir(paths.targets_dir, spec), _live_schema(spec))
    paths.config_path.write_text(_config_text(paths, specs, dsns), encoding="utf-8")
    (directory / MARKER).write_text("written by redrive-console demo\n", encoding="utf-8")
    databases = tuple(server.database_for(s) for s in specs if s.live) if server else ()
    return replace(paths, applies=applies, live_databases=databases)


def _live_server(url: str) -> tuple[LiveServer, tuple[ApplySpec, ...]]:
    """The live server and the data set spelled for it; refused (nothing written) when it is
    down or one of the live scenarios' databases there is not the demo's own."""
    from services.demo import live

    try:
        server = live.open_live_server(url)
        specs = tuple(live.spelled_for(server, s) if s.live else s for s in SCENARIOS)
        live.check_replaceable(server, [s for s in specs if s.live])
    except live.LiveDemoError as exc:
        raise DemoBuildError(str(exc)) from None
    return server, specs


def _prepare(directory: Path) -> None:
    """Refuse a folder with foreign content; clear what a previous demo wrote."""
    directory.mkdir(parents=True, exist_ok=True)
    entries = list(directory.iterdir())
    if not entries:
        return
    if not (directory / MARKER).is_file():
        raise DemoBuildError(
            f"{directory} is not empty and is not a redrive-console demo folder; "
            "choose an empty or new folder"
        )
    for name in (STORAGE_NAME, CONFIG_NAME, MARKER):
        (directory / name).unlink(missing_ok=True)
    shutil.rmtree(directory / TARGETS_NAME, ignore_errors=True)


def _plan(spec: ApplySpec) -> tuple[TableChange, ...]:
    """Run our planner on the desired files against the schema before the apply."""
    from services.planner import plan_schema
    from services.planner.sources import SnapshotSchemaSource

    desired = desired_files(spec)
    before = {
        namespace: {t.name: t.before for t in tables if t.before is not None}
        for namespace, tables in spec.namespaces.items()
    }
    with tempfile.TemporaryDirectory(prefix="redrive-demo-plan-") as scratch:
        _write_snapshot(Path(scratch), before)
        result = plan_schema(desired, SnapshotSchemaSource(Path(scratch)))
    _check_plan_covers_tasks(spec, result.changes)
    return result.changes


def _check_plan_covers_tasks(spec: ApplySpec, changes: tuple[TableChange, ...]) -> None:
    planned = {(c.namespace, c.table) for c in changes}
    tasked = {(t.namespace, t.table) for t in spec.tasks}
    if planned != tasked:
        raise DemoBuildError(
            f"demo scenario {spec.key}: the planner changed {sorted(planned)} but the data set "
            f"has tasks for {sorted(tasked)}"
        )


def _live_schema(spec: ApplySpec) -> dict[str, dict[str, str]]:
    """The schema after the apply's completed work on its primary deployment, plus drift."""
    done = {
        (t.namespace, t.table)
        for t in spec.tasks
        if t.state == "completed"
        and (t.deployment or spec.primary_deployment) == spec.primary_deployment
    }
    live: dict[str, dict[str, str]] = {}
    for namespace, tables in spec.namespaces.items():
        live[namespace] = {}
        for table in tables:
            text = table.after if (namespace, table.name) in done else table.before
            text = spec.drift.get((namespace, table.name), text)
            if text is not None:
                live[namespace][table.name] = text
    return live


def _target_dir(targets_dir: Path, spec: ApplySpec) -> Path:
    return targets_dir / spec.database / spec.environment


def _write_snapshot(directory: Path, schema: Mapping[str, Mapping[str, str]]) -> None:
    """One folder per namespace, one ``<table>.sql`` CREATE TABLE file per table."""
    for namespace, tables in schema.items():
        folder = directory / namespace
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in tables.items():
            (folder / f"{name}.sql").write_text(text + ";\n", encoding="utf-8")


def _config_text(
    paths: DemoPaths, specs: tuple[ApplySpec, ...], dsns: Mapping[tuple[str, str], str]
) -> str:
    environments: dict[str, dict[str, dict[str, str]]] = {}
    for spec in specs:
        if (spec.database, spec.environment) in dsns:
            route = {"dsn": dsns[(spec.database, spec.environment)]}
        elif spec.snapshot:
            relative = _target_dir(paths.targets_dir, spec).relative_to(paths.directory)
            route = {"schema_snapshot": relative.as_posix()}
        else:
            route = {"target": spec.primary_target, "deployment": spec.primary_deployment}
        environments.setdefault(spec.database, {})[spec.environment] = route
    databases = {
        database: {"type": "mysql", "environments": routes}
        for database, routes in environments.items()
    }
    config = {
        "storage": {"dsn": paths.storage_url},
        "databases": databases,
        "tern_deployments": TERN_DEPLOYMENTS,
        "environment_order": ["staging", "production"],
        "redrive_console": {"redrive_window_hours": 24},
    }
    header = (
        "# SchemaBot-style config written by `redrive-console demo`.\n"
        "# Environments use schema_snapshot folders (CREATE TABLE files) in place of live\n"
        "# databases (a pre-flight there has no rows to check; `demo --live-target URL` puts\n"
        "# the duplicate-key and lock-wait applies on a real server, as dsn entries);\n"
        "# ledger/production is in gRPC mode and cannot be re-planned.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False)
