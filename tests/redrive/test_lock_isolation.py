"""Tests that share one MariaDB server never share a named lock.

``GET_LOCK`` names are server-wide and SchemaBot derives them from (database, type,
environment), so a fixed logical database such as ``orders`` would make two suites on one
server wait on, or time out behind, each other's redrives. The factories therefore name the
test's own unique database as the logical database of every row they write on MariaDB.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from services.redrive.execute import execute_redrive
from services.redrive.named_lock import apply_target_lock_name
from services.redrive.review import run_review
from services.storage.schema import applies, locks, plans, tasks
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import (
    FIXED_DATABASE,
    default_database,
    insert_failed_apply,
    rows_named_after,
)

OPERATOR = "cli:alice@ops-1"
ENV = "production"


@pytest.fixture
def storage(mysql_database_url):
    storage_engine(mysql_database_url).dispose()
    storage = Storage.from_url(mysql_database_url)
    yield storage
    storage.engine.dispose()


def test_factory_rows_name_the_tests_own_database(storage, mysql_database_name):
    assert default_database() == mysql_database_name != FIXED_DATABASE
    with storage.engine.begin() as conn:
        insert_failed_apply(conn, lock={})
        names = {
            table.name: set(conn.execute(select(table.c.database_name)).scalars())
            for table in (plans, applies, tasks, locks)
        }
    assert names == {name: {mysql_database_name} for name in names}


def test_a_lock_held_for_another_suites_database_leaves_this_tests_redrive_alone(
    storage, mysql_database_name, tmp_path
):
    """Another suite's redrive holds its apply-target lock (same type and environment, its own
    database name): this test's redrive does not wait on it, while a redrive under that other
    name does time out behind it."""
    targets = SnapshotTargets(write_snapshot(tmp_path / "snapshot"))
    other_suite = f"{mysql_database_name}_other"
    with storage.engine.begin() as conn:
        ours = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA})
        with rows_named_after(other_suite):
            theirs = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA})
    ours_name = apply_target_lock_name(mysql_database_name, "mysql", ENV)
    theirs_name = apply_target_lock_name(other_suite, "mysql", ENV)
    assert ours_name != theirs_name

    def redrive(seeded):
        token = run_review(storage, targets, seeded.apply_identifier, ENV, OPERATOR).token
        return execute_redrive(
            storage, targets, seeded.apply_identifier, ENV, OPERATOR, reviewed=token,
            lock_wait_seconds=1,
        )  # fmt: skip

    with storage.engine.connect() as other:
        assert other.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": theirs_name}).scalar() == 1
        try:
            assert redrive(ours).status == "redriven"
            blocked = redrive(theirs)
            assert blocked.status == "rejected"
            assert f"timed out waiting for apply target lock for {other_suite}/" in blocked.reason
        finally:
            other.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": theirs_name})
