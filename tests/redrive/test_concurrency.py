"""Twenty redrives of one apply from twenty separate processes: exactly one wins.

Each process opens its own storage connection, reviews the apply, waits at a barrier and then
confirms at the same moment. The losers are rejected cleanly (the named lock and the row locks
serialise them; the under-lock re-review sees the reopened apply) and exactly one audit row
exists afterwards. On MariaDB also with an apply of 20,000 tasks (4,000 failed, the rest
completed and read as ids: ``services.storage.settled``), where the winner reopens all 4,000.
"""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select

from services.redrive.execute import execute_redrive
from services.redrive.review import run_review
from services.storage.schema import apply_logs, locks
from services.storage.schema import tasks as tasks_table
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    BIG_APPLY_FAILED,
    BIG_APPLY_TASKS,
    PLAN_DATA,
    SnapshotTargets,
    add_bulk_rows,
    row,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import insert_failed_apply

PROCESSES = 20


def _contender(url, snapshot_dir, apply_identifier, index, barrier, results, wait=60) -> None:
    """One operator process: review, wait for everyone, confirm; report status and reason."""
    storage = Storage.from_url(url)
    targets = SnapshotTargets(snapshot_dir)
    operator = f"cli:operator{index}@host"
    try:
        review = run_review(storage, targets, apply_identifier, "production", operator)
        barrier.wait(timeout=60)
        outcome = execute_redrive(
            storage, targets, apply_identifier, "production", operator, reviewed=review.token,
            lock_wait_seconds=wait,  # 20 contenders queue on one named lock on a shared 2-core box
        )  # fmt: skip
        results.put((index, outcome.status, outcome.reason))
    except BaseException as exc:  # report every failure to the parent, never hang it
        results.put((index, "error", f"{type(exc).__name__}: {exc}"))
    finally:
        storage.engine.dispose()


@pytest.mark.parametrize(
    ("backend", "tasks"), [("mysql", 1), ("sqlite", 1), ("mysql", BIG_APPLY_TASKS)]
)
def test_twenty_concurrent_redrives_exactly_one_wins(request, backend, tasks, tmp_path):
    url = request.getfixturevalue("mysql_database_url" if backend == "mysql" else "sqlite_url")
    engine = storage_engine(url)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA})
    failed = 1
    if tasks > 1:
        failed = BIG_APPLY_FAILED
        add_bulk_rows(engine, seeded, failed=failed - 1, completed=tasks - failed)
    engine.dispose()
    wait = 60 if tasks == 1 else 600  # each holder of the named lock reads 20,000 rows
    snapshot = write_snapshot(tmp_path / "snapshot")

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=_contender,
            args=(url, snapshot, seeded.apply_identifier, i, barrier, results, wait),
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=2 * wait) for _ in processes]
    for process in processes:
        process.join(timeout=30)

    statuses = sorted(status for _, status, _ in outcomes)
    errors = [o for o in outcomes if o[1] == "error"]
    assert errors == []
    assert statuses.count("redriven") == 1, outcomes
    assert statuses.count("rejected") == PROCESSES - 1
    (winner,) = [i for i, status, _ in outcomes if status == "redriven"]
    for _, status, reason in outcomes:
        if status == "rejected":
            assert "only failed applies can be redriven" in reason, reason
    engine = Storage.from_url(url).engine
    with engine.connect() as conn:
        audits = conn.execute(select(apply_logs.c.message)).scalars().all()
        owners = conn.execute(select(locks.c.owner)).scalars().all()
    assert audits == [f"Redrive requested by user (caller: cli:operator{winner}@host)"]
    assert owners == [f"cli:operator{winner}@host"]
    assert row(engine, "applies", seeded.apply_id)["state"] == "failed_retryable"
    with engine.connect() as conn:
        reopened = conn.execute(
            select(func.count()).where(tasks_table.c.state == "failed_retryable")
        ).scalar_one()
    assert reopened == failed
    engine.dispose()
