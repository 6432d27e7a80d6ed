"""Planner benchmark on the local MariaDB, by schema size, against a floor measured in the same run.

For each size (``--tables 100,1000,5000``) it builds a bench database of N tables (15 columns of
mixed types, a primary key and 3 secondary indexes each; 10 desired files differ from the live
tables) and times, end to end as separate processes where it says so:

- **floor**: one new process that connects with PyMySQL and runs ``SHOW CREATE TABLE`` for every
  table, one round trip each (interpreter start included, like the plans). It connects with
  ``ssl_disabled``: the bench server offers no TLS, and PyMySQL would otherwise build a TLS
  context it never uses (30-45 ms), which the console does not build either
  (``services.mysql_handshake``);
- **cold, empty cache**: ``redrive-console plan --target-url`` in a new process with an empty
  ``$XDG_CACHE_HOME`` (the first plan on a machine), started and ended as the installed
  command is (``app.cli.begin``: no collection after the plan; ``app.cli.end``: without the
  interpreter's teardown);
- **cold, cache filled**: the same command again, the persistent planner cache filled by the
  previous run (every later cold plan); **cold, --no-cache**: never reading the cache;
- **warm re-plan**: ``plan_schema`` again in one process that has planned the same files once,
  split into its **introspection** (the time inside ``LiveSchemaSource.load``, the server's
  part: on MariaDB, ``table_definition_cache`` (default 400) makes it server-bound beyond a
  few hundred tables) and **the rest** (the planner's own part), measured in the same runs.

The floor and the three cold plans run in turn, round after round (``--runs`` rounds), so the
machine's drift during the run moves a plan and its floor alike. Ratios are to the floor's
median; peak RSS is the process's own (the warm rows: the bench's;
a cold plan that starts the grammar gate's child process, ``services/planner/gate.py``, does not
count that child's).
The bench process keeps its planner cache in its temporary folder, never in ``~/.cache``.
Before timing, it compiles the console's modules to bytecode (``installed_bytecode``), as
installing it from a wheel does and as the floor's PyMySQL already is: an editable checkout
where ``PYTHONDONTWRITEBYTECODE`` is set would otherwise compile them from source in every
plan process.

    .venv/bin/python bench/planner.py [--tables 100,1000,5000] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed_bytecode import compile_console
from speed_probe import describe, probe

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER_URL = os.environ.get("REDRIVE_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
DATABASE = "rc_bench_planner"
CHANGED_TABLES = 10
FLOOR = "floor: SHOW CREATE TABLE loop, new process"
INTROSPECTION = "  of which introspection (LiveSchemaSource.load, server-bound)"
PLANNER_PART = "  of which the rest (the planner's own work)"
GOALS = (
    ("first cold plan, empty cache <= 6x floor at 1,000", 1000, "cold, empty cache", "ratio", 6.0),
    ("best cold plan <= 4x floor at 1,000", 1000, "cold, cache filled", "best_ratio", 4.0),
    ("best cold plan <= 2x floor at 5,000", 5000, "cold, cache filled", "best_ratio", 2.0),
    ("warm re-plan at 5,000 <= 1.5 s", 5000, "warm re-plan, same process", "median", 1.5),
)


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


# A child's own peak: VmHWM belongs to its address space, while ru_maxrss on Linux can carry
# the bench process's size from the fork that started it.
PEAK_RSS = """
def peak_rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

FLOOR_CHILD = (
    PEAK_RSS
    + """
import os, sys, pymysql
connection = pymysql.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3],
                             password=os.environ["RC_BENCH_FLOOR_PASSWORD"],
                             database=sys.argv[4], charset="utf8mb4", ssl_disabled=True)
with connection.cursor() as cursor:
    cursor.execute("SHOW TABLES")
    for (name,) in cursor.fetchall():
        cursor.execute(f"SHOW CREATE TABLE `{name}`")
        cursor.fetchone()
connection.close()
print("peak_rss_kb", peak_rss_kb(), file=sys.stderr)
"""
)

PLAN_CHILD = (
    PEAK_RSS
    + """
import sys
from app.cli import begin, end, main
sys.argv = ["redrive-console", *sys.argv[1:]]
begin()  # as the installed command starts
code = main(sys.argv[1:])
print("peak_rss_kb", peak_rss_kb(), file=sys.stderr)
end(code)  # as the installed command ends
"""
)


