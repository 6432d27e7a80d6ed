"""build_demo writes a compatible storage, snapshot targets and a loadable config."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
import yaml
from sqlalchemy import func, select

from app.settings import load_settings
from services.demo import SCENARIOS, DemoBuildError, build_demo
from services.demo.builder import MARKER
from services.planner import plan_schema
from services.planner.sources import SnapshotSchemaSource
from services.storage.compat import check_compatible
from services.storage.schema import apply_logs, locks
from services.storage.store import Storage

FAILED = [spec for spec in SCENARIOS if spec.state == "failed"]


@pytest.fixture(scope="module")
def storage(demo):
    store = Storage.from_url(demo.storage_url)
    yield store
    store.engine.dispose()


def test_storage_passes_the_compatibility_check(storage):
    with storage.engine.connect() as conn:
        check_compatible(conn)


def test_every_scenario_has_its_apply_plan_and_tasks(demo, storage):
    assert set(demo.applies) == {spec.key for spec in SCENARIOS}
    for spec in SCENARIOS:
        bundle = storage.load_bundle(demo.applies[spec.key])
        assert bundle is not None, spec.key
        assert bundle.apply.state == spec.state
        assert (bundle.apply.database_name, bundle.apply.environment) == (
            spec.database,
            spec.environment,
        )
        rows = storage.load_progress(demo.applies[spec.key])  # every row, whole (the bundle
        # carries settled rows as ids)
        assert sorted((t.namespace, t.table_name, t.state) for t in rows.tasks) == sorted(
            (t.namespace, t.table, t.state) for t in spec.tasks
        )
        assert sorted(o.state for o in rows.operations) == sorted(o.state for o in spec.operations)
        assert bundle.plan is not None
        assert bundle.plan.deployment == spec.primary_deployment
        assert set(bundle.plan.schema_files) == set(spec.namespaces)


def test_failed_scenarios_cover_every_path(demo, storage):
    bundles = {spec.key: storage.load_bundle(demo.applies[spec.key]) for spec in FAILED}
    now = storage.database_now()
    assert now - bundles["too_old"].apply.completed_at > timedelta(days=1)
    assert all(
        now - b.apply.completed_at < timedelta(days=1) for k, b in bundles.items() if k != "too_old"
    )
    assert bundles["lock_held"].lock.owner == "block/accounts-service#4821"
    assert bundles["redrivable"].lock is None
    two_namespaces = storage.load_progress(demo.applies["two_namespaces"]).tasks
    namespaces = {t.namespace for t in two_namespaces}
    states = {t.state for t in two_namespaces}
    assert namespaces == {"shipping", "shipping_events"}
    assert states == {"completed", "failed", "cancelled"}
    secondary = bundles["secondary_deployment"]
    failed_ops = [o for o in secondary.operations if o.state == "failed"]
    assert [o.deployment for o in failed_ops] == ["billing-eu-west-1"]
    assert secondary.apply.deployment == "billing"
    assert "stopped" in {o.state for o in bundles["stopped_operation"].operations}
    pending = [(r.operation, r.status) for r in bundles["pending_cancel"].control_requests]
    assert pending == [("cancel", "pending")]
    for key, bundle in bundles.items():
        failed = [t for t in bundle.tasks if t.state == "failed"]
        assert failed and all(t.error_message for t in failed), key
        assert bundle.apply.error_message, key


def test_stored_plans_are_what_our_planner_produces(demo, storage, tmp_path):
    for spec in FAILED:
        bundle = storage.load_bundle(demo.applies[spec.key])
        before = tmp_path / spec.key
        for namespace, tables in spec.namespaces.items():
            (before / namespace).mkdir(parents=True)
            for table in tables:
                if table.before is not None:
                    (before / namespace / f"{table.name}.sql").write_text(table.before + ";\n")
        fresh = plan_schema(bundle.plan.schema_files, SnapshotSchemaSource(before))
        stored = [
            (namespace, c.table, c.ddl, c.operation)
            for namespace, plan in bundle.plan.namespaces.items()
            for c in plan.tables
        ]
        assert stored == [(c.namespace, c.table, c.ddl, c.operation) for c in fresh.changes]
        for task in storage.load_progress(demo.applies[spec.key]).tasks:
            assert task.ddl and task.ddl.startswith(("ALTER TABLE", "CREATE TABLE")), spec.key


def test_live_snapshot_has_completed_work_and_drift(demo):
    live = demo.targets_dir / "shipping" / "production"
    assert "`carrier_service`" not in (live / "shipping" / "shipments.sql").read_text()
    assert "`tracking_url_template`" in (live / "shipping" / "carriers.sql").read_text()
    assert (live / "shipping" / "pickup_windows.sql").is_file()
    drifted = demo.targets_dir / "inventory" / "staging" / "inventory" / "stock_levels.sql"
    text = drifted.read_text()
    assert "`idx_warehouse_updated`" in text and "`reserved_qty`" not in text
    assert not (demo.targets_dir / "ledger").exists()


def test_config_is_a_schemabot_config_the_settings_load(demo):
    document = yaml.safe_load(demo.config_path.read_text())
    assert document["storage"]["dsn"] == demo.storage_url
    settings = load_settings(str(demo.config_path), None)
    assert settings.storage_url == demo.storage_url
    target = settings.targets.resolve("payments", "production")
    assert target.snapshot_dir == demo.targets_dir / "payments" / "production"
    assert (target.deployment, target.target) == ("payments", "payments")
    ledger = settings.targets.resolve("ledger", "production")
    assert (ledger.deployment, ledger.target) == ("tenant1", "ledger-production")
    assert "gRPC mode" in ledger.unsupported_reason


def test_logs_and_locks_are_written(demo, storage):
    with storage.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(apply_logs)).scalar_one() > 30
        owners = set(conn.execute(select(locks.c.owner)).scalars())
    assert owners == {"block/accounts-service#4821", "block/analytics-pipeline#233"}
    bundle = storage.load_bundle(demo.applies["redrivable"])
    logs = storage.apply_logs(bundle.apply.id, 50)
    assert any(entry.level == "error" and "Lock wait timeout" in entry.message for entry in logs)


def _dump(path) -> list:
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, sorted(conn.execute(f'SELECT * FROM "{t}"').fetchall())) for t in tables]


def test_same_now_same_demo_and_rebuild_replaces_a_previous_demo(tmp_path):
    now = datetime(2026, 11, 27, 12, 0, 0)
    first = build_demo(tmp_path / "a", now=now)
    second = build_demo(tmp_path / "b", now=now)
    assert first.applies == second.applies
    assert _dump(first.storage_path) == _dump(second.storage_path)
    (first.targets_dir / "stale.txt").write_text("from an older demo")
    again = build_demo(tmp_path / "a", now=now + timedelta(hours=1))
    assert not (again.targets_dir / "stale.txt").exists()
    assert (again.directory / MARKER).is_file()
    rebuilt = dict(_dump(again.storage_path))
    assert len(rebuilt["applies"]) == len(SCENARIOS)
    assert rebuilt != dict(_dump(second.storage_path))  # timestamps moved with ``now``


def test_refuses_a_folder_with_foreign_content(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DemoBuildError, match="not a redrive-console demo folder"):
        build_demo(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
