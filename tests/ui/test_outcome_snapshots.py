"""Snapshots of the outcome screen (redriven and watching, rejected), the log view and help."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review
from textual.pilot import Pilot

from screens.logs import LogScreen
from screens.outcome import OutcomeScreen

SIZE = (120, 30)


def _outcome(service: FakeConsoleService, review, *, force: bool = False):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        screen = OutcomeScreen(service, review, operator="cli:operator@console", force=force)
        screen.poll_seconds = 3600  # the watch is driven by hand below, never by the clock
        pilot.app.push_screen(screen)
        await settle(pilot)
        screen.action_poll()  # second read: SchemaBot has claimed the apply
        await settle(pilot)

    return run_before


def test_outcome_redriven_watching(snap_compare) -> None:
    service = FakeConsoleService()
    app = build_app(service)
    assert snap_compare(app, terminal_size=SIZE, run_before=_outcome(service, make_review()))


def test_outcome_rejected(snap_compare) -> None:
    review = make_review()
    service = FakeConsoleService(
        rejections={"apply-0001": "apply-0001 changed since the review: task 13 is now running"}
    )
    app = build_app(service)
    assert snap_compare(app, terminal_size=SIZE, run_before=_outcome(service, review))


def test_log_view(snap_compare) -> None:
    service = FakeConsoleService()

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(LogScreen(service, "apply-0001"))
        await settle(pilot)

    assert snap_compare(build_app(service), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    app = build_app(keymap={"triage.refresh": "f5"})
    assert snap_compare(app, terminal_size=(120, 60), run_before=run_before)
