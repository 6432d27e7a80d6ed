"""Redrive benchmark: bundle read, remaining work + comparison and the reopen transaction, by size,
on MariaDB and on PostgreSQL.

Per dialect and size (``--dialects mariadb,postgres --tasks 2000,20000``) a child process seeds
a dedicated database (dropped at the end unless ``--keep``; PostgreSQL gets SchemaBot's G2
tables from ``storage init``) with one failed apply: shard tasks across 30 tables, each driven
by its own ``work`` operation (a quarter of the shards failed), plus 4 % reflected per-shard
progress rows. Then ``--runs`` rounds, each timing every phase and floor below in turn (a
phase and its floor side by side, so the machine's drift during the run moves both), and the
median of each:

- **bundle read**: ``Storage.load_bundle`` (settled rows as ids, the others decoded); floor:
  the same statements sent through the plain driver and fetched, nothing decoded (recorded
  from one read). For reference, the old floor: every task and operation row with every
  column, fetched as tuples through the plain driver (the information the read used to
  decode row by row);
- **remaining work + comparison**: ``reconstruct_remaining_work`` + the expected plan +
  fingerprint + ``compare_plans`` against a precomputed fresh plan (planner excluded); no
  storage floor (pure Python), the target is absolute;
- **reopen transaction**: named lock (MariaDB; the console takes none on PostgreSQL), READ
  COMMITTED transaction, ``locks`` row claim, apply and rows under ``FOR UPDATE``,
  re-validation against the review token, reopen of the failed operations and their tasks,
  audit row, COMMIT (reset and review untimed between runs; the review keeps its verdict on
  its reads, as the console's does, ``row_verdict``); floor: one plain ``UPDATE tasks ... WHERE id
  IN (...)`` and one for the operations, committed. On PostgreSQL (always G2, whose policy
  refuses the reopen with ``terminal_final``) the bench lifts that one policy check in its own
  child process, to time the same transaction. The untimed reset between runs vacuums and
  analyzes the two tables there, as autovacuum does between real redrives: without it the
  resets pile up 100,000 dead row versions and leave no statistics, and the planner then
  filters each chunk's UPDATE through the apply's whole index range instead of the ids.

Each dialect and size runs in its own process, so its peak RSS is its own.

    .venv/bin/python bench/redrive.py [--tasks 2000,20000] [--runs 7] [--dialects mariadb,postgres]
        [--url mysql+pymysql://...] [--postgres-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from speed_probe import describe, probe
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from services.domain.models import ApplyBundle
from services.planner import Flavour, statements_equivalent
from services.redrive import reopen as reopen_module
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
from services.redrive.row_verdict import remember_row_verdict
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.storage.factories import insert_many, insert_plan, utcnow

DEFAULT_URLS = {
    "mariadb": os.environ.get("REDRIVE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306"),
    "postgres": os.environ.get(
        "REDRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
}
TABLES = 30
FAILED_SHARD_EVERY = 4
TARGETS_MS = {
    "bundle read": 300.0,
    "remaining work + comparison": 100.0,
    "reopen transaction": 300.0,
}
NAMESPACE = "commerce"
OPERATOR = "cli:bench@localhost"


SHARDS = 64  # set per size by ``configure_size``
REFLECTED = 80


def configure_size(tasks: int) -> None:
    """Shards x 30 tables of driven tasks (96 %) and reflected progress rows (4 %)."""
    global SHARDS, REFLECTED
    SHARDS = max(2, round(tasks * 0.96 / TABLES))
    REFLECTED = tasks - SHARDS * TABLES


def _shard(n: int) -> str:
    return f"{n:04x}-{n + 1:04x}" if n < SHARDS - 1 else f"{n:04x}-"


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
    """The write: named lock (MySQL), one transaction, claim, re-validate, reopen, audit, commit."""
    with named_lock(storage), writing_transaction(storage.engine) as conn:
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


@contextmanager
def named_lock(storage: Storage) -> Iterator[None]:
    """SchemaBot's apply-target lock on MySQL/MariaDB; none on PostgreSQL, as the console."""
    if not storage.is_mysql:
        yield
        return
    with hold_apply_target_lock(storage.engine, "shop", "mysql", "production"):
        yield


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
    if engine.dialect.name == "postgresql":  # what autovacuum does between real redrives
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tasks, apply_operations"))


Phase = tuple[Callable[[], object], Callable[[], None] | None]  # (timed call, untimed setup)


def interleaved(phases: dict[str, Phase], runs: int) -> dict[str, list[float]]:
    """Milliseconds of each phase, ``runs`` rounds of every phase in turn (its setup untimed
    before each call): a phase and its floor are measured side by side in every round, so a
    machine that speeds up or slows down during the run moves both alike."""
    samples: dict[str, list[float]] = {name: [] for name in phases}
    for _ in range(runs):
        for name, (fn, before) in phases.items():
            if before:
                before()
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT VERSION()")).scalar_one()).split(" on ")[0]