def run_child(arguments: list[str], cache_home: Path) -> tuple[float, float]:
    """Seconds end to end and peak RSS (MB) of one new Python process."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, cwd=ROOT, env=env, check=False
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"bench child failed ({arguments[:3]}):\n{completed.stderr[-2000:]}")
    rss = [line for line in completed.stderr.splitlines() if line.startswith("peak_rss_kb")]
    return seconds, int(rss[-1].split()[1]) / 1024


def floor_child(cache_home: Path) -> tuple[float, float]:
    from sqlalchemy.engine import make_url

    url = make_url(SERVER_URL)
    host, port, user = url.host or "127.0.0.1", str(url.port or 3306), url.username or "root"
    os.environ["RC_BENCH_FLOOR_PASSWORD"] = url.password or ""  # not on the command line
    return run_child(["-c", FLOOR_CHILD, host, port, user, DATABASE], cache_home)


def plan_child(desired_dir: Path, cache_home: Path, *extra: str) -> tuple[float, float]:
    arguments = ["plan", "--schema-dir", str(desired_dir), "--target-url", SERVER_URL]
    return run_child(["-c", PLAN_CHILD, *arguments, "--namespace", DATABASE, *extra], cache_home)


def warm_replan(files: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Re-plans in this process after one plan of the same files: the seconds of each, and of
    the introspection inside each (``LiveSchemaSource.load``, timed where the plan calls it)."""
    from services.planner import plan_schema
    from services.planner.live_source import LiveSchemaSource

    source = LiveSchemaSource(SERVER_URL)
    inside: list[float] = []
    load = source.load

    def timed_load(namespace: str):
        started = time.perf_counter()
        try:
            return load(namespace)
        finally:
            inside.append(time.perf_counter() - started)

    source.load = timed_load  # type: ignore[method-assign]
    try:
        desired = {DATABASE: files}
        plan_schema(desired, source)
        inside.clear()
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            plan_schema(desired, source)
            samples.append(time.perf_counter() - started)
        return samples, inside
    finally:
        source.dispose()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table_definition_cache() -> int:
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@table_definition_cache")
            return int(cursor.fetchone()[0])
    finally:
        connection.close()


def measure(tables: int, runs: int, work: Path) -> dict[str, dict[str, float]]:
    """Every row of one size: median/best seconds and peak RSS."""
    build_schema(tables)
    desired_dir = work / f"desired-{tables}"
    desired_dir.mkdir()
    files = desired_files(tables, changed=True)[DATABASE]
    for name, text in files.items():
        (desired_dir / name).write_text(text, encoding="utf-8")
    cache_home = work / f"filled-{tables}"
    plan_child(desired_dir, cache_home)  # fills the cache the "cache filled" rows read
    # Round after round, the floor and each cold plan in turn: this VM's speed drifts within
    # minutes, and a floor measured beside its plans moves with them.
    rows: dict[str, list[tuple[float, float]]] = {
        FLOOR: [],
        "cold, empty cache": [],
        "cold, cache filled": [],
        "cold, --no-cache": [],
    }
    for run in range(runs):
        rows[FLOOR].append(floor_child(work / "unused"))
        rows["cold, empty cache"].append(plan_child(desired_dir, work / f"empty-{tables}-{run}"))
        rows["cold, cache filled"].append(plan_child(desired_dir, cache_home))
        rows["cold, --no-cache"].append(plan_child(desired_dir, cache_home, "--no-cache"))
    warm, introspection = warm_replan(files, runs)
    rss = peak_rss_mb()
    rows["warm re-plan, same process"] = [(seconds, rss) for seconds in warm]
    rows[INTROSPECTION] = [(seconds, rss) for seconds in introspection]
    rows[PLANNER_PART] = [(w - i, rss) for w, i in zip(warm, introspection, strict=True)]
    summary = {
        name: {
            "median": statistics.median(s for s, _ in samples),
            "best": min(s for s, _ in samples),
            "rss": max(r for _, r in samples),
        }
        for name, samples in rows.items()
    }
    floor = summary[FLOOR]
    for row in summary.values():
        row["ratio"] = row["median"] / floor["median"]
        row["best_ratio"] = row["best"] / floor["best"]
    return summary


def report(
    results: dict[int, dict], runs: int, loads: tuple[str, str], speeds: tuple[float, float]
) -> str:
    lines = [
        f"Machine: {machine()}; server MariaDB {server_version()},"
        f" table_definition_cache {table_definition_cache()} (default, not tuned).",
        f"Load average before: {loads[0]}; after: {loads[1]}. {describe(*speeds)}",
        f"Median and best of {runs} runs, seconds; ratio = median / floor median"
        " (best: best / floor best).",
        "",
        "| tables | scenario | median s | best s | ratio | best ratio | peak RSS MB |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for tables, summary in results.items():
        for name, row in summary.items():
            lines.append(
                f"| {tables} | {name} | {row['median']:.3f} | {row['best']:.3f} |"
                f" {row['ratio']:.1f}x | {row['best_ratio']:.1f}x | {row['rss']:.0f} |"
            )
    lines.append("")
    for label, tables, scenario, field, limit in GOALS:
        if tables not in results:
            continue
        value = results[tables][scenario][field]
        shown = f"{value:.3f} s" if field == "median" else f"{value:.1f}x"
        lines.append(f"- {label}: {shown}, {'met' if value <= limit else 'MISSED'}")
    for tables, summary in results.items():
        warm = summary["warm re-plan, same process"]["median"]
        server = summary[INTROSPECTION]["median"]
        rest = summary[PLANNER_PART]["median"]
        lines.append(
            f"- split of the warm re-plan at {tables:,} (medians): introspection {server:.3f} s"
            f" (server-bound), the rest {rest:.3f} s, of {warm:.3f} s"
        )
    return "\n".join(lines)


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default="100,1000,5000", help="comma-separated sizes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    compile_console()
    before, speed_before = load_average(), probe()
    results: dict[int, dict] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="rc-bench-planner-") as folder:
            os.environ["XDG_CACHE_HOME"] = str(Path(folder) / "bench-process-cache")
            for tables in (int(size) for size in args.tables.split(",")):
                results[tables] = measure(tables, args.runs, Path(folder))
                print(f"measured {tables} tables", file=sys.stderr)
        loads, speeds = (before, load_average()), (speed_before, probe())
        print(report(results, args.runs, loads, speeds))
    finally:
        if not args.keep:
            drop_schema()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
