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
