"""The review screen: verdicts, progress, errors, the confirm flow, and snapshots of each state."""

from __future__ import annotations

import threading
from contextlib import suppress
from dataclasses import replace

import pytest
from fake_service import OPERATOR, FakeConsoleService, make_review, make_task
from test_diff_view import sample_comparisons
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets._footer import FooterKey
from textual.worker import WorkerFailed

from screens.error import ErrorReport, ErrorScreen
from screens.review import ReviewFailed, ReviewReady, ReviewScreen, ReviewStage
from screens.widgets.diff_model import build_diff_document
from screens.widgets.diff_view import DiffView
from screens.widgets.footer import CoalescingFooter
from services.domain.errors import StorageUnavailableError
from services.planner.api import PlannerError
from services.redrive.model import Review, TableStatus, Verdict

SIZE = (160, 48)
HOSTILE = "copy failed [red]x[/red] \x1b[31mboom\x1b[0m"


def mismatch_review() -> Review:
    """Three tables differ: a changed ALTER (in-line), a vanished DROP and a new CREATE."""
    base = make_review()
    return replace(
        base,
        verdict=Verdict.MISMATCH,
        reason=(
            "re-plan for apply apply-0001 changed from stored plan plan-0001 to fresh plan "
            "plan-0002; create a new apply instead"
        ),
        comparisons=sample_comparisons(),
        token=None,
        notes=("PR checks are not updated by a redrive.",),
    )


def not_redrivable_review() -> Review:
    base = make_review(verdict=Verdict.NOT_REDRIVABLE)
    return replace(
        base,
        reason="apply apply-0001 failed more than 1 day(s) ago; create a new apply instead",
        comparisons=(),
        fresh_plan_available=False,
    )


def match_review(**changes: object) -> Review:
    base = make_review()
    comparisons = tuple(
        replace(comparison, status=TableStatus.SAME, fresh=comparison.stored)
        for comparison in sample_comparisons()[:2]
    )
    fields: dict[str, object] = {
        "comparisons": comparisons,
        "notes": ("PR checks are not updated by a redrive.",),
        **changes,
    }
    return replace(base, **fields)  # type: ignore[arg-type]


class ReviewApp(App[None]):
    """A bare app that opens the review screen of one apply."""

    def __init__(
        self, service: FakeConsoleService, *, read_only: bool = False, release=None
    ) -> None:
        super().__init__()
        self.service = service
        self.read_only = read_only
        self.release = release

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.animation_level = "none"
        self.push_screen(
            ReviewScreen(
                self.service,
                "apply-0001",
                "production",
                operator=OPERATOR,
                read_only=self.read_only,
            )
        )

    def on_unmount(self) -> None:
        if self.release is not None:
            self.release.set()


def service_with(review: Review) -> FakeConsoleService:
    return FakeConsoleService(reviews={review.apply.apply_identifier: review})