def rows_floor(engine: Engine, apply_id: int) -> None:
    """The old floor: a plain driver SELECT of every task and operation row of the apply, every
    column, fetched as tuples."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT * FROM tasks WHERE apply_id = %s ORDER BY created_at DESC, id DESC", (apply_id,)
        )
        cursor.fetchall()
        cursor.execute(
            "SELECT * FROM apply_operations WHERE apply_id = %s ORDER BY created_at, id",
            (apply_id,),
        )
        cursor.fetchall()
        cursor.close()
        connection.rollback()
    finally:
        connection.close()


def recorded_statements(storage: Storage, read: Callable[[], object]) -> list[tuple]:
    """The (statement, parameters) ``read`` sends through the driver."""
    sent: list[tuple] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    event.listen(storage.engine, "before_cursor_execute", record)
    try:
        read()
    finally:
        event.remove(storage.engine, "before_cursor_execute", record)
    return sent


def statements_floor(engine: Engine, statements: list[tuple]) -> None:
    """The same statements through the plain driver, every row fetched, nothing decoded."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
        connection.rollback()
    finally:
        connection.close()


def update_floor(engine: Engine, task_ids, op_ids) -> None:
    """One plain UPDATE per table of the same rows the reopen writes, committed."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for table, ids in (("tasks", task_ids), ("apply_operations", op_ids)):
            cursor.execute(
                f"UPDATE {table} SET state = 'failed_retryable', completed_at = NULL"
                f" WHERE id IN ({','.join(str(int(i)) for i in ids)})"
            )
        cursor.close()
        connection.commit()
    finally:
        connection.close()


# CREATE/DROP DATABASE per dialect: an identifier quote and, for PostgreSQL, no transaction.
DATABASE_DDL = {
    "mariadb": ("CREATE DATABASE `{}` CHARACTER SET utf8mb4", "DROP DATABASE IF EXISTS `{}`", {}),
    "postgres": (
        'CREATE DATABASE "{}"',
        'DROP DATABASE IF EXISTS "{}"',
        {"isolation_level": "AUTOCOMMIT"},
    ),
}


def child_main(dialect: str, url_text: str, tasks: int, runs: int, keep: bool) -> dict:
    """Seed one apply of ``tasks`` tasks on ``dialect``, time the three phases and their floors."""
    configure_size(tasks)
    if dialect == "postgres":  # G2 refuses the reopen; time the same transaction anyway
        reopen_module.check_reopen_allowed = lambda _generation, _apply: None
    name = f"rc_bench_redrive_{uuid.uuid4().hex[:8]}"
    create, drop, options = DATABASE_DDL[dialect]
    admin = create_engine(url_text, **options)
    with admin.begin() as conn:
        conn.execute(text(create.format(name)))
    url = make_url(url_text).set(database=name).render_as_string(hide_password=False)
    storage = Storage.from_url(url, check=False)
    try:
        init_storage(storage.engine)
        ident = seed(storage.engine)
        bundle = storage.load_bundle(ident)
        work, expected, fingerprint = expected_plan(bundle)
        fresh = replace(expected, id=0, plan_identifier="")  # what a matching re-plan yields
        assert compare_once(bundle, fresh)[2].verdict is Verdict.MATCH
        statements = recorded_statements(storage, lambda: storage.load_bundle(ident))
        reviewed = {}

        def reset_rows() -> None:
            reset(storage.engine, bundle.apply.id, work.task_ids, work.operation_ids)

        def prepare() -> None:
            """The review before each write (untimed): its token, and its verdict on its reads
            (``row_verdict``), as ``review_bundle`` keeps it."""
            reset_rows()
            reviewed_bundle = storage.load_bundle(ident)
            token = review_token(reviewed_bundle, fingerprint)
            reads = reviewed_bundle.decoded_reads
            remember_row_verdict(reads, token, expected_plan(reviewed_bundle)[0], "primary")
            reviewed["token"], reviewed["reads"] = token, reads

        def plan_for(lock_id: int) -> ReopenPlan:
            return ReopenPlan(
                token=reviewed["token"], primary_deployment="primary", task_ids=work.task_ids,
                operation_ids=work.operation_ids, lock_id=lock_id, window=timedelta(days=1),
                reviewed_reads=reviewed["reads"],
            )  # fmt: skip

        samples = interleaved(
            {
                "bundle read": (lambda: storage.load_bundle(ident), reset_rows),  # failed again
                "bundle read floor": (lambda: statements_floor(storage.engine, statements), None),
                "every row floor": (lambda: rows_floor(storage.engine, bundle.apply.id), None),
                "remaining work + comparison": (lambda: compare_once(bundle, fresh), None),
                "reopen transaction": (lambda: reopen_once(storage, plan_for), prepare),
                "reopen floor": (
                    lambda: update_floor(storage.engine, work.task_ids, work.operation_ids),
                    reset_rows,
                ),
            },
            runs,
        )
        reset_rows()
        prepare()
        reopen_once(storage, plan_for)
        assert storage.load_bundle(ident).apply.state == "failed_retryable"
        return {
            "dialect": dialect,
            "server": server_version(storage.engine),
            "tasks": len(all_tasks(bundle)) + bundle.settled.task_count,
            "operations": len(bundle.operations) + len(bundle.settled.operation_ids),
            "decoded": [len(all_tasks(bundle)), len(bundle.operations)],
            "reopened": [len(work.task_ids), len(work.operation_ids)],
            "statements": len(statements),
            "samples": samples,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "machine": machine(),
        }
    finally:
        storage.engine.dispose()
        if not keep:
            with admin.begin() as conn:
                conn.execute(text(drop.format(name)))
        admin.dispose()


def run_size(args: argparse.Namespace, dialect: str, tasks: int) -> dict:
    url = args.url if dialect == "mariadb" else args.postgres_url
    command = [sys.executable, str(Path(__file__).resolve()), "--child", f"{dialect}:{tasks}"]
    command += ["--url", args.url, "--postgres-url", args.postgres_url, "--runs", str(args.runs)]
    command += ["--keep"] if args.keep else []
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        where = make_url(url).render_as_string()  # password hidden
        raise SystemExit(
            f"bench child for {tasks} tasks on {dialect} ({where}) failed:\n"
            f"{completed.stderr[-3000:]}"
        )
    return json.loads(completed.stdout.strip().splitlines()[-1])


FLOORS = {"bundle read": "bundle read floor", "reopen transaction": "reopen floor"}


def report(
    results: list[dict], runs: int, load_before: str, speed_before: float
) -> tuple[str, bool]:
    servers = "; ".join(sorted({f"{r['dialect']} {r['server']}" for r in results}))
    lines = [
        f"Machine: {results[0]['machine']}; servers: {servers}; load average {load_before}"
        f" (before the run), {load_average()} (after). {describe(speed_before, probe())}",
        f"Median of {runs} runs, ms.",
        "",
        "| dialect | tasks (ops; decoded tasks/ops; reopened tasks/ops) | phase | median | p95"
        " | floor | ratio | target | peak RSS MB |",
        "|---|---|---|---:|---:|---:|---:|---|---:|",
    ]
    missed = False
    for result in results:
        size = (
            f"{result['tasks']} ({result['operations']}; {result['decoded'][0]}/"
            f"{result['decoded'][1]}; {result['reopened'][0]}/{result['reopened'][1]})"
        )
        for phase, target in TARGETS_MS.items():
            median, p95 = _stats(result["samples"][phase])
            floor_name = FLOORS.get(phase)
            floor = statistics.median(result["samples"][floor_name]) if floor_name else None
            ratio = f"{median / floor:.1f}x" if floor else "-"
            ok = median <= target
            missed |= not ok and result["tasks"] >= 20_000
            lines.append(
                f"| {result['dialect']} | {size} | {phase} | {median:.1f} | {p95:.1f} |"
                f" {'-' if floor is None else f'{floor:.1f}'} | {ratio} |"
                f" <= {target:.0f} {'ok' if ok else 'MISSED'} | {result['peak_rss_mb']:.0f} |"
            )
        median, p95 = _stats(result["samples"]["every row floor"])
        lines.append(
            f"| {result['dialect']} | {size} | (old floor: every task and operation row, every"
            f" column) | {median:.1f} | {p95:.1f} | - | - | - | {result['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines), missed


def _stats(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URLS["mariadb"], help="MariaDB/MySQL server URL")
    parser.add_argument(
        "--postgres-url", default=DEFAULT_URLS["postgres"], help="PostgreSQL server URL"
    )
    parser.add_argument("--dialects", default="mariadb,postgres", help="mariadb and/or postgres")
    parser.add_argument("--tasks", default="2000,20000", help="comma-separated apply sizes")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        dialect, size = args.child.split(":")
        url = args.url if dialect == "mariadb" else args.postgres_url
        print(json.dumps(child_main(dialect, url, int(size), args.runs, args.keep)))
        return 0
    load, speed = load_average(), probe()
    dialects = [d.strip() for d in args.dialects.split(",") if d.strip()]
    unknown = sorted(set(dialects) - set(DEFAULT_URLS))
    if unknown:
        parser.error(f"unknown dialect(s) {', '.join(unknown)} (use mariadb, postgres)")
    results = [
        run_size(args, dialect, int(size)) for dialect in dialects for size in args.tasks.split(",")
    ]
    table, missed = report(results, args.runs, load, speed)
    print(table)
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
