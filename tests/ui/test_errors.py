"""Operator-facing error reports: typed errors keep their message, others never show a traceback."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService

from screens.error import ErrorScreen, describe_error
from screens.logs import LogScreen
from services.domain.errors import RedriveRefused, StorageUnavailableError
from services.planner.api import PlannerError


def test_typed_errors_get_titles_and_hints() -> None:
    lost = describe_error(StorageUnavailableError("Lost connection"), doing="load")
    assert (lost.title, lost.message) == ("Storage unreachable", "Lost connection")
    assert "press r to retry" in lost.hint
    planner = describe_error(PlannerError("cannot parse `users.sql`"), doing="review")
    assert planner.title == "Planner error"
    refused = describe_error(RedriveRefused("lock owner changed"), doing="redrive")
    assert refused.title == "Redrive refused" and "Nothing was written" in refused.hint


def test_unexpected_errors_show_type_and_first_line_only() -> None:
    error = RuntimeError("boom\nTraceback (most recent call last):")
    report = describe_error(error, doing="load logs")
    assert report.title == "Unexpected error while trying to load logs"
    assert report.message == "RuntimeError: boom"
    assert "Traceback" not in report.message


async def test_a_crashing_worker_leaves_a_usable_app() -> None:
    service = FakeConsoleService()
    service.fail_next["apply_logs"] = ZeroDivisionError("division by zero")
    app = build_app(service)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.report.message == "ZeroDivisionError: division by zero"
        await pilot.press("escape")
        assert isinstance(app.screen, LogScreen)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one("#log-table").row_count == 4


async def test_refresh_tick_only_runs_for_the_visible_list() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        triage = app.screen
        await pilot.press("l")
        await settle(pilot)
        before = len(service.calls_to("list_failed"))
        triage._refresh_tick()
        await settle(pilot)
        assert len(service.calls_to("list_failed")) == before
        await pilot.press("escape")
        triage._refresh_tick()
        await settle(pilot)
        assert len(service.calls_to("list_failed")) == before + 1