async def settle(pilot: Pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def settle_with_failures(pilot: Pilot) -> None:
    """Wait for the workers when one of them is meant to fail, then handle its messages."""
    with suppress(WorkerFailed):
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def rendered(widget: Widget) -> str:
    """What the widget really draws on screen."""
    region = Region(0, 0, widget.size.width, widget.size.height)
    return "\n".join(strip.text for strip in widget.render_lines(region))


def banner(app: App) -> str:
    return rendered(app.screen.query_one("#review-banner"))


def enabled(app: App, action: str) -> bool | None:
    """True enabled, None greyed out in the footer, False hidden (Textual's contract)."""
    return app.screen.check_action(action, ())


def greyed_out(app: App, key: str) -> bool:
    """The footer shows ``key`` but disabled."""
    active = app.screen.active_bindings.get(key)
    return active is not None and active.binding.show and not active.enabled


# -- behaviour ---------------------------------------------------------------------------------


async def test_match_enables_confirm_and_the_flow_reaches_the_outcome_screen() -> None:
    service = service_with(match_review())
    app = ReviewApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "✔ MATCH" in banner(app)
        assert enabled(app, "confirm") is True
        assert enabled(app, "force") is False  # lock is free: no takeover offered (hidden)
        await pilot.press("c")
        from screens.confirm import ConfirmRedriveScreen

        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        from screens.outcome import OutcomeScreen

        assert isinstance(app.screen, OutcomeScreen)
        assert app.screen.force is False and app.screen.operator == OPERATOR


async def test_cancelling_the_confirmation_returns_to_the_review() -> None:
    app = ReviewApp(service_with(match_review()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        from screens.confirm import ConfirmRedriveScreen

        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        assert service_with(match_review()).calls_to("redrive") == []


async def test_force_is_offered_only_when_another_owner_holds_the_lock() -> None:
    held = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = ReviewApp(service_with(held))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert enabled(app, "force") is True
        facts = rendered(app.screen.query_one("#review-facts"))
        assert "HELD BY github:bob since 2026-11-27 10:25 UTC (1h35m)" in facts
        await pilot.press("f")
        from screens.confirm import ConfirmRedriveScreen

        assert isinstance(app.screen, ConfirmRedriveScreen) and app.screen.force_needed


@pytest.mark.parametrize(
    ("review", "word"),
    [(mismatch_review(), "✘ MISMATCH"), (not_redrivable_review(), "⊘ NOT REDRIVABLE")],
)
async def test_confirm_is_disabled_unless_the_verdict_is_match(review: Review, word: str) -> None:
    app = ReviewApp(service_with(review))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert word in banner(app)
        assert enabled(app, "confirm") is None and greyed_out(app, "c")
        await pilot.press("c", "enter")
        assert isinstance(app.screen, ReviewScreen)


async def test_read_only_disables_confirm_visibly() -> None:
    app = ReviewApp(service_with(match_review()), read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert enabled(app, "confirm") is None and greyed_out(app, "c")
        assert "READ-ONLY mode: redrive is disabled." in banner(app)
        await pilot.press("c")
        assert isinstance(app.screen, ReviewScreen)


async def test_stages_show_while_planning_and_the_verdict_replaces_them() -> None:
    service = service_with(match_review())
    gate = threading.Event()
    service.review_gate = gate
    messages: list[object] = []
    app = ReviewApp(service, release=gate)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await wait_for_stages(pilot, screen, 3)
        text = banner(app)
        assert "⋯ REVIEWING" in text
        assert "✓ loading apply · ✓ rebuilding remaining work · stage 3: planning…" in text
        assert enabled(app, "confirm") is None
        gate.set()
        await settle(pilot)
        assert "✔ MATCH" in banner(app)
        unique = {id(message): message for message in messages}.values()  # hook sees each twice
        stages = [message.stage for message in unique if isinstance(message, ReviewStage)]
        assert stages == ["loading apply", "rebuilding remaining work", "planning"]


async def wait_for_stages(pilot: Pilot, screen: ReviewScreen, count: int) -> None:
    """Process messages until ``count`` stages arrived (the worker posts them from its thread)."""
    for _ in range(200):
        if len(screen.stages) >= count:
            return
        await pilot.pause()
    raise AssertionError(f"only {screen.stages} arrived")


@pytest.mark.parametrize(
    ("error", "title"),
    [
        (PlannerError("unsupported clause [red]x[/red]", namespace="shop"), "Planner error"),
        (StorageUnavailableError("lost connection to storage"), "Storage unreachable"),
    ],
)
async def test_typed_errors_show_in_the_banner_and_r_reruns(error: Exception, title: str) -> None:
    service = service_with(match_review())
    service.fail_next["review"] = error
    app = ReviewApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = banner(app)
        assert f"⚠ REVIEW FAILED — {title}: " in text
        assert "Traceback" not in text and "Press r to re-run" in text
        assert enabled(app, "confirm") is None
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("r")
        await settle(pilot)
        assert "✔ MATCH" in banner(app)
        assert len(service.calls_to("review")) == 2


async def test_an_unexpected_error_opens_the_error_modal_and_the_screen_stays_usable() -> None:
    service = service_with(match_review())
    service.fail_next["review"] = RuntimeError("driver exploded\nTraceback (most recent call):")
    app = ReviewApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle_with_failures(pilot)
        modal = app.screen
        assert isinstance(modal, ErrorScreen)
        assert modal.report.title == "Unexpected error while trying to review the apply"
        assert modal.report.message == "RuntimeError: driver exploded"
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen) and not app.screen.loading
        text = banner(app)
        assert "⚠ REVIEW FAILED — Unexpected error while trying to review the apply: " in text
        assert "Traceback" not in text and enabled(app, "confirm") is None
        await pilot.press("r")
        await settle(pilot)
        assert "✔ MATCH" in banner(app) and enabled(app, "confirm") is True
        assert len(service.calls_to("review")) == 2


def footer_keys(app: App) -> dict[str, bool]:
    """Footer key -> drawn as enabled (a disabled key has the ``-disabled`` class)."""
    return {key.key: not key.has_class("-disabled") for key in app.screen.query(FooterKey)}


async def test_the_footer_follows_the_verdict_and_rebuilds_only_on_changes() -> None:
    service = service_with(match_review())
    gate = threading.Event()
    service.review_gate = gate
    app = ReviewApp(service, release=gate)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        footer = app.screen.query_one(CoalescingFooter)
        assert footer_keys(app)["c"] is False  # shown greyed out while reviewing
        keys_before = list(app.screen.query(FooterKey))
        for _ in range(3):
            app.screen.refresh_bindings()  # nothing the footer shows changed
        await pilot.pause()
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == keys_before
        gate.set()
        await settle(pilot)
        await pilot.pause()
        assert footer_keys(app)["c"] is True and footer.is_attached


async def test_untrusted_text_renders_literally() -> None:
    review = match_review(
        tasks=(make_task(11, "orders", "failed", error=HOSTILE, operation_id=21),),
        notes=(HOSTILE,),
    )
    service = service_with(review)
    app = ReviewApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tasks = rendered(app.screen.query_one("#review-tasks"))
        notes = rendered(app.screen.query_one("#review-notes"))
        expected = "copy failed [red]x[/red] \\x1b[31mboom\\x1b[0m"
        assert expected in tasks and expected in notes
        service.fail_next["review"] = PlannerError(HOSTILE)
        await pilot.press("r")
        await settle(pilot)
        assert expected in banner(app)


async def test_logs_copy_and_back_keys_work_with_the_diff_focused() -> None:
    app = ReviewApp(service_with(match_review()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, DiffView)
        await pilot.press("y")
        assert app.clipboard == "apply-0001"
        await pilot.press("l")
        from screens.logs import LogScreen

        assert isinstance(app.screen, LogScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ReviewScreen)


async def test_bindings_have_ids() -> None:
    ids = [binding.id for binding in ReviewScreen.BINDINGS]  # type: ignore[union-attr]
    assert ids == [
        "review.confirm",
        "review.force",
        "review.resubmit",
        "review.rerun",
        "review.logs",
        "review.copy-id",
        "review.preflight-next",
        "review.preflight-prev",
        "review.back",
    ]


async def test_answers_of_an_earlier_run_are_dropped_after_r() -> None:
    service = service_with(match_review())
    app = ReviewApp(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and len(service.calls_to("review")) == 2
        stale = mismatch_review()
        screen.post_message(ReviewStage(1, "planning"))
        screen.post_message(ReviewReady(1, stale, build_diff_document(stale.comparisons)))
        screen.post_message(ReviewFailed(1, ErrorReport("Planner error", "late", "")))
        await pilot.pause()
        assert screen.review is not None and screen.review.verdict is Verdict.MATCH
        assert screen.error is None and "✔ MATCH" in banner(app)


# -- snapshots ---------------------------------------------------------------------------------


def test_snapshot_match(snap_compare) -> None:
    assert snap_compare(
        ReviewApp(service_with(match_review())), terminal_size=SIZE, run_before=settle
    )


def test_snapshot_mismatch_with_inline_highlights(snap_compare) -> None:
    async def jump_to_change(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("n")

    app = ReviewApp(service_with(mismatch_review()))
    assert snap_compare(app, terminal_size=SIZE, run_before=jump_to_change)


def test_snapshot_mismatch_unified(snap_compare) -> None:
    async def unified(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("u")

    app = ReviewApp(service_with(mismatch_review()))
    assert snap_compare(app, terminal_size=SIZE, run_before=unified)


def test_snapshot_not_redrivable(snap_compare) -> None:
    app = ReviewApp(service_with(not_redrivable_review()))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_planning_in_progress(snap_compare) -> None:
    service = service_with(match_review())
    gate = threading.Event()
    service.review_gate = gate

    async def until_planning(pilot: Pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, ReviewScreen)
        await wait_for_stages(pilot, screen, 3)

    app = ReviewApp(service, release=gate)
    assert snap_compare(app, terminal_size=SIZE, run_before=until_planning)


def test_snapshot_lock_held_by_another_owner_read_only(snap_compare) -> None:
    review = match_review(lock=make_review(lock_owner="github:bob").lock)
    app = ReviewApp(service_with(review), read_only=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_planner_error_renders_literally(snap_compare) -> None:
    service = service_with(match_review())
    service.fail_next["review"] = PlannerError(HOSTILE, namespace="shop", table="orders")
    assert snap_compare(ReviewApp(service), terminal_size=SIZE, run_before=settle)


async def test_console_flow_triage_review_confirm_redrive(make_app) -> None:
    """In the real app shell: enter on a failed apply, review, confirm; the service is asked."""
    service = FakeConsoleService()
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.apply_identifier == "apply-0001" and "✔ MATCH" in banner(app)
        await pilot.press("c", "ctrl+r")
        await settle(pilot)
        redrives = service.calls_to("redrive")
        assert len(redrives) == 1
        args, kwargs = redrives[0]
        assert args == ("apply-0001", "production") and kwargs["operator"] == OPERATOR
        assert kwargs["force"] is False and kwargs["reviewed"] is not None


async def test_reflected_progress_rows_are_marked_as_not_reopened() -> None:
    review = match_review(
        tasks=(
            make_task(11, "orders", "failed", error="copy failed", operation_id=21),
            make_task(31, "orders", "cancelled", error="shard -80 stopped", operation_id=21),
        ),
        reopen_task_ids=(11,),
        reflected_task_ids=(31,),
    )
    app = ReviewApp(service_with(review))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = rendered(app.screen.query_one("#review-tasks")).splitlines()
        reflected = next(line for line in lines if "#31" in line)
        assert "⊘ CANCELLED" in reflected and "not reopened" in reflected
        failed = next(line for line in lines if "#11" in line)
        assert "✘ FAILED" in failed and "not reopened" not in failed
        assert any("Would reopen: tasks #11 ·" in line for line in lines)


async def test_stored_task_states_are_shown_verbatim_and_escaped() -> None:
    """A task stored as ``STATE_FAILED`` (or with a trailing CR LF) is listed with its own
    spelling, escaped, not only as the normalised ``failed``."""
    review = match_review(
        tasks=(
            make_task(11, "orders", "STATE_FAILED", error="copy failed", operation_id=21),
            make_task(12, "orders", "Cancelled\r\n", error="stopped", operation_id=21),
            make_task(13, "orders", "failed", error="copy failed", operation_id=21),
        ),
        reopen_task_ids=(11, 13),
    )
    app = ReviewApp(service_with(review))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = rendered(app.screen.query_one("#review-tasks")).splitlines()
        shouted = next(line for line in lines if "#11" in line)
        assert "✘ FAILED" in shouted and "(stored state STATE_FAILED)" in shouted
        hostile = next(line for line in lines if "#12" in line)
        assert "⊘ CANCELLED" in hostile and "(stored state Cancelled" in hostile
        assert "\r" not in hostile and "— stopped" in hostile
        plain = next(line for line in lines if "#13" in line)
        assert "stored state" not in plain
