"""Redrive benchmark: remaining work + comparison, and the reopen transaction, at scale.

Seeds a dedicated MariaDB database (dropped at the end unless ``--keep``) with one failed apply
of 2,000 tasks across 64 shards and 30 tables: 1,920 shard tasks each driven by its own ``work``
operation (a quarter of the shards failed), plus 80 reflected per-shard progress rows. Then,
median of ``--runs`` runs each:

- **remaining work + comparison**: ``reconstruct_remaining_work`` + the expected plan +
  fingerprint + ``compare_plans`` against a precomputed fresh plan (planner excluded; the
  bundle read is timed separately);
- **reopen transaction**: named lock, READ COMMITTED transaction, ``locks`` row claim, apply and
  rows under ``FOR UPDATE``, re-validation against the review token, reopen of the 480 failed
  operations and their tasks, audit row, COMMIT (the storage is reset, untimed, between runs).

    .venv/bin/python bench/redrive.py [--url mysql+pymysql://root@127.0.0.1:3306] [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from services.domain.models import ApplyBundle
from services.planner import Flavour, statements_equivalent
from services.redrive.audit import write_redrive_audit
from services.redrive.compare import compare_plans
from services.redrive.db_lock import claim_lock, lock_row_for_update
from services.redrive.expected import filter_plan_to_remaining_work
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.model import Verdict
from services.redrive.named_lock import hold_apply_target_lock
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.reopen import ReopenPlan, reopen_in_transaction, writing_transaction
from services.redrive.review import all_tasks, review_token
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.storage.factories import insert_many, insert_plan, utcnow

DEFAULT_URL = os.environ.get("REDRIVE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
SHARDS = 64
TABLES = 30
REFLECTED = 80
FAILED_SHARD_EVERY = 4
TARGET_MS = 100.0
NAMESPACE = "commerce"
OPERATOR = "cli:bench@localhost"


def _shard(n: int) -> str:
    return f"{n * 4:02x}-{n * 4 + 4:02x}" if n < SHARDS - 1 else f"{n * 4:02x}-"


def _key(shard: int, table: int) -> str:
    return f"{NAMESPACE}/{_shard(shard)}/t{table:02d}"


def _ddl(table: int) -> str:
    return f"ALTER TABLE `t{table:02d}` ADD COLUMN `c_new` bigint NULL"


def _plan_data() -> dict:
    changes = [{"table": f"t{t:02d}", "ddl": _ddl(t), "operation": "alter"} for t in range(TABLES)]
    shards = [{"shard": _shard(s), "namespace": NAMESPACE, "changes": changes}
              for s in range(SHARDS)]  # fmt: skip
    return {NAMESPACE: {"tables": changes, "shards": shards}}


def seed(engine: Engine) -> str:
    """One failed apply with 2,000 tasks; returns its identifier."""
    now = utcnow()
    ident = f"apply-{uuid.uuid4().hex[:16]}"
    with engine.begin() as conn:
        plan_id = insert_plan(conn, plan_data=_plan_data(), database_name="shop")
        conn.execute(
            text(
                "INSERT INTO applies (apply_identifier, lock_id, plan_id, database_name,"
                " database_type, repository, pull_request, environment, deployment, engine,"
                " state, error_message, options, attempt, completed_at, created_at, updated_at)"
                " VALUES (:i, 0, :p, 'shop', 'mysql', 'acme/shop', 7, 'production', 'primary',"
                " 'spirit', 'failed', 'retry budget exhausted', '{}', 10, :n, :n, :n)"
            ),
            {"i": ident, "p": plan_id, "n": now},
        )
        apply_id = conn.execute(
            text("SELECT id FROM applies WHERE apply_identifier = :i"), {"i": ident}
        ).scalar_one()
        keys = [(s, t) for s in range(SHARDS) for t in range(TABLES)]
        insert_many(conn, "apply_operations", [
            {"apply_id": apply_id, "deployment": "primary",
             "operation_key": _key(s, t), "operation_kind": "work",
             "state": _state(s), "completed_at": now}
            for s, t in keys
        ])  # fmt: skip
        op_ids = dict(
            conn.execute(
                text("SELECT operation_key, id FROM apply_operations WHERE apply_id = :a"),
                {"a": apply_id},
            ).all()
        )
        rows = [_task(apply_id, plan_id, s, t, _state(s), op_ids[_key(s, t)]) for s, t in keys]
        rows += [_task(apply_id, plan_id, i % SHARDS, i % TABLES, "completed", None)
                 for i in range(REFLECTED)]  # fmt: skip
        insert_many(conn, "tasks", rows)
    return ident


def _state(shard: int) -> str:
    return "failed" if shard % FAILED_SHARD_EVERY == 0 else "completed"


def _task(apply_id: int, plan_id: int, shard: int, table: int, state: str, op_id) -> dict:
    return {
        "task_identifier": f"task-{uuid.uuid4().hex[:16]}", "apply_id": apply_id,
        "apply_operation_id": op_id, "plan_id": plan_id, "database_name": "shop",
        "database_type": "mysql", "namespace": NAMESPACE, "table_name": f"t{table:02d}",
        "shard": _shard(shard), "ddl": _ddl(table), "ddl_action": "alter", "engine": "spirit",
        "repository": "acme/shop", "pull_request": 7, "environment": "production",
        "state": state, "completed_at": utcnow(),
    }  # fmt: skip


def expected_plan(bundle: ApplyBundle) -> tuple:
    """Remaining work, the stored plan filtered to it, and its fingerprint."""
    work = reconstruct_remaining_work(
        bundle.apply, all_tasks(bundle), bundle.operations, bundle.plan.deployment
    )
    expected = filter_plan_to_remaining_work(bundle.plan, work)
    return work, expected, plan_fingerprint(expected)


def compare_once(bundle: ApplyBundle, fresh) -> tuple:
    """Remaining work, expected plan, fingerprint and comparison: the timed pure part."""
    work, expected, fingerprint = expected_plan(bundle)
    comparison = compare_plans(
        expected, fresh, lambda a, b: statements_equivalent(a, b, Flavour.MYSQL)
    )
    return work, fingerprint, comparison


def reopen_once(storage: Storage, plan_for: Callable[[int], ReopenPlan]) -> None:
    """The write: named lock, one transaction, claim, re-validate, reopen, audit, commit."""
    with (
        hold_apply_target_lock(storage.engine, "shop", "mysql", "production"),
        writing_transaction(storage.engine) as conn,
    ):
        current = lock_row_for_update(conn, "shop", "mysql")
        claim = claim_lock(
            conn, current, database="shop", database_type="mysql", operator=OPERATOR,
            repository="acme/shop", expected_owner=None, force=False,
        )  # fmt: skip
        plan = plan_for(claim.lock_id)
        reopen_in_transaction(conn, plan, current, lambda _step: None)
        write_redrive_audit(
            conn, apply_id=plan.apply_id, operator=OPERATOR, fingerprint=plan.token.fingerprint,
            forced=False, lock_id=claim.lock_id, previous_lock_owner=None,
            task_ids=plan.task_ids, operation_ids=plan.operation_ids,
        )  # fmt: skip
        conn.commit()


def reset(engine: Engine, apply_id: int, task_ids, op_ids) -> None:
    """Put the apply back to its failed state (untimed)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM locks"))
        conn.execute(text("DELETE FROM apply_logs"))
        conn.execute(
            text("UPDATE applies SET state = 'failed', attempt = 10, completed_at = NOW(),"
                 " error_message = 'retry budget exhausted' WHERE id = :a"),
            {"a": apply_id},
        )  # fmt: skip
        for table, ids in (("tasks", task_ids), ("apply_operations", op_ids)):
            conn.execute(
                text(f"UPDATE {table} SET state = 'failed', completed_at = NOW()"
                     f" WHERE id IN ({','.join(str(int(i)) for i in ids)})")
            )  # fmt: skip


