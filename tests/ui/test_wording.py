"""Wording found wrong: task counts that left out stopped and pending rows, the lock owner of a
refused redrive, the outcome headline lagging its state line."""

from __future__ import annotations

from dataclasses import replace

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review, make_task, make_triage_row

from screens.outcome import OutcomeScreen
from screens.review import ReviewScreen
from screens.widgets.state_counts import state_counts, task_counts_cell
from services.redrive.model import TaskCounts

SIZE = (120, 40)


def test_state_counts_name_every_state_and_add_up() -> None:
    states = ["completed", "FAILED", "stopped", "pending", "pending", "checksumming", "x\x1b["]
    assert state_counts(states) == (
        "1 completed · 1 failed · 0 cancelled · 1 stopped · 2 pending · 1 checksumming · "
        "1 x\\x1b[ · 7 total"
    )
    assert state_counts(["completed", "failed"]) == "1 completed · 1 failed · 0 cancelled · 2 total"


def test_the_triage_cell_names_stopped_pending_and_other_rows() -> None:
    counts = TaskCounts(failed=1, cancelled=1, completed=1, stopped=1, pending=2, other=1, total=7)
    assert task_counts_cell(counts) == "1/7 failed, 1 cancelled, 1 stopped, 2 pending, 1 other"
    assert task_counts_cell(TaskCounts(failed=1, completed=1, total=2)) == "1/2 failed"


async def test_the_triage_list_shows_them() -> None:
    row = make_triage_row()
    row = replace(row, tasks=TaskCounts(failed=1, completed=1, stopped=1, pending=2, total=5))
    app = build_app(FakeConsoleService((row,)))
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        cell = app.screen.table.get_cell(row.key, "tasks")
        assert str(cell) == "1/5 failed, 1 stopped, 2 pending"


async def test_the_review_breakdown_counts_stopped_and_pending_tasks() -> None:
    review = make_review()
    tasks = (
        *review.tasks,
        make_task(14, "refunds", "stopped"),
        make_task(15, "ledger", "pending"),
    )
    review = replace(review, tasks=tasks)
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        text = str(app.screen.query_one("#review-tasks").render())
        assert (
            "Tasks: 1 completed · 2 failed · 0 cancelled · 1 stopped · 1 pending · 5 total" in text
        )
        assert "Operations: 1 completed · 1 failed · 0 cancelled · 2 total" in text


async def _outcome(pilot, service, review, *, force: bool = False) -> OutcomeScreen:
    await settle(pilot)
    screen = OutcomeScreen(service, review, operator="cli:operator@console", force=force)
    screen.poll_seconds = 3600  # polls are driven by hand
    pilot.app.push_screen(screen)
    await settle(pilot)
    return screen


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def test_the_outcome_headline_and_state_line_come_from_the_same_read() -> None:
    service = FakeConsoleService(progress_states=("failed_retryable", "running"))
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _outcome(pilot, service, make_review())
        assert screen.states_seen == ["failed_retryable"]
        assert "is failed_retryable; SchemaBot will retry" in _text(screen, "#outcome-banner")
        screen.action_poll()
        await settle(pilot)
        watch = _text(screen, "#outcome-watch")
        assert watch.startswith("apply state: failed_retryable -> running")
        banner = _text(screen, "#outcome-banner")
        assert "is now running" in banner and "failed_retryable" not in banner
        # the counts of that same read: the reopened tasks are pending again
        assert "tasks: 1 completed · 0 failed · 0 cancelled · 2 pending · 3 total" in watch


async def test_a_refused_redrive_names_the_lock_owner_as_read_again() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    service = FakeConsoleService(lock_owners_now={"apply-0001": "github:carol"})
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _outcome(pilot, service, review, force=True)
        assert screen.outcome is not None and not screen.outcome.redriven
        details = _text(screen, "#outcome-details")
        assert details.startswith("lock owner now: github:carol (as the refused redrive read")
        assert "github:bob" not in details and "previous owner" not in details
