"""A redrive process killed with SIGKILL at any step leaves storage exactly as it was.

For every checkpoint of ``execute_redrive`` before the commit, a forked process runs the
redrive and kills itself there; the parent compares a full dump of every table with the dump
taken before. Killed after the commit, the redrive is complete. Afterwards no lock is left
behind: a normal redrive succeeds at once. On MariaDB also with an apply of 20,000 tasks
(4,000 failed, the rest completed and read as ids: ``services.storage.settled``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal

import pytest
from sqlalchemy import text

from services.redrive.execute import STEPS, execute_redrive
from services.redrive.named_lock import apply_target_lock_name
from services.redrive.review import run_review
from services.storage.schema import locks
from services.storage.schema import tasks as tasks_table
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    BIG_APPLY_FAILED,
    BIG_APPLY_TASKS,
    PLAN_DATA,
    SnapshotTargets,
    add_bulk_rows,
    dump_tables,
    row,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import default_database, insert_failed_apply

OPERATOR = "cli:alice@ops-1"


def _killed_at(url, snapshot_dir, apply_identifier, token, kill_step) -> None:
    """Run the redrive and SIGKILL this process when it reaches ``kill_step``."""
    storage = Storage.from_url(url)

    def checkpoint(step: str) -> None:
        if step == kill_step:
            os.kill(os.getpid(), signal.SIGKILL)

    execute_redrive(
        storage, SnapshotTargets(snapshot_dir), apply_identifier, "production", OPERATOR,
        force=True, reviewed=token, checkpoint=checkpoint,
    )  # fmt: skip
    os._exit(3)  # the step was never reached


def _run_and_kill(url, snapshot, seeded, token, step) -> int:
    context = multiprocessing.get_context("fork")
    process = context.Process(
        target=_killed_at, args=(url, snapshot, seeded.apply_identifier, token, step)
    )
    process.start()
    process.join(timeout=60)
    return process.exitcode


@pytest.mark.parametrize(
    ("backend", "tasks"), [("mysql", 2), ("sqlite", 2), ("mysql", BIG_APPLY_TASKS)]
)
def test_sigkill_at_every_step_leaves_storage_unchanged(request, backend, tasks, tmp_path):
    url = request.getfixturevalue("mysql_database_url" if backend == "mysql" else "sqlite_url")
    engine = storage_engine(url)
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn, plan={"plan_data": PLAN_DATA}, lock={"pending_plan_id": "plan-9"},
            tasks=({"state": "failed"}, {"state": "completed", "table_name": "orders"}),
            operations=(),
        )  # fmt: skip
    failed = 1
    if tasks > 2:
        failed = BIG_APPLY_FAILED
        add_bulk_rows(engine, seeded, failed=failed - 1, completed=tasks - failed - 1)
    snapshot = write_snapshot(tmp_path / "snapshot")
    storage = Storage.from_url(url)
    token = run_review(storage, SnapshotTargets(snapshot), seeded.apply_identifier,
                       "production", OPERATOR).token  # fmt: skip
    before = dump_tables(engine)

    for step in STEPS[:-1]:  # every step before the commit returned
        assert _run_and_kill(url, snapshot, seeded, token, step) == -signal.SIGKILL, step
        assert dump_tables(engine) == before, f"storage changed after a kill at {step!r}"

    assert _run_and_kill(url, snapshot, seeded, token, "committed") == -signal.SIGKILL
    apply = row(engine, "applies", seeded.apply_id)
    assert (apply["state"], apply["attempt"]) == ("failed_retryable", 0)
    after = dump_tables(engine)
    state = tasks_table.c.keys().index("state")
    assert sum(r[state] == "failed_retryable" for r in after["tasks"]) == failed
    assert len(after["tasks"]) == tasks
    owner = locks.c.keys().index("owner")
    assert [r[owner] for r in after["locks"]] == [OPERATOR]
    assert len(after["apply_logs"]) == 1
    if backend == "mysql":
        name = apply_target_lock_name(default_database(), "mysql", "production")
        with engine.connect() as conn:  # the killed session's lock died with its connection
            assert conn.execute(text("SELECT GET_LOCK(:n, 5)"), {"n": name}).scalar() == 1
            conn.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    storage.engine.dispose()
    engine.dispose()
