"""The review's task breakdown counts the settled rows a big apply's read carries as ids only."""

from __future__ import annotations

from dataclasses import replace

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review

from screens.review import ReviewScreen
from services.domain.models import SettledRows

SIZE = (120, 40)


async def test_settled_tasks_and_operations_are_counted_as_completed() -> None:
    review = make_review()
    settled = SettledRows(drive_task_ids=(101, 102, 103), reflected_task_ids=(104,),
                          operation_ids=(201, 202))  # fmt: skip
    review = replace(review, settled=settled)
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        text = str(app.screen.query_one("#review-tasks").render())
        # make_review: 1 completed and 2 failed drive tasks, 1 completed and 1 failed operation;
        # the reflected settled row is not a drive row and is not counted
        assert "Tasks: 4 completed · 2 failed · 0 cancelled · 6 total" in text
        assert "Operations: 3 completed · 1 failed · 0 cancelled · 4 total" in text


async def test_operations_that_are_all_settled_still_show_their_count() -> None:
    review = make_review()
    review = replace(
        review,
        operations=(),
        settled=SettledRows(operation_ids=(201, 202)),
        reopen_operation_ids=(),
    )
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = str(app.screen.query_one("#review-tasks").render())
        assert "Operations: 2 completed · 0 failed · 0 cancelled · 2 total" in text
