"""Every console screen at the smallest supported terminal (80x24) and a large one (160x48).

Triage has its own pair in test_triage_snapshots and the force modal in test_confirm_snapshots;
here are the review (lock held by another owner, the force path), the outcome, the log view,
help and the error modal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review
from textual.pilot import Pilot

from screens.error import ErrorReport, ErrorScreen
from screens.logs import LogScreen
from screens.outcome import OutcomeScreen

SIZES = [(80, 24), (160, 48)]
RunBefore = Callable[[Pilot], Awaitable[None]]


def _service() -> FakeConsoleService:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    return FakeConsoleService(reviews={"apply-0001": review})


async def _review(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _outcome(pilot: Pilot) -> None:
    await settle(pilot)
    screen = OutcomeScreen(
        pilot.app.service, make_review(), operator="cli:operator@console", force=False
    )
    screen.poll_seconds = 3600  # the watch is driven by hand, never by the clock
    pilot.app.push_screen(screen)
    await settle(pilot)


async def _logs(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.push_screen(LogScreen(pilot.app.service, "apply-0001"))
    await settle(pilot)


async def _help(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def _error(pilot: Pilot) -> None:
    await settle(pilot)
    report = ErrorReport(
        "Storage unreachable",
        "storage unreachable: (2003) Can't connect to MySQL server on 'db.internal' (timed out)",
        "The connection to SchemaBot's storage was lost. Check the network or the server, "
        "then press r to retry; nothing was written.",
    )
    pilot.app.push_screen(ErrorScreen(report))
    await pilot.pause()


SCREENS: dict[str, RunBefore] = {
    "review": _review,
    "outcome": _outcome,
    "logs": _logs,
    "help": _help,
    "error": _error,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen_at_size(snap_compare, screen: str, size: tuple[int, int]) -> None:
    assert snap_compare(build_app(_service()), terminal_size=size, run_before=SCREENS[screen])
