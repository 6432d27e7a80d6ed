"""Deterministic UI tests: no blinking cursors, no NO_COLOR, pinned theme, frozen clock.

``make_app`` builds a ``ConsoleApp`` on a ``FakeConsoleService`` (or any service) with auto-refresh
off, animations off and the theme pinned; ``settle`` is the ``run_before`` step every snapshot
uses: wait for the workers, then let the screen process their messages.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

import pytest
from fake_service import FIXED_NOW, OPERATOR, FakeConsoleService
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerFailed

from app.tui import ConsoleApp

SNAPSHOT_THEME = "textual-dark"


@pytest.fixture(autouse=True)
def _deterministic_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("SCHEMABOT_CONFIG_FILE", str(tmp_path / "absent.yaml"))
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None)


def build_app(
    service: object | None = None,
    *,
    read_only: bool = False,
    keymap: dict[str, str] | None = None,
    theme: str = SNAPSHOT_THEME,
) -> ConsoleApp:
    """A console on canned data, frozen at ``FIXED_NOW``, with no timers that could fire."""
    app = ConsoleApp(
        service if service is not None else FakeConsoleService(),
        operator=OPERATOR,
        read_only=read_only,
        keymap=keymap,
        theme=theme,
        clock=lambda: FIXED_NOW,
        refresh_seconds=0,
    )
    app.animation_level = "none"
    return app


@pytest.fixture
def make_app() -> Callable[..., ConsoleApp]:
    return build_app


async def settle(pilot: Pilot) -> None:
    """Wait until every worker finished (a failed one too) and its messages were handled."""
    for _ in range(2):
        with suppress(WorkerFailed):  # a failure is what the test looks at, through the UI
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