def timed(fn: Callable[[], object], runs: int, before: Callable[[], None] | None = None):
    samples = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def machine(engine: Engine) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with engine.connect() as conn:
        server = conn.execute(text("SELECT VERSION()")).scalar_one()
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, server {server}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="server URL (no database)")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    name = f"rc_bench_redrive_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = make_url(args.url).set(database=name).render_as_string(hide_password=False)
    storage = Storage.from_url(url, check=False)
    try:
        init_storage(storage.engine)
        ident = seed(storage.engine)
        bundle = storage.load_bundle(ident)
        work, expected, fingerprint = expected_plan(bundle)
        fresh = replace(expected, id=0, plan_identifier="")  # what a matching re-plan yields
        assert compare_once(bundle, fresh)[2].verdict is Verdict.MATCH
        reviewed = {}

        def prepare() -> None:
            reset(storage.engine, bundle.apply.id, work.task_ids, work.operation_ids)
            reviewed["token"] = review_token(storage.load_bundle(ident), fingerprint)

        def plan_for(lock_id: int) -> ReopenPlan:
            return ReopenPlan(
                token=reviewed["token"], primary_deployment="primary", task_ids=work.task_ids,
                operation_ids=work.operation_ids, lock_id=lock_id, window=timedelta(days=1),
            )  # fmt: skip

        load_ms = timed(lambda: storage.load_bundle(ident), args.runs)
        compare_ms = timed(lambda: compare_once(bundle, fresh), args.runs)
        reopen_ms = timed(lambda: reopen_once(storage, plan_for), args.runs, before=prepare)
        reopened = storage.load_bundle(ident)
        assert reopened.apply.state == "failed_retryable"

        counts = (len(all_tasks(bundle)), len(bundle.operations), len(work.task_ids),
                  len(work.operation_ids))  # fmt: skip
        print(f"Redrive benchmark: {counts[0]} tasks ({SHARDS} shards x {TABLES} tables + "
              f"{REFLECTED} reflected rows), {counts[1]} operations; reopening {counts[2]} tasks "
              f"and {counts[3]} operations; median of {args.runs} runs")  # fmt: skip
        print(f"Machine: {machine(storage.engine)}\n")
        print("| measurement | median ms | p95 ms | max ms | target |")
        print("|---|---:|---:|---:|---|")
        rows = [
            ("bundle read (storage, for reference)", load_ms, None),
            ("remaining work + comparison (planner excluded)", compare_ms, TARGET_MS),
            ("reopen transaction (MariaDB)", reopen_ms, TARGET_MS),
        ]
        failed = False
        for label, samples, target in rows:
            median = statistics.median(samples)
            p95 = sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]
            verdict = "-" if target is None else (
                f"<= {target:.0f} ms {'ok' if median <= target else 'MISSED'}")  # fmt: skip
            failed |= target is not None and median > target
            print(f"| {label} | {median:.1f} | {p95:.1f} | {max(samples):.1f} | {verdict} |")
        return 1 if failed else 0
    finally:
        storage.engine.dispose()
        if not args.keep:
            with admin.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
