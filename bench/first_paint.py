"""First paint of the triage list against an empty Textual app started the same way.

    .venv/bin/python bench/first_paint.py [--runs 5]

Both sides run in fresh processes on the same box in the same run, so the ratio is fair:

- headless: ``App.run_test(size=160x48)``; the clock runs from process start until the first
  page of failed applies (embedded SQLite demo, real settings loader and lazily connected
  service) is in the table and painted once; the empty app until its first paint. The child
  also reports its peak RSS at that moment and whether sqlalchemy, sqlglot or the planner were
  imported on the way.
- tmux: ``tmux new-session -d -x 160 -y 48`` runs ``python -m app ui`` (or the empty app) in a
  real pseudo-terminal; the parent polls ``capture-pane`` until the triage title and a row (or
  the empty app's title) are on the pane.

Targets: triage <= 3x the empty app, peak RSS <= 60 MiB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from installed_bytecode import compile_console

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
MARKER = "BENCH"
EMPTY_TITLE = "empty-textual-app-ready"
RATIO_TARGET = 3.0
RSS_TARGET_MIB = 60.0
# What the first screen must not load: the parser, the planner proper and pre-flight.
HEAVY_MODULES = ("sqlglot", "services.planner.plan", "services.preflight")


def _peak_rss_mib() -> float:
    """This process's own peak RSS (``VmHWM``).

    Not ``getrusage``: on Linux its ``ru_maxrss`` survives ``execve``, so a child started by
    this bench would report the bench's own (larger) footprint whenever it is smaller.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(kind: str) -> None:
    rss_mib = _peak_rss_mib()
    heavy = ",".join(name for name in HEAVY_MODULES if name in sys.modules) or "none"
    print(f"{MARKER} {kind} rss_mib={rss_mib:.1f} heavy={heavy}", flush=True)


def _empty_app():
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Static

    class EmptyApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(EMPTY_TITLE)
            yield Footer()

    return EmptyApp()


async def _headless_empty() -> None:
    app = _empty_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        _report("empty")


async def _headless_triage(config: str) -> None:
    from app.commands.ui import build_console
    from app.settings import load_settings
    from screens.triage import TriageScreen

    settings = load_settings(config, None)
    app = build_console(settings, operator="bench", theme="textual-dark", refresh_seconds=0)
    async with app.run_test(size=SIZE) as pilot:
        while not (isinstance(app.screen, TriageScreen) and app.screen.loaded):
            await pilot.pause(0.005)
        await pilot.pause()
        _report(f"triage rows={app.screen.table.row_count}")


def _child(kind: str, config: str) -> None:
    if kind == "headless-empty":
        asyncio.run(_headless_empty())
    elif kind == "headless-triage":
        asyncio.run(_headless_triage(config))
    elif kind == "tty-empty":
        _empty_app().run()


def _headless(kind: str, config: str) -> tuple[float, str]:
    """Seconds from process start until the child printed its marker line, and that line."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, config],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(MARKER):
            elapsed = time.perf_counter() - start
            child.wait(timeout=60)
            return elapsed, line.strip()
    child.wait(timeout=60)
    raise SystemExit(f"{kind} exited with {child.returncode} before painting")


def _tmux(command: list[str], ready: tuple[str, ...]) -> float:
    """Seconds from ``tmux new-session`` until every text of ``ready`` is on the pane."""
    session = f"rc-bench-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", session]  # a server of its own: other tmux users cannot disturb it
    env_prefix = ["env", "-u", "NO_COLOR", f"PYTHONPATH={ROOT}"]
    start = time.perf_counter()
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
         "-c", str(ROOT), *env_prefix, *command],
        check=True,
    )  # fmt: skip
    try:
        deadline = start + 60
        while time.perf_counter() < deadline:
            pane = subprocess.run(
                [*tmux, "capture-pane", "-p", "-t", session],
                capture_output=True,
                text=True,
                check=False,
            ).stdout
            if all(text in pane for text in ready):
                return time.perf_counter() - start
            time.sleep(0.01)
        raise SystemExit(f"tmux: {' '.join(command)} never showed {ready}")
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


def _demo_config(tmp: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from services.demo import build_demo

    return build_demo(tmp / "demo").config_path


def measure(runs: int) -> list[str]:
    """Run both sides ``runs`` times, in fresh processes; the report as Markdown lines."""
    compile_console()
    load_before = os.getloadavg()
    seconds: dict[str, list[float]] = {
        "headless-empty": [], "headless-triage": [], "tty-empty": [], "tty-triage": [],
    }  # fmt: skip
    rss: dict[str, list[float]] = {"headless-empty": [], "headless-triage": []}
    lines: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="rc-bench-paint-") as tmp:
        config = str(_demo_config(Path(tmp)))
        has_tmux = shutil.which("tmux") is not None
        for _ in range(runs):
            for kind in ("headless-empty", "headless-triage"):
                elapsed, lines[kind] = _headless(kind, config)
                seconds[kind].append(elapsed)
                rss[kind].append(float(lines[kind].split("rss_mib=")[1].split()[0]))
            if has_tmux:
                empty = [sys.executable, __file__, "--child", "tty-empty", config]
                seconds["tty-empty"].append(_tmux(empty, (EMPTY_TITLE,)))
                triage = [sys.executable, "-m", "app", "ui", "--config", config]
                seconds["tty-triage"].append(_tmux(triage, ("failed applies", "apply-")))
    median = {kind: statistics.median(values) for kind, values in seconds.items() if values}
    report = [
        "| where | empty Textual app | triage list | ratio | target | ok |",
        "|---|---|---|---|---|---|",
    ]
    for where in ("headless", "tty"):
        if f"{where}-triage" not in median:
            report.append(f"| {where} | - | - | - | {RATIO_TARGET}x | not measured (no tmux) |")
            continue
        empty, triage = median[f"{where}-empty"], median[f"{where}-triage"]
        ratio = triage / empty
        verdict = "yes" if ratio <= RATIO_TARGET else "NO"
        report.append(
            f"| {where} {SIZE[0]}x{SIZE[1]} | {empty:.2f} s | {triage:.2f} s | {ratio:.1f}x "
            f"| {RATIO_TARGET}x | {verdict} |"
        )
    triage_rss = statistics.median(rss["headless-triage"])
    empty_rss = statistics.median(rss["headless-empty"])
    heavy = lines["headless-triage"].split("heavy=")[1]
    report += [
        "",
        f"peak RSS at first paint (headless, median, worst {max(rss['headless-triage']):.1f}): "
        f"triage {triage_rss:.1f} MiB, empty app {empty_rss:.1f} MiB; target "
        f"{RSS_TARGET_MIB:.0f} MiB: {'yes' if triage_rss <= RSS_TARGET_MIB else 'NO'}",
        f"planner or pre-flight modules imported before the first paint: {heavy}",
        f"{runs} runs each (median); Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"load average before: {', '.join(f'{x:.2f}' for x in load_before)}",
    ]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        _child(*args.child)
        return 0
    print("\n".join(measure(args.runs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
