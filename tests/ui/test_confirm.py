"""Pilot tests of the confirm modal: Cancel by default, another key confirms, typed force."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import make_review
from textual.widgets import Button

from screens.confirm import ConfirmRedriveScreen, ConfirmResult

SIZE = (120, 40)


async def _open(pilot, review, *, read_only: bool = False) -> list[ConfirmResult | None]:
    results: list[ConfirmResult | None] = []
    await settle(pilot)
    pilot.app.push_screen(ConfirmRedriveScreen(review, read_only=read_only), results.append)
    await pilot.pause()
    return results


async def test_enter_cancels_because_cancel_has_the_focus() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await _open(pilot, make_review())
        assert app.focused.id == "cancel"
        await pilot.press("enter")
        assert results == [None]


async def test_ctrl_r_confirms_without_force() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await _open(pilot, make_review())
        text = str(app.screen.query_one("#confirm-changes").render())
        assert "2 tasks and 1 operation to failed_retryable" in text
        assert "attempt 10 of 10 -> 0 of 10" in text
        assert "acquire the database lock as cli:operator@console" in text
        await pilot.press("ctrl+r")
        assert results == [ConfirmResult(force=False)]


async def test_force_needs_the_exact_database_name() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        results = await _open(pilot, review)
        warning = str(app.screen.query_one("#lock-warning Static").render())
        assert "github:bob" in warning and "held for 1h35m" in warning
        await pilot.press("ctrl+r", "f9")
        assert results == []
        assert app.screen.query_one("#confirm", Button).disabled
        await pilot.click("#force-name")
        await pilot.press(*"Orders", "enter")  # wrong case; enter never confirms
        await pilot.press("ctrl+r")
        assert results == []
        await pilot.press(*["backspace"] * 6, *"orders")
        assert not app.screen.query_one("#confirm", Button).disabled
        await pilot.press("f9")
        assert results == [ConfirmResult(force=True)]


async def test_read_only_never_confirms() -> None:
    app = build_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        results = await _open(pilot, make_review(), read_only=True)
        assert app.screen.query_one("#confirm", Button).disabled
        assert "READ-ONLY" in str(app.screen.query_one("#confirm-blocked").render())
        await pilot.press("ctrl+r")
        await pilot.click("#confirm")
        assert results == []
        await pilot.press("escape")
        assert results == [None]


async def test_force_opens_in_the_name_field_and_a_wrong_name_does_not_match() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        results = await _open(pilot, review)
        assert app.focused.id == "force-name"
        await pilot.press(*"ordres", "enter")  # typed straight away, as the prompt asks
        blocked = str(app.screen.query_one("#confirm-blocked").render())
        assert "'ordres' does not match the database name 'orders'" in blocked
        await pilot.press("ctrl+r")
        assert results == []
        await pilot.press(*["backspace"] * 6, *"orders")
        assert "does not match" not in str(app.screen.query_one("#confirm-blocked").render())
        assert not app.screen.query_one("#confirm", Button).disabled
        await pilot.press("enter")  # enter still never confirms
        assert results == []
        await pilot.press("ctrl+r")
        assert results == [ConfirmResult(force=True)]


async def test_force_modal_fits_80x24_and_keeps_the_focused_control_in_view() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, review)
        dialog = app.screen.query_one("#confirm-dialog")
        assert dialog.region.bottom <= 24 and dialog.region.y >= 0
        for _ in range(3):
            focused = app.focused
            assert dialog.region.contains_region(focused.region), focused
            await pilot.press("tab")
            await pilot.pause()
