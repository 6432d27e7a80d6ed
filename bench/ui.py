"""UI benchmark: process start to first paint, and review interactivity on a 200-table diff.

    .venv/bin/python bench/ui.py [--runs 5] [--mysql-url mysql+pymysql://root@127.0.0.1:3306]

1. demo: a fresh process opens the console on the embedded SQLite demo (through the real
   settings loader, the lazily connected RedriveService and the triage worker) until the first
   page of failed applies is on screen.
2. 10k: the same against MariaDB holding 10,000 failed applies (3 tasks each), seeded in bulk
   into a throwaway bench database that is dropped afterwards.
3. review: from a loaded triage list, the review screen of a prepared 200-table review is
   opened; the fake service returns it at once ("the plan arrives"). Measured from the moment
   the worker calls the service until the screen has handled ``n`` (jump to the first change)
   and repainted. The screen is still mounting when the plan arrives, so its first layout and
   paint are inside the window, and so is building the SQL lexer (a worker started on mount;
   with a real re-plan it is ready long before). The diff document is complete (every row,
   every in-line change); syntax colours are lexed per table side when first drawn.
4. review, screen waiting: the same, but the service holds the plan back until the screen
   shows "Waiting for the fresh plan…" (as a real re-plan does); same clock start and end.

Each scenario runs in its own process, ``--runs`` times; the table shows median and worst.
Targets: 1.0 s, 1.5 s and 0.3 s. Headless (``App.run_test``), 160x48.

Then ``bench/first_paint.py``'s table: the triage list against an empty Textual app, headless
and in a real terminal (tmux), in the same run (targets: <= 3x, <= 60 MiB peak RSS).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
TARGETS = {"demo": 1.0, "10k": 1.5, "review": 0.3, "review_ui": 0.3, "review_waiting": 0.3}
MARKER = "BENCH"


# -- child processes ----------------------------------------------------------------------


async def _first_paint(config: str | None, storage_url: str | None) -> None:
    from app.commands.ui import build_console
    from app.settings import load_settings
    from screens.error import ErrorScreen
    from screens.triage import TriageScreen

    settings = load_settings(config, storage_url)
    app = build_console(settings, operator="bench", theme="textual-dark", refresh_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, TriageScreen) and app.screen.loaded):
            if isinstance(app.screen, ErrorScreen):
                print(f"{MARKER} error {app.screen.report.message}", flush=True)
                return
            await pilot.pause(0.005)
        await pilot.pause()  # one refresh with the rows in the table
        print(f"{MARKER} painted rows={app.screen.table.row_count}", flush=True)


async def _review_interactive(tables: int, *, plan_after_paint: bool) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "ui"))
    from conftest import build_app
    from fake_service import FakeConsoleService

    from screens.review import ReviewScreen
    from screens.triage import TriageScreen

    review = _prepared_review(tables)
    arrived: list[float] = []
    screen_waiting = threading.Event()

    class PreparedReviewService(FakeConsoleService):
        def review(self, apply_identifier, environment, *, on_stage=None):
            if plan_after_paint:
                screen_waiting.wait(timeout=30)
            arrived.append(time.perf_counter())
            return review

    posted: list[float] = []

    def hook(message: object) -> None:
        if type(message).__name__ == "ReviewReady":
            posted.append(time.perf_counter())

    service = PreparedReviewService()
    app = build_app(service)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        # The operator opens a review from a loaded list: the list's own loading is not timed.
        while not (isinstance(app.screen, TriageScreen) and app.screen.loaded):
            await pilot.pause(0.005)
        await pilot.pause(0.1)
        app.push_screen(
            ReviewScreen(service, review.apply.apply_identifier, "production", operator="bench")
        )
        if plan_after_paint:
            await pilot.pause(0.2)  # the screen is up, the lexer built: a re-plan takes longer
            screen_waiting.set()
        while not (isinstance(app.screen, ReviewScreen) and app.screen.review is not None):
            await pilot.pause(0.001)
        await pilot.press("n")  # next change: the diff answers the keyboard
        await pilot.pause()
        done = time.perf_counter()
        print(
            f"{MARKER} review tables={len(review.comparisons)} "
            f"diff_prep_in_worker={posted[0] - arrived[0]:.3f}s ui={done - posted[0]:.3f}s "
            f"seconds={done - arrived[0]:.4f}",
            flush=True,
        )


def _prepared_review(tables: int):
    from dataclasses import replace

    from fake_service import make_review

    from services.domain.models import TableChange
    from services.redrive.model import TableComparison, TableStatus, Verdict

    comparisons = []
    for index in range(tables):
        name = f"table_{index:03d}"
        columns = "\n".join(f"  `c{n}` varchar(64) DEFAULT NULL," for n in range(8))
        stored = (
            f"CREATE TABLE `{name}` (\n  `id` bigint NOT NULL,\n{columns}\n  PRIMARY KEY (`id`)\n)"
        )
        fresh = (
            stored.replace("`c3` varchar(64)", "`c3` varchar(128)") if index % 10 == 0 else stored
        )
        comparisons.append(
            TableComparison(
                "app",
                name,
                TableStatus.CHANGED if fresh != stored else TableStatus.SAME,
                stored=(TableChange(name, stored, "create", "app"),),
                fresh=(TableChange(name, fresh, "create", "app"),),
            )
        )
    return replace(
        make_review(verdict=Verdict.MISMATCH, reason="20 tables differ"),
        comparisons=tuple(comparisons),
    )


# -- parent: preparation, runs, report ------------------------------------------------------


def _run_child(args: list[str]) -> tuple[float, str]:
    """Seconds from process start until the child printed its marker line, and that line."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    watchdog = threading.Timer(120, child.kill)  # a hung child must not hang the benchmark
    watchdog.start()
    try:
        return _read_marker(child, args, start)
    finally:
        watchdog.cancel()


