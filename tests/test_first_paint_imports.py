"""What the console's first screen loads: the service for the list, never the planner.

The triage list is filled by ``RedriveService.list_failed`` in a worker; building the service
must not import the planner, sqlglot or pre-flight (they load with the first review), because
every module imported before the first paint delays it.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("services.planner", "services.preflight", "services.redrive.review", "sqlglot")


def test_the_redrive_service_loads_without_the_planner_or_pre_flight() -> None:
    script = (
        "import sys, services.redrive.service, app.commands.ui, app.tui, screens.triage\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_cache_setting_left_on_does_not_load_the_planner_model() -> None:
    script = (
        "import argparse, sys\n"
        "from app.commands.planner_cache import apply_cache_option\n"
        "apply_cache_option(argparse.Namespace(), True)\n"
        "print('services.planner.disk_cache' in sys.modules)\n"
        "apply_cache_option(argparse.Namespace(no_cache=True), True)\n"
        "from services.planner import disk_cache\n"
        "print(disk_cache.enabled())\n"
        "apply_cache_option(argparse.Namespace(), True)\n"
        "print(disk_cache.enabled())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False", "True"]
