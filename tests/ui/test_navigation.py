"""Keys people already know: j/k, g/G, ctrl+d/ctrl+u in every list, ctrl+c quits, m explains."""

from __future__ import annotations

from dataclasses import replace

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review, make_triage_row, many_rows
from textual import events

from screens.confirm import ConfirmRedriveScreen
from screens.help import HelpScreen
from screens.logs import LogScreen
from screens.triage import TriageScreen

SIZE = (120, 30)


async def test_vi_keys_move_the_cursor_in_the_triage_list() -> None:
    app = build_app(FakeConsoleService(many_rows(150)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.table
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("ctrl+d")
        paged = table.cursor_row
        assert paged > 10
        await pilot.press("ctrl+u")
        assert table.cursor_row < paged
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_vi_keys_in_the_log_and_help_lists() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)
        await pilot.press("j", "j")
        assert app.focused.cursor_row == 2
        await pilot.press("g")
        assert app.focused.cursor_row == 0
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("tab", "G")  # typing goes to the help filter; tab reaches the list
        assert app.focused.cursor_row == app.focused.row_count - 1


async def test_ctrl_c_quits_even_from_the_filter_box() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"bill")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_m_says_when_nothing_more_is_left() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await pilot.pause()
        messages = [note.message for note in app._notifications]
        assert any("Nothing more to load" in message for message in messages)


async def test_one_failed_apply_is_singular() -> None:
    app = build_app(FakeConsoleService((make_triage_row("apply-0001"),)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        status = str(screen.query_one("#triage-status").render())
        assert status.startswith("1 failed apply inside the redrive window ·")


async def test_confirm_does_not_claim_to_reset_a_budget_already_at_zero() -> None:
    review = make_review()
    review = replace(review, apply=replace(review.apply, attempt=0))
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(ConfirmRedriveScreen(review, read_only=False))
        await pilot.pause()
        changes = str(app.screen.query_one("#confirm-changes").render())
        assert "0 of 10 -> 0 of 10" not in changes
        assert "its retry budget stays at 0 of 10" in changes


async def test_a_paste_over_the_list_goes_to_the_filter() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        app.focused.post_message(events.Paste("billing\n"))  # as the terminal sends it
        await pilot.pause()
        assert app.focused.id == "triage-filter" and app.focused.value == "billing"
        assert [row.apply_id for row in screen.visible_rows()] == ["apply-0002"]


def _burst(app, text: str) -> None:
    """Queue ``text`` as key events all at once, as a terminal does for a fast typist or a
    paste without bracketed paste (Pilot's ``press`` waits for idle between keys)."""
    for character in text:
        key = "slash" if character == "/" else character
        app.post_message(events.Key(key, character))


async def test_keys_typed_right_after_slash_go_to_the_filter() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        _burst(app, "/bill")  # "l" alone opens the logs, "b" and "i" would be lost
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert app.focused.id == "triage-filter" and app.focused.value == "bill"
        assert [row.apply_id for row in screen.visible_rows()] == ["apply-0002"]


async def test_a_slash_typed_in_the_filter_is_filter_text() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "a", "slash", "b")
        assert app.focused.id == "triage-filter" and app.focused.value == "a/b"


def _notes(app) -> list[str]:
    return [note.message for note in app._notifications]


def _cursor_id(app) -> str | None:
    return app.screen.highlighted_id()


async def test_n_and_shift_n_walk_the_matches_of_the_last_search() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"production", "escape")  # the search outlives the filter
        screen = app.screen
        assert screen.text_filter == "" and screen.table.row_count == 4
        assert _cursor_id(app) == "apply-0001"
        await pilot.press("n")
        assert _cursor_id(app) == "apply-0003"  # apply-0002 is in staging
        await pilot.press("n")
        assert _cursor_id(app) == "apply-0004"
        await pilot.press("n")
        assert _cursor_id(app) == "apply-0001"
        assert "Search wrapped to the top." in _notes(app)
        await pilot.press("N")
        assert _cursor_id(app) == "apply-0004"
        await pilot.press("N", "N")
        assert _cursor_id(app) == "apply-0001"


async def test_n_says_so_when_nothing_matches_or_nothing_was_searched() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert any(note.startswith("No search yet") for note in _notes(app))
        await pilot.press("slash", *"nowhere", "escape", "j", "n")
        assert "No listed failed apply matches 'nowhere'." in _notes(app)
        assert _cursor_id(app) == "apply-0002"  # the cursor did not move


async def test_n_inside_a_filtered_list_steps_through_the_matching_rows() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"production", "enter")
        assert app.screen.table.row_count == 3
        await pilot.press("n", "n")
        assert _cursor_id(app) == "apply-0004"
