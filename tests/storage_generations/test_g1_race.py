"""Twenty concurrent redrives of one failed apply on a G1 storage built from upstream's DDL:
exactly one wins (the pattern and the contender of ``tests/redrive/test_concurrency``)."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import create_engine, select

from services.storage.schema import apply_logs
from tests.redrive.test_concurrency import PROCESSES, _contender
from tests.redrive.writeside_support import PLAN_DATA, row, write_snapshot
from tests.storage.factories import insert_failed_apply


def test_twenty_concurrent_redrives_on_g1_upstream_storage_one_wins(g1_mysql_url, tmp_path):
    engine = create_engine(g1_mysql_url)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": PLAN_DATA})
    snapshot = write_snapshot(tmp_path / "snapshot")
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(
            target=_contender,
            args=(g1_mysql_url, snapshot, seeded.apply_identifier, i, barrier, results),
        )
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    statuses = sorted(status for _, status, _ in outcomes)
    assert [o for o in outcomes if o[1] == "error"] == []
    assert (statuses.count("redriven"), statuses.count("rejected")) == (1, PROCESSES - 1)
    (winner,) = [i for i, status, _ in outcomes if status == "redriven"]
    with engine.connect() as conn:
        audits = conn.execute(select(apply_logs.c.message)).scalars().all()
    assert audits == [f"Redrive requested by user (caller: cli:operator{winner}@host)"]
    assert row(engine, "applies", seeded.apply_id)["state"] == "failed_retryable"
    engine.dispose()
