"""Storage benchmark: triage first page and bundle load on a SchemaBot-sized MariaDB.

Seeds a dedicated database (default ``rc_bench_storage``, dropped at the end unless ``--keep``)
with 200,000 applies and 2,000,000 tasks using multi-row INSERTs, 0.5 % of the applies failed
in the last day, then times ``Storage.triage`` (first page) and ``Storage.load_bundle`` through
the real service code path (SQL + decoding): median and p95 of 20 runs each.

    .venv/bin/python bench/storage.py [--url mysql+pymysql://root@127.0.0.1:3306] [--keep]
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

DEFAULT_URL = os.environ.get("REDRIVE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
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
    parser.add_argument("--url", default=DEFAULT_URL, help="server URL (no database)")
    parser.add_argument("--database", default="rc_bench_storage")
    parser.add_argument("--applies", type=int, default=200_000)
    parser.add_argument("--tasks-per-apply", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--limit", type=int, default=200, help="triage page size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a database left by --keep")
    args = parser.parse_args(argv)

    server = create_engine(args.url)
    url = make_url(args.url).set(database=args.database)
    if not args.reuse:
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{args.database}`"))
            conn.execute(text(f"CREATE DATABASE `{args.database}` CHARACTER SET utf8mb4"))
    engine = create_storage_engine(url)
    try:
        if not args.reuse:
            init_storage(engine)
            started = time.perf_counter()
            with engine.connect() as conn:
                now = conn.execute(text("SELECT NOW()")).scalar_one()
            counts = seed(engine, args.applies, args.tasks_per_apply, now)
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
        print(f"Storage benchmark on {describe_url(url)} ({args.applies:,} applies, "
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
            with server.begin() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS `{args.database}`"))
        server.dispose()
    return 0


def storage_version(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT VERSION()")).scalar_one())


if __name__ == "__main__":
    raise SystemExit(main())
