"""Planner benchmark on the local MariaDB (issue 3 item 8).

Builds a bench database of N tables (15 columns of mixed types, a primary key and 3 secondary
indexes each), then re-plans desired files against it with ``LiveSchemaSource``:

- floor: a plain loop of ``SHOW CREATE TABLE`` over the same tables, one query each;
- cold: the whole plan in a NEW process (timed end to end by the parent, and from inside);
- warm: a re-plan in the same process with the desired files already parsed once;
- each with the desired files *changed* (10 tables differ) and *unchanged*.

Inside a plan it reports introspection (``source.load``), parsing (the planner's
``parse_many``), the rest (fast path, diff, lint, emit) and peak RSS. The desired files are the
human-written CREATE statements the tables were built from, so they are not byte-equal to the
server's SHOW CREATE text; two extra rows use the server's own text as desired files.

Run: ``.venv/bin/python bench/planner.py [--tables 1000] [--runs 3]``. The bench database is
dropped at the end. Targets: cold <= 3 s, warm <= 1.0 s, unchanged no slower than changed.
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
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("REDRIVE_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
DATABASE = "rc_bench_planner"
CHANGED_TABLES = 10
TARGET_COLD_S = 3.0
TARGET_WARM_S = 1.0


def table_sql(index: int) -> str:
    """One human-written table: 15 columns of mixed types, a PK and 3 secondary indexes.

    Column names, lengths, enum values and comments vary per table (as in a real schema), so
    no cache keyed by column text can make the 1,000 tables look like one.
    """
    i = index
    return (
        f"CREATE TABLE t{i:04d} (\n"
        "  id bigint unsigned NOT NULL AUTO_INCREMENT,\n"
        "  tenant_id int NOT NULL,\n"
        f"  name_{i} varchar({50 + i % 150}) NOT NULL DEFAULT '',\n"
        f"  email_{i} varchar(191) DEFAULT NULL,\n"
        f"  status enum('new','active','closed','s{i}') NOT NULL DEFAULT 'new',\n"
        f"  amount_{i} decimal({10 + i % 8},2) NOT NULL DEFAULT 0.00,\n"
        f"  ratio_{i} double DEFAULT NULL,\n"
        f"  flags set('a','b','c','f{i}') DEFAULT NULL,\n"
        f"  payload_{i} json DEFAULT NULL,\n"
        f"  notes_{i} text,\n"
        f"  code_{i} char({4 + i % 12}) COLLATE utf8mb4_bin DEFAULT NULL,\n"
        f"  is_active_{i} tinyint(1) NOT NULL DEFAULT 1,\n"
        f"  ext_id_{i} binary(16) DEFAULT NULL,\n"
        "  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
        "  updated_at timestamp(3) NULL DEFAULT CURRENT_TIMESTAMP(3)"
        f" ON UPDATE CURRENT_TIMESTAMP(3) COMMENT 'last write to t{i}',\n"
        "  PRIMARY KEY (id),\n"
        f"  UNIQUE KEY uq_email_{i} (email_{i}),\n"
        f"  KEY idx_tenant_created_{i} (tenant_id, created_at DESC),\n"
        f"  KEY idx_name_{i} (name_{i}(20))\n"
        f") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='bench table {i}'"
    )


def changed_sql(index: int) -> str:
    """A desired version of table ``index`` that differs (five kinds of change, rotating)."""
    base = table_sql(index)
    i = index
    kind = index % 5
    if kind == 0:
        return base.replace("  PRIMARY KEY (id),", "  extra int DEFAULT NULL,\n  PRIMARY KEY (id),")
    if kind == 1:
        return base.replace(f"name_{i} varchar({50 + i % 150})", f"name_{i} varchar(250)")
    if kind == 2:
        return base.replace(
            f"  KEY idx_name_{i} (name_{i}(20))",
            f"  KEY idx_name_{i} (name_{i}(20)),\n  KEY idx_status (status)",
        )
    if kind == 3:
        return base.replace(f"COMMENT='bench table {i}'", f"COMMENT='bench table {i} v2'")
    return base.replace(f"ratio_{i} double DEFAULT NULL", f"ratio_{i} double NOT NULL DEFAULT 0")


def desired_files(tables: int, changed: bool) -> dict[str, dict[str, str]]:
    step = max(1, tables // CHANGED_TABLES)
    changed_ids = set(range(0, tables, step)[:CHANGED_TABLES]) if changed else set()
    files = {
        f"t{i:04d}.sql": (changed_sql(i) if i in changed_ids else table_sql(i))
        for i in range(tables)
    }
    return {DATABASE: files}


def connect(database: str | None = None):
    """A plain PyMySQL connection (multi-statements on) to the bench server."""
    import pymysql
    from sqlalchemy.engine import make_url

    url = make_url(SERVER_URL)
    return pymysql.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=database,
        charset="utf8mb4",
        client_flag=1 << 16,
        autocommit=True,
    )


def build_schema(tables: int) -> float:
    """Create the bench database from scratch; returns the seconds it took."""
    started = time.perf_counter()
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
            cursor.execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
            cursor.execute(f"USE `{DATABASE}`")
            for start in range(0, tables, 50):
                batch = [table_sql(i) for i in range(start, min(tables, start + 50))]
                cursor.execute(";\n".join(batch))
                while cursor.nextset():
                    pass
    finally:
        connection.close()
    return time.perf_counter() - started


def drop_schema() -> None:
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
    finally:
        connection.close()


def server_text_files() -> dict[str, dict[str, str]]:
    """Desired files that are the server's own SHOW CREATE text (as rollback plans are)."""
    connection = connect(DATABASE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            files = {}
            for (name,) in cursor.fetchall():
                cursor.execute(f"SHOW CREATE TABLE `{name}`")
                files[f"{name}.sql"] = cursor.fetchone()[1]
            return {DATABASE: files}
    finally:
        connection.close()


def floor_seconds() -> float:
    """A plain loop of SHOW CREATE TABLE over every bench table, one round trip each."""
    connection = connect(DATABASE)
    try:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute("SHOW TABLES")
            for (name,) in cursor.fetchall():
                cursor.execute(f"SHOW CREATE TABLE `{name}`")
                cursor.fetchone()
            return time.perf_counter() - started
    finally:
        connection.close()


class TimedSource:
    """A schema source that records how long ``load`` (introspection) takes."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seconds = 0.0

    @property
    def flavour(self):
        return self.inner.flavour

    def __getattr__(self, name: str):
        """Everything else the planner asks a source (e.g. ``server_text``) is the inner's."""
        return getattr(self.inner, name)

    def load(self, namespace: str) -> Mapping[str, str]:
        started = time.perf_counter()
        try:
            return self.inner.load(namespace)
        finally:
            self.seconds += time.perf_counter() - started


@contextmanager
def timed_parsing() -> Iterator[list[float]]:
    """Accumulate the time spent in the planner's ``parse_many``."""
    import services.planner.plan as plan_module

    spent = [0.0]
    original = plan_module.parse_many

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    plan_module.parse_many = timed
    try:
        yield spent
    finally:
        plan_module.parse_many = original


def plan_timed(desired: Mapping[str, Mapping[str, str]], source) -> dict[str, float]:
    """One plan with its phase timings (seconds) and the number of changes."""
    from services.planner import plan_schema

    timed_source = TimedSource(source)
    with timed_parsing() as parsing:
        started = time.perf_counter()
        result = plan_schema(desired, timed_source)
        total = time.perf_counter() - started
    return {
        "total": total,
        "introspection": timed_source.seconds,
        "parsing": parsing[0],
        "rest": total - timed_source.seconds - parsing[0],
        "changes": len(result.changes),
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_main(desired_dir: Path) -> None:
    """Cold plan in this fresh process; prints one JSON line with inside timings."""
    started = time.perf_counter()
    from services.planner.sources import LiveSchemaSource

    imported = time.perf_counter() - started
    files = {path.name: path.read_text(encoding="utf-8") for path in desired_dir.glob("*.sql")}
    source = LiveSchemaSource(SERVER_URL)
    try:
        timings = plan_timed({DATABASE: files}, source)
    finally:
        source.dispose()
    timings["import"] = imported
    timings["inside_total"] = time.perf_counter() - started
    timings["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(timings))


def cold_run(desired: Mapping[str, Mapping[str, str]]) -> dict[str, float]:
    """Write the desired files, plan them in a new process; adds the end-to-end wall time."""
    with tempfile.TemporaryDirectory(prefix="rc-bench-") as folder:
        for name, text in desired[DATABASE].items():
            Path(folder, name).write_text(text, encoding="utf-8")
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", folder],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"cold child failed:\n{completed.stderr[-2000:]}")
    timings = json.loads(completed.stdout.strip().splitlines()[-1])
    timings["wall"] = wall
    return timings


def summarise(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of every field, plus ``best_wall`` / ``best_total`` (the fastest run)."""
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    if "wall" in runs[0]:
        summary["best_wall"] = min(run["wall"] for run in runs)
    summary["best_total"] = min(run["total"] for run in runs)
    return summary


def machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from sqlglot import __version__ as sqlglot_version

    try:
        from sqlglot.tokens import SQLGLOTC_INSTALLED as compiled
    except ImportError:
        compiled = False
    return (
        f"nproc {os.cpu_count()}, {model}, Python {platform.python_version()},"
        f" sqlglot {sqlglot_version}{' + sqlglotc' if compiled else ''}"
    )


def server_version() -> str:
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            return str(cursor.fetchone()[0])
    finally:
        connection.close()


def not_slower(candidate: float, reference: float) -> bool:
    """``candidate`` is not slower than ``reference`` beyond timer noise on shared cores
    (10 % plus 10 ms, measured run-to-run spread of the same plan on this machine)."""
    return candidate <= reference * 1.10 + 0.010


def fmt(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds:.3f}"


def report(
    tables: int, runs: int, floor: list[float], cold: dict, warm: dict, build_s: float
) -> str:
    lines = [
        f"Machine: {machine()}; server MariaDB {server_version()}.",
        f"Schema: {tables} tables x 15 columns, PK + 3 secondary indexes (built in"
        f" {build_s:.1f} s); changed = {CHANGED_TABLES} tables differ. Median of {runs} runs;"
        " times in seconds; end-to-end of a cold run includes interpreter start and imports.",
        "",
        "| scenario | end-to-end | best | plan total | introspection | parsing | diff + rest"
        " | changes | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| floor: SHOW CREATE TABLE loop | {fmt(statistics.median(floor))} | {fmt(min(floor))}"
        " | | | | | | |",
    ]
    for label, row, wall in (
        ("cold, new process, changed", cold["changed"], True),
        ("cold, new process, unchanged", cold["unchanged"], True),
        ("warm, same process, changed", warm["changed"], False),
        ("warm, same process, unchanged", warm["unchanged"], False),
        ("cold, unchanged, desired = SHOW CREATE text", cold["server_text"], True),
        ("warm, unchanged, desired = SHOW CREATE text", warm["server_text"], False),
    ):
        end_to_end = fmt(row["wall"]) if wall else fmt(row["total"])
        best = fmt(row["best_wall"]) if wall else fmt(row["best_total"])
        rss = f"{row['peak_rss_mb']:.0f}" if "peak_rss_mb" in row else f"{peak_rss_mb():.0f}"
        lines.append(
            f"| {label} | {end_to_end} | {best} | {fmt(row['total'])} | {fmt(row['introspection'])}"
            f" | {fmt(row['parsing'])} | {fmt(row['rest'])} | {int(row['changes'])} | {rss} |"
        )
    verdicts = [
        ("cold <= 3 s (median, end to end)", cold["changed"]["wall"] <= TARGET_COLD_S),
        ("warm <= 1.0 s (median)", warm["changed"]["total"] <= TARGET_WARM_S),
        (
            "unchanged no slower than changed (best runs, cold and warm, within noise)",
            not_slower(cold["unchanged"]["best_wall"], cold["changed"]["best_wall"])
            and not_slower(warm["unchanged"]["best_total"], warm["changed"]["best_total"]),
        ),
    ]
    lines.append("")
    lines += [f"- {name}: {'met' if ok else 'MISSED'}" for name, ok in verdicts]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(args.child)
        return 0

    build_s = build_schema(args.tables)
    try:
        floor = [floor_seconds() for _ in range(args.runs)]
        desired = {
            "changed": desired_files(args.tables, changed=True),
            "unchanged": desired_files(args.tables, changed=False),
            "server_text": server_text_files(),
        }
        cold = {
            name: summarise([cold_run(files) for _ in range(args.runs)])
            for name, files in desired.items()
        }
        from services.planner.sources import LiveSchemaSource

        source = LiveSchemaSource(SERVER_URL)
        try:
            warm = {}
            for name, files in desired.items():
                first = plan_timed(files, source)  # parses the desired files once
                assert first["changes"] == cold[name]["changes"], (first, cold[name])
                warm[name] = summarise([plan_timed(files, source) for _ in range(args.runs)])
        finally:
            source.dispose()
        print(report(args.tables, args.runs, floor, cold, warm, build_s))
    finally:
        if not args.keep:
            drop_schema()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
