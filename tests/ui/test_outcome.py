"""Pilot tests of the outcome screen: the redrive call, the watch, refusals and leaving."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review

from screens.error import ErrorScreen
from screens.outcome import OutcomeScreen
from screens.triage import TriageScreen
from services.domain.errors import RedriveRefused, StorageUnavailableError

SIZE = (120, 34)


async def _push(pilot, service, review, *, force: bool = False) -> OutcomeScreen:
    await settle(pilot)
    screen = OutcomeScreen(service, review, operator="cli:operator@console", force=force)
    screen.poll_seconds = 3600  # polls are driven by hand
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


async def test_redrive_is_bound_to_the_review_and_then_watched() -> None:
    service = FakeConsoleService()
    review = make_review(lock_owner="github:bob")
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _push(pilot, service, review, force=True)
        [(args, kwargs)] = service.calls_to("redrive")
        assert args == ("apply-0001", "production")
        assert kwargs["reviewed"] is review.token
        assert kwargs["force"] is True
        assert kwargs["expect_fingerprint"] == review.fingerprint
        assert screen.outcome is not None and screen.outcome.redriven
        details = str(screen.query_one("#outcome-details").render())
        assert "previous owner: github:bob" in details
        screen.action_poll()
        await settle(pilot)
        assert screen.states_seen == ["failed_retryable", "running"]
        table = screen.query_one("#outcome-tasks")
        assert table.get_cell("11", "state").plain == "pending (reopened)"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)


async def test_rejected_redrive_shows_the_reason_and_does_not_watch() -> None:
    service = FakeConsoleService(rejections={"apply-0001": "lock owner changed since the review"})
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _push(pilot, service, make_review())
        banner = str(screen.query_one("#outcome-banner").render())
        assert "REJECTED" in banner and "lock owner changed since the review" in banner
        assert service.calls_to("progress") == []


async def test_refusal_raised_by_the_service_becomes_a_modal_and_a_banner() -> None:
    service = FakeConsoleService()
    service.fail_next["redrive"] = RedriveRefused("apply-0001 is not in state failed any more")
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await _push(pilot, service, make_review())
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.report.title == "Redrive refused"
        await pilot.press("escape")
        banner = str(app.screen.query_one("#outcome-banner").render())
        assert "NOT REDRIVEN" in banner and "not in state failed" in banner


async def test_lost_connection_while_watching_pauses_the_watch() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _push(pilot, service, make_review())
        service.fail_next["progress"] = StorageUnavailableError("Lost connection")
        screen.action_poll()
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("enter")
        assert "WATCH STOPPED" in str(screen.query_one("#outcome-status").render())
        await pilot.press("r")
        await settle(pilot)
        assert "watching" in str(screen.query_one("#outcome-status").render())
