"""Pre-flight benchmark on the local MariaDB (issue 11 item 6).

Seeds a 1,000,000-row table in one ``INSERT … SELECT`` from MariaDB's SEQUENCE engine, with
ten duplicate e-mail groups, an index on ``email`` and none on ``code``. Then times the whole
``run_preflight`` (connect, table facts, checks, Spirit leftovers) for:

- a new UNIQUE key on ``email``: the index-assisted path (target <= 2 s);
- a new UNIQUE key on ``code``: no covering index, so the time limit must stop the scan
  (target: at most the limit plus 0.5 s, and the check reports "time limit");
- ``code`` becoming NOT NULL: a full scan for NULLs under the same limit.

Run: ``.venv/bin/python bench/preflight.py [--rows 1000000] [--runs 5] [--limit 1.0]``. The
bench database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.preflight import (  # noqa: E402
    PreflightInput,
    PreflightLimits,
    PreflightReport,
    run_preflight,
)

SERVER_URL = os.environ.get("REDRIVE_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
DATABASE = "rc_bench_preflight"
TARGET_INDEXED_S = 2.0
LIMIT_SLACK_S = 0.5
DUPLICATE = "Error 1062 (23000): Duplicate entry 'user7@example.com' for key 'uk_email'"
NULLS = "Error 1138 (22004): Invalid use of NULL value"


def seed(rows: int) -> float:
    """Create the bench table with ``rows`` rows in one statement; the seconds it took."""
    server = create_engine(SERVER_URL)
    started = time.perf_counter()
    with server.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{DATABASE}`"))
        conn.execute(text(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4"))
    server.dispose()
    engine = create_engine(bench_url())  # the SEQUENCE tables need a current database
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE users (id int PRIMARY KEY, email varchar(64) NOT NULL,"
                " code varchar(16) NULL, KEY idx_email (email))"
            )
        )
        # Ten e-mails appear twice: seq MOD (rows - 10) wraps for the last ten rows.
        conn.execute(
            text(
                f"INSERT INTO users SELECT seq, CONCAT('user', seq MOD {rows - 10},"
                f" '@example.com'), CONCAT('c', seq) FROM seq_1_to_{rows}"
            )
        )
        conn.execute(text("ANALYZE TABLE users")).fetchall()
    engine.dispose()
    return time.perf_counter() - started


def bench_url() -> str:
    return make_url(SERVER_URL).set(database=DATABASE).render_as_string(hide_password=False)


def drop() -> None:
    engine = create_engine(SERVER_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{DATABASE}`"))
    engine.dispose()


def timed(
    statement: str, error: str, limits: PreflightLimits, runs: int
) -> tuple[list[float], PreflightReport]:
    """``runs`` whole pre-flights of one statement; their seconds and the last report."""
    url = bench_url()
    item = PreflightInput(DATABASE, "users", (statement,), (error,))
    times: list[float] = []
    report: PreflightReport | None = None
    for _ in range(runs):
        started = time.perf_counter()
        report = run_preflight(url, [item], limits)
        times.append(time.perf_counter() - started)
    assert report is not None
    return times, report


def outcome(report: PreflightReport) -> str:
    (table,) = report.tables
    check = table.checks[0]
    count = f" {check.count:,}" if check.count is not None else ""
    return f"{check.status.value}{count}; {table.verdict.value}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--limit", type=float, default=1.0, help="time limit without an index")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    seconds = seed(args.rows)
    default = PreflightLimits()
    limited = PreflightLimits(statement_seconds=args.limit)
    bound = args.limit + LIMIT_SLACK_S
    cases = [
        (
            f"new UNIQUE on indexed email, index-assisted (limit {default.statement_seconds:g} s)",
            "ALTER TABLE `users` ADD UNIQUE INDEX `uk_email` (`email`)",
            DUPLICATE,
            default,
            TARGET_INDEXED_S,
        ),
        (
            f"new UNIQUE on unindexed code (limit {args.limit:g} s)",
            "ALTER TABLE `users` ADD UNIQUE INDEX `uk_code` (`code`)",
            DUPLICATE,
            limited,
            bound,
        ),
        (
            f"code becomes NOT NULL, full scan (limit {args.limit:g} s)",
            "ALTER TABLE `users` MODIFY COLUMN `code` varchar(16) NOT NULL",
            NULLS,
            limited,
            bound,
        ),
    ]
    print(f"pre-flight benchmark: {args.rows:,} rows, {args.runs} runs each")
    print(f"server {SERVER_URL.split('@')[-1]}, Python {platform.python_version()}")
    print(f"seed (one INSERT … SELECT from seq_1_to_{args.rows}, with ANALYZE): {seconds:.1f} s")
    print()
    print("| measurement | median | worst | target | result | ok |")
    print("|---|---:|---:|---|---|---|")
    failed = False
    try:
        for label, statement, error, limits, target in cases:
            times, report = timed(statement, error, limits, args.runs)
            worst = max(times)
            ok = worst <= target
            failed |= not ok
            print(
                f"| {label} | {statistics.median(times):.2f} s | {worst:.2f} s |"
                f" <= {target:.1f} s | {outcome(report)} | {'yes' if ok else 'NO'} |"
            )
    finally:
        if not args.keep:
            drop()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
