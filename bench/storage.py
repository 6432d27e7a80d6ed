"""Storage benchmark: triage first page and bundle load on a SchemaBot-sized storage.

Seeds a dedicated database (default ``rc_bench_storage``, dropped at the end unless ``--keep``)
with 200,000 applies and 2,000,000 tasks, 0.5 % of the applies failed in the last day, then
times ``Storage.triage`` (first page) and ``Storage.load_bundle`` through the real service code
path (SQL + decoding): median and p95 of 20 runs each.

``--dialect mysql`` (MariaDB/MySQL, the console's G1 tables, multi-row INSERTs) or
``--dialect postgres`` (SchemaBot's G2 PostgreSQL tables from ``storage init``, seeded
server-side with ``INSERT … SELECT`` over ``generate_series``).

    .venv/bin/python bench/storage.py [--dialect mysql|postgres] [--url SERVER_URL] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from services.storage.engine import create_storage_engine, describe_url
from services.storage.init import init_storage
from services.storage.store import Storage

DEFAULT_URLS = {
    "mysql": os.environ.get("REDRIVE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306"),
    "postgres": os.environ.get(
        "REDRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    ),
}
CHUNK = 5_000
HISTORY_DAYS = 400
FAILED_RECENT_SHARE = 0.005
TARGET_MS = {"triage": 50.0, "bundle": 20.0}

DATABASES = [f"{name}_db" for name in (
    "orders", "billing", "catalog", "payments", "ledger", "identity", "search", "inventory",
    "shipping", "pricing", "reviews", "messaging", "analytics", "fraud", "loyalty", "tax",
    "refunds", "accounts", "sessions", "reports",
)]  # fmt: skip
ENVIRONMENTS = ("staging", "production")
TABLES = ("users", "orders", "order_items", "payments", "invoices", "addresses", "events",
          "audit_log", "products", "sessions")  # fmt: skip
ERRORS = (
    "Error 1062 (23000): Duplicate entry '4412' for key 'idx_email'",
    "spirit: checksum failed after 3 attempts on `orders`",
    "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
    "spirit: cutover failed: table metadata lock timeout",
)


def _insert_rows(engine: Engine, table: str, columns: Sequence[str], rows: Iterator[tuple]) -> int:
    """Multi-row INSERTs of ``CHUNK`` rows each (PyMySQL executemany folds them into one
    ``INSERT … VALUES (…),(…)`` statement per chunk)."""
    sql = (
        f"INSERT INTO `{table}` ({', '.join(f'`{c}`' for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    total = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET SESSION unique_checks = 0")
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == CHUNK:
                cursor.executemany(sql, batch)
                total += len(batch)
                batch.clear()
                if total % (CHUNK * 20) == 0:
                    raw.commit()
        if batch:
            cursor.executemany(sql, batch)
            total += len(batch)
        raw.commit()
    finally:
        raw.close()
    return total


def seed(engine: Engine, applies: int, tasks_per_apply: int, now: datetime) -> dict[str, int]:
    """Write plans, applies, tasks, operations, locks and logs; returns row counts."""
    rng = random.Random(20261127)
    plan_count = max(1, applies // 100)
    plan_data = json.dumps({"app": {"tables": [
        {"table": t, "ddl": f"ALTER TABLE `{t}` ADD COLUMN `note` varchar(255) DEFAULT NULL",
         "operation": "alter"} for t in TABLES[:tasks_per_apply]]}})  # fmt: skip
    schema_files = json.dumps({"app": {"Files": {
        f"{t}.sql": f"CREATE TABLE `{t}` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, "
        f"`note` varchar(255) DEFAULT NULL, PRIMARY KEY (`id`))" for t in TABLES}}})  # fmt: skip
    counts = {
        "plans": _insert_rows(
            engine,
            "plans",
            (
                "plan_identifier",
                "database_name",
                "database_type",
                "deployment",
                "repository",
                "pull_request",
                "environment",
                "schema_files",
                "plan_data",
                "created_at",
            ),
            (
                (
                    f"plan-{1_780_000_000_000_000_000 + p}",
                    DATABASES[p % len(DATABASES)],
                    "mysql",
                    "primary",
                    "acme/schemas",
                    1000 + p,
                    ENVIRONMENTS[p % 2],
                    schema_files,
                    plan_data,
                    now - timedelta(days=HISTORY_DAYS),
                )
                for p in range(plan_count)
            ),
        )
    }
    recent_failed = int(applies * FAILED_RECENT_SHARE)
    # (created_at, completed_at, state) per apply, oldest first; the last ``recent_failed``
    # applies are the failures of the last day.
    plan_rows: list[tuple[datetime, datetime | None, str]] = []
    for n in range(applies - recent_failed):
        created = now - timedelta(seconds=rng.uniform(86_400 * 1.5, 86_400 * HISTORY_DAYS))
        state = rng.choices(
            ("completed", "failed", "cancelled", "stopped", "reverted"), (94, 3, 2, 0.7, 0.3)
        )[0]
        if n % 5000 == 0:
            state = "running"
        completed = None if state == "running" else created + timedelta(minutes=rng.uniform(2, 180))
        plan_rows.append((created, completed, state))
    for _ in range(applies - recent_failed, applies):
        completed = now - timedelta(seconds=rng.uniform(60, 86_000))
        plan_rows.append((completed - timedelta(minutes=rng.uniform(2, 180)), completed, "failed"))
    plan_rows.sort(key=lambda r: r[0])

    def apply_rows() -> Iterator[tuple]:
        for n, (created, completed, state) in enumerate(plan_rows, start=1):
            p = n % plan_count
            failed = state == "failed"
            yield (
                f"apply-{n:016x}", 0, p + 1, DATABASES[p % len(DATABASES)], "mysql",
                "acme/schemas", 1000 + p, ENVIRONMENTS[p % 2], "primary", "acme/schemas#1000",
                "spirit", state, rng.choice(ERRORS) if failed else None,
                '{"defer_cutover": true}' if n % 7 == 0 else "{}", 10 if failed else 0,
                created, completed, created, completed or created,
            )  # fmt: skip

    counts["applies"] = _insert_rows(
        engine,
        "applies",
        ("apply_identifier", "lock_id", "plan_id", "database_name", "database_type",
         "repository", "pull_request", "environment", "deployment", "caller", "engine", "state",
         "error_message", "options", "attempt", "started_at", "completed_at", "created_at",
         "updated_at"),
        apply_rows(),
    )  # fmt: skip

    def task_rows() -> Iterator[tuple]:
        for n, (created, completed, state) in enumerate(plan_rows, start=1):
            p = n % plan_count
            failed_at = rng.randrange(tasks_per_apply) if state == "failed" else tasks_per_apply
            for k in range(tasks_per_apply):
                task_state = (
                    "completed" if k < failed_at else "failed" if k == failed_at else "cancelled"
                )
                table = TABLES[k % len(TABLES)]
                yield (
                    f"task-{n:011x}{k:05x}", n, p + 1, DATABASES[p % len(DATABASES)], "mysql",
                    "app", table,
                    f"ALTER TABLE `{table}` ADD COLUMN `note` varchar(255) DEFAULT NULL",
                    "alter", "spirit", "acme/schemas", 1000 + p, ENVIRONMENTS[p % 2], task_state,
                    rng.choice(ERRORS) if task_state == "failed" else None,
                    created + timedelta(seconds=k), completed, created + timedelta(seconds=k),
                    completed or created,
                )  # fmt: skip

    counts["tasks"] = _insert_rows(
        engine,
        "tasks",
        ("task_identifier", "apply_id", "plan_id", "database_name", "database_type",
         "namespace", "table_name", "ddl", "ddl_action", "engine", "repository", "pull_request",
         "environment", "state", "error_message", "started_at", "completed_at", "created_at",
         "updated_at"),
        task_rows(),
    )  # fmt: skip
    with engine.begin() as conn:
        recent_ids = [
            r[0]
            for r in conn.execute(
                text("SELECT id FROM applies WHERE completed_at >= :since AND state = 'failed'"),
                {"since": now - timedelta(days=1)},
            )
        ]
    counts["apply_operations"] = _insert_rows(
        engine,
        "apply_operations",
        ("apply_id", "deployment", "operation_key", "state", "completed_at"),
        ((i, "primary", "", "failed", now - timedelta(hours=1)) for i in recent_ids),
    )
    counts["locks"] = _insert_rows(
        engine,
        "locks",
        ("database_name", "database_type", "repository", "pull_request", "owner"),
        ((db, "mysql", "acme/schemas", 1000 + i, f"acme/schemas#{1000 + i}")
         for i, db in enumerate(DATABASES[::2])),
    )  # fmt: skip
    counts["apply_logs"] = _insert_rows(
        engine,
        "apply_logs",
        ("apply_id", "event_type", "message", "old_state", "new_state", "created_at"),
        (
            row
            for i in recent_ids
            for row in (
                (i, "state_transition", "Apply state changed", "pending", "running", now),
                (i, "error", rng.choice(ERRORS), None, None, now),
                (i, "state_transition", "Apply state changed", "running", "failed", now),
            )
        ),
    )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE TABLE applies, tasks, apply_operations, apply_logs, locks"))
    return counts


def seed_postgres(
    engine: Engine, applies: int, tasks_per_apply: int, now: datetime
) -> dict[str, int]:
    """The same data set as ``seed``, generated by the server (``generate_series``)."""
    plan_count = max(1, applies // 100)
    recent = int(applies * FAILED_RECENT_SHARE)
    plan_data = json.dumps({"app": {"tables": [
        {"table": t, "ddl": f"ALTER TABLE `{t}` ADD COLUMN `note` varchar(255) DEFAULT NULL",
         "operation": "alter"} for t in TABLES[:tasks_per_apply]]}})  # fmt: skip
    schema_files = json.dumps({"app": {"Files": {
        f"{t}.sql": f"CREATE TABLE `{t}` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, "
        f"`note` varchar(255) DEFAULT NULL, PRIMARY KEY (`id`))" for t in TABLES}}})  # fmt: skip
    values = {
        "applies": applies, "recent": recent, "plans": plan_count, "now": now,
        "tpa": tasks_per_apply, "dbs": DATABASES, "envs": list(ENVIRONMENTS),
        "tables": list(TABLES), "errors": list(ERRORS), "plan_data": plan_data,
        "schema_files": schema_files, "history": HISTORY_DAYS,
    }  # fmt: skip
    statements = {
        "plans": """
            INSERT INTO plans (plan_identifier, database_name, database_type, deployment,
                repository, pull_request, environment, schema_files, plan_data, created_at)
            SELECT 'plan-' || (1780000000000000000 + p), (CAST(:dbs AS text[]))[p % 20 + 1],
                'mysql', 'primary', 'acme/schemas', 1000 + p,
                (CAST(:envs AS text[]))[p % 2 + 1], CAST(:schema_files AS jsonb),
                CAST(:plan_data AS jsonb), :now - make_interval(days => :history)
            FROM generate_series(0, :plans - 1) AS p""",
        "applies": """
            INSERT INTO applies (apply_identifier, lock_id, plan_id, database_name,
                database_type, repository, pull_request, environment, deployment, caller,
                engine, state, error_message, options, attempt, started_at, completed_at,
                created_at, updated_at)
            SELECT 'apply-' || lpad(to_hex(n), 16, '0'), 0, n % :plans + 1,
                (CAST(:dbs AS text[]))[(n % :plans) % 20 + 1], 'mysql', 'acme/schemas',
                1000 + n % :plans, (CAST(:envs AS text[]))[(n % :plans) % 2 + 1], 'primary',
                'acme/schemas#1000', 'spirit', state,
                CASE WHEN state = 'failed' THEN (CAST(:errors AS text[]))[n % 4 + 1] END,
                CAST(CASE WHEN n % 7 = 0 THEN '{"defer_cutover": true}' ELSE '{}' END AS jsonb),
                CASE WHEN state = 'failed' THEN 10 ELSE 0 END, created,
                CASE WHEN state <> 'running' THEN created + make_interval(secs => 120 + r3 * 10680)
                END,
                created, created + make_interval(secs => 120 + r3 * 10680)
            FROM (
                SELECT n, r3,
                    CASE WHEN n > :applies - :recent THEN 'failed'
                         WHEN n % 5000 = 0 THEN 'running'
                         WHEN r1 < 0.94 THEN 'completed' WHEN r1 < 0.97 THEN 'failed'
                         WHEN r1 < 0.99 THEN 'cancelled' WHEN r1 < 0.997 THEN 'stopped'
                         ELSE 'reverted' END AS state,
                    CASE WHEN n > :applies - :recent
                         THEN :now - make_interval(secs => 60 + r2 * 85000)
                              - make_interval(secs => 120 + r3 * 10680)
                         ELSE :now - make_interval(secs => 86400 * (1.5 + r2 * (:history - 1.5)))
                    END AS created
                FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3
                      FROM generate_series(1, :applies) AS n) AS draws
            ) AS rows""",
        "tasks": """
            INSERT INTO tasks (task_identifier, apply_id, plan_id, database_name, database_type,
                namespace, table_name, ddl, ddl_action, engine, repository, pull_request,
                environment, state, error_message, started_at, completed_at, created_at,
                updated_at)
            SELECT 'task-' || lpad(to_hex(a.id), 11, '0') || lpad(to_hex(k), 5, '0'), a.id,
                a.plan_id, a.database_name, 'mysql', 'app', (CAST(:tables AS text[]))[k % 10 + 1],
                'ALTER TABLE `' || (CAST(:tables AS text[]))[k % 10 + 1]
                    || '` ADD COLUMN `note` varchar(255)',
                'alter', 'spirit', 'acme/schemas', a.pull_request, a.environment,
                CASE WHEN a.state <> 'failed' OR k < a.id % :tpa THEN 'completed'
                     WHEN k = a.id % :tpa THEN 'failed' ELSE 'cancelled' END,
                CASE WHEN a.state = 'failed' AND k = a.id % :tpa THEN a.error_message END,
                a.created_at + make_interval(secs => k), a.completed_at,
                a.created_at + make_interval(secs => k), a.updated_at
            FROM applies AS a CROSS JOIN generate_series(0, :tpa - 1) AS k""",
        "apply_operations": """
            INSERT INTO apply_operations (apply_id, deployment, operation_key, state,
                completed_at)
            SELECT id, 'primary', '', 'failed', :now - interval '1 hour' FROM applies
            WHERE state = 'failed' AND completed_at >= :now - interval '1 day'""",
        "locks": """
            INSERT INTO locks (database_name, database_type, repository, pull_request, owner)
            SELECT (CAST(:dbs AS text[]))[i * 2 + 1], 'mysql', 'acme/schemas', 1000 + i,
                'acme/schemas#' || (1000 + i)
            FROM generate_series(0, 9) AS i""",
        "apply_logs": """
            INSERT INTO apply_logs (apply_id, event_type, message, old_state, new_state,
                created_at)
            SELECT a.id, e.event_type, e.message, e.old_state, e.new_state, :now
            FROM applies AS a CROSS JOIN (VALUES
                ('state_transition', 'Apply state changed', 'pending', 'running'),
                ('error', 'spirit: checksum failed after 3 attempts', NULL, NULL),
                ('state_transition', 'Apply state changed', 'running', 'failed')
            ) AS e (event_type, message, old_state, new_state)
            WHERE a.state = 'failed' AND a.completed_at >= :now - interval '1 day'""",
    }
    counts = {}
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.2026)"))
        for table, sql in statements.items():
            counts[table] = conn.execute(text(sql), values).rowcount
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return counts


# What differs per dialect: how the bench database is made and dropped, and how it is seeded.
ADMIN_SQL = {
    "mysql": (
        "DROP DATABASE IF EXISTS `{name}`",
        "CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
    ),
    "postgres": ('DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}"'),
}
SEEDERS = {"mysql": seed, "postgres": seed_postgres}


def measure(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """(median ms, p95 ms) of ``runs`` timed calls after one warm-up call."""
    action()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialect", choices=sorted(DEFAULT_URLS), default="mysql")
    parser.add_argument("--url", help="server URL (default: the dialect's test server)")
    parser.add_argument("--database", default="rc_bench_storage")
    parser.add_argument("--applies", type=int, default=200_000)
    parser.add_argument("--tasks-per-apply", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--limit", type=int, default=200, help="triage page size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a database left by --keep")
    args = parser.parse_args(argv)

    server_url = args.url or DEFAULT_URLS[args.dialect]
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    url = make_url(server_url).set(database=args.database)
    drop, create = (sql.format(name=args.database) for sql in ADMIN_SQL[args.dialect])
    if not args.reuse:
        with server.connect() as conn:
            conn.execute(text(drop))
            conn.execute(text(create))
    engine = create_storage_engine(url)
    try:
        if not args.reuse:
            init_storage(engine)
            started = time.perf_counter()
            with engine.connect() as conn:
                now = conn.execute(text("SELECT LOCALTIMESTAMP")).scalar_one()
            counts = SEEDERS[args.dialect](engine, args.applies, args.tasks_per_apply, now)
            seeded = ", ".join(f"{n:,} {t}" for t, n in counts.items())
            print(f"seeded {seeded} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        storage = Storage.from_url(url.render_as_string(hide_password=False))
        now = storage.database_now()
        window = now - timedelta(days=1)
        first = storage.triage(since=window, limit=args.limit)
        bundle_id = first.records[len(first.records) // 2].apply_identifier
        results = [
            (f"triage first page ({args.limit} rows, 1-day window)", "triage",
             measure(args.runs, lambda: storage.triage(since=window, limit=args.limit))),
            (f"triage first page ({args.limit} rows, any age)", "triage",
             measure(args.runs, lambda: storage.triage(limit=args.limit))),
            ("triage first page, one environment + database", "triage",
             measure(args.runs, lambda: storage.triage(
                 since=window, environment="production", database=DATABASES[1],
                 limit=args.limit))),
            ("bundle load (10 tasks, 1 op, plan, lock)", "bundle",
             measure(args.runs, lambda: storage.load_bundle(bundle_id))),
        ]  # fmt: skip
        tasks_total = args.applies * args.tasks_per_apply
        print(f"Storage benchmark on {describe_url(url)}, {storage.generation.dialect} "
              f"{storage.generation.generation} ({args.applies:,} applies, "
              f"{tasks_total:,} tasks, median of {args.runs} runs)")  # fmt: skip
        print(f"Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}; "
              f"server {storage_version(engine)}\n")  # fmt: skip
        print("| operation | median ms | p95 ms | target |")
        print("|---|---:|---:|---|")
        for name, kind, (median, p95) in results:
            verdict = "ok" if median <= TARGET_MS[kind] else "MISSED"
            print(
                f"| {name} | {median:.1f} | {p95:.1f} | <= {TARGET_MS[kind]:.0f} ms ({verdict}) |"
            )
    finally:
        engine.dispose()
        if not args.keep:
            with server.connect() as conn:
                conn.execute(text(drop))
        server.dispose()
    return 0


def storage_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT VERSION()")).scalar_one())


if __name__ == "__main__":
    raise SystemExit(main())