def _read_marker(child: subprocess.Popen[str], args: list[str], start: float) -> tuple[float, str]:
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(f"{MARKER} error"):
            child.kill()
            raise SystemExit(f"child {args[0]} failed: {line.strip()}")
        if line.startswith(MARKER):
            elapsed = time.perf_counter() - start
            child.wait(timeout=60)
            return elapsed, line.strip()
    child.wait(timeout=60)
    raise SystemExit(f"child {args[0]} exited with {child.returncode} before painting")


def _seed_mysql(server_url: str, count: int) -> str:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from services.storage.engine import create_storage_engine
    from services.storage.init import init_storage
    from tests.storage.factories import insert_failed_applies_bulk

    name = f"rc_bench_ui_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_storage_engine(url)
    init_storage(engine)
    with engine.begin() as conn:
        insert_failed_applies_bulk(conn, count)
    engine.dispose()
    return url


def _drop_mysql(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = create_engine(parsed.set(database=None))
    with admin.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{parsed.database}`"))
    admin.dispose()


def _machine(mysql_url: str | None) -> list[str]:
    import textual

    cpu = platform.processor() or "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with open("/proc/meminfo") as info:
        for line in info:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    facts = [
        f"{os.cpu_count()} vCPU {cpu}, {memory} RAM, {platform.system()} {platform.machine()}",
        f"Python {platform.python_version()}, textual {textual.__version__}",
    ]
    if mysql_url:
        from sqlalchemy import create_engine, text

        engine = create_engine(mysql_url)
        with engine.connect() as conn:
            facts.append(f"server {conn.execute(text('SELECT VERSION()')).scalar_one()}")
        engine.dispose()
    return facts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mysql-url", default="mysql+pymysql://root@127.0.0.1:3306")
    parser.add_argument("--failed", type=int, default=10_000)
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        kind, *rest = args.child
        if kind == "paint-config":
            asyncio.run(_first_paint(rest[0], None))
        elif kind == "paint-url":
            asyncio.run(_first_paint(None, rest[0]))
        else:
            asyncio.run(_review_interactive(int(rest[1]), plan_after_paint=rest[0] == "waiting"))
        return 0

    sys.path.insert(0, str(ROOT))
    from services.demo import build_demo

    results: dict[str, list[float]] = {key: [] for key in TARGETS}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="rc-bench-ui-") as tmp:
        demo = build_demo(Path(tmp) / "demo")
        seed_start = time.perf_counter()
        url = _seed_mysql(args.mysql_url, args.failed)
        seed_seconds = time.perf_counter() - seed_start
        try:
            for _ in range(args.runs):
                seconds, line = _run_child(["paint-config", str(demo.config_path)])
                results["demo"].append(seconds)
                notes["demo"] = line
                seconds, line = _run_child(["paint-url", url])
                results["10k"].append(seconds)
                notes["10k"] = line
                _, line = _run_child(["review", "at-once", str(args.tables)])
                fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
                results["review"].append(float(fields["seconds"]))
                results["review_ui"].append(float(fields["ui"].removesuffix("s")))
                notes["review"] = line
                _, line = _run_child(["review", "waiting", str(args.tables)])
                fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
                results["review_waiting"].append(float(fields["seconds"]))
                notes["review_waiting"] = line
        finally:
            _drop_mysql(url)

    labels = {
        "demo": "start -> first paint of the triage list, embedded demo (SQLite)",
        "10k": f"start -> first paint, {args.failed:,} failed applies in MariaDB",
        "review": f"plan arrives -> review screen handled `n`, {args.tables}-table diff",
        "review_ui": "  of which: diff document posted -> key handled (the rest: building it)",
        "review_waiting": "plan arrives -> `n` handled, screen already waiting for the plan",
    }
    print("| measurement | median | worst | target | ok |")
    print("|---|---|---|---|---|")
    for key, values in results.items():
        median, worst = statistics.median(values), max(values)
        verdict = "yes" if median <= TARGETS[key] else "NO"
        print(f"| {labels[key]} | {median:.2f} s | {worst:.2f} s | {TARGETS[key]} s | {verdict} |")
    print()
    print(
        f"{args.runs} runs each, headless {SIZE[0]}x{SIZE[1]}; seeding took {seed_seconds:.1f} s."
    )
    for fact in _machine(args.mysql_url):
        print(f"- {fact}")
    for key, line in notes.items():
        print(f"- last {key} run: {line.removeprefix(MARKER).strip()}")
    print()
    print("First paint against an empty Textual app started the same way (bench/first_paint.py):")
    print()
    from first_paint import measure

    print("\n".join(measure(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
