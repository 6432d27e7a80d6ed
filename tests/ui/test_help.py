"""The help screen lists the current screen's keys first and filters as you type; no key is
claimed twice on one screen; the command palette offers the operator's actions only."""

from __future__ import annotations

from collections import defaultdict

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review
from textual.dom import DOMNode
from textual.pilot import Pilot

from screens.confirm import ConfirmRedriveScreen
from screens.help import EVERYWHERE, HelpScreen
from screens.logs import LogScreen
from screens.outcome import OutcomeScreen
from screens.review import ReviewScreen
from screens.triage import TriageScreen

SIZE = (160, 48)


def _keys_by_binding_id(app, screen) -> dict[str, set[str]]:
    """key -> the ids of the bindings that claim it on ``screen`` (the app's included), with
    the keymap applied: the keys one press could mean."""
    claims: dict[str, set[str]] = defaultdict(set)
    nodes: list[DOMNode] = [app, screen, *screen.query("*")]
    for node in nodes:
        for key, bindings in node._bindings.key_to_bindings.items():
            for binding in bindings:
                if binding.id:
                    claims[key].add(binding.id)
    return claims


async def _open_review(pilot: Pilot) -> ReviewScreen:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_no_key_is_claimed_by_two_bindings_on_any_screen() -> None:
    """The review's l (logs) and the diff pane's l (scroll right) were both bound: help listed
    l twice and one of them could never fire."""
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screens = [app.screen]
        app.push_screen(LogScreen(app.service, "apply-0001"))
        await settle(pilot)
        screens.append(app.screen)
        await pilot.press("escape")
        screens.append(await _open_review(pilot))
        app.push_screen(ConfirmRedriveScreen(review, read_only=False))
        await pilot.pause()
        screens.append(app.screen)
        app.pop_screen()
        outcome = OutcomeScreen(app.service, review, operator="me", force=True, poll_seconds=3600)
        app.push_screen(outcome)
        await settle(pilot)
        screens.append(app.screen)
        await pilot.press("question_mark")
        await pilot.pause()
        screens.append(app.screen)
        assert [type(s) for s in screens] == [
            TriageScreen, LogScreen, ReviewScreen, ConfirmRedriveScreen, OutcomeScreen, HelpScreen,
        ]  # fmt: skip
        for screen in screens:
            claims = _keys_by_binding_id(app, screen)
            twice = {key: ids for key, ids in claims.items() if len(ids) > 1}
            assert not twice, (type(screen).__name__, twice)


def _help_rows(app) -> list[tuple[str, str, str, str]]:
    table = app.screen.query_one("#help-table")
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def test_help_from_the_review_lists_its_keys_first_and_l_once() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_review(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        scopes = [row.scope for row in screen.shown_rows()]
        current = [row for row in screen.shown_rows() if row.current]
        assert {row.scope for row in current} == {"review", "diff pane"}
        assert scopes[: len(current)] == [row.scope for row in current]
        everywhere = scopes.count(EVERYWHERE)
        assert scopes[len(current) : len(current) + everywhere] == [EVERYWHERE] * everywhere
        l_keys = [row for row in current if "l" in row.keys.split(" / ")]
        assert [(row.scope, row.binding_id) for row in l_keys] == [("review", "review.logs")]
        assert _help_rows(app)[0][0] == "review"


async def test_help_from_the_list_starts_with_its_keys_and_the_list_keys() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        current = {row.scope for row in app.screen.shown_rows() if row.current}
        assert current == {"failed applies", "lists"}
        assert _help_rows(app)[0][3] == "triage.review"


async def test_typing_filters_help_by_key_action_or_id_and_escape_clears_then_closes() -> None:
    app = build_app(keymap={"triage.refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", *"logs")
        screen = app.screen
        assert isinstance(screen, HelpScreen) and app.focused.id == "help-filter"
        rows = _help_rows(app)
        assert rows and all("log" in (row[2] + row[3]).lower() for row in rows)
        assert {row[3] for row in rows} >= {"triage.logs", "review.logs", "outcome.logs"}
        status = str(screen.query_one("#help-status").render())
        assert status.startswith(f"{len(rows)} of {len(screen.rows)} keys match 'logs'")
        await pilot.press("escape")
        assert app.focused.value == "" and len(_help_rows(app)) == len(screen.rows)
        await pilot.press(*"f5")  # by the effective key
        assert [row[3] for row in _help_rows(app)] == ["triage.refresh"]
        await pilot.press("escape", *"zzz")
        assert _help_rows(app) == []
        assert "No key matches 'zzz'" in str(screen.query_one("#help-status").render())
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, TriageScreen)


async def test_arrows_move_through_help_while_typing() -> None:
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark", "down", "down")
        table = app.screen.query_one("#help-table")
        assert table.cursor_row == 2 and app.focused.id == "help-filter"
        await pilot.press("pagedown")
        assert table.cursor_row > 2
        await pilot.press("pageup")
        assert table.cursor_row == 2
        await pilot.press("up", "pageup")
        assert table.cursor_row == 0


# -- command palette ---------------------------------------------------------------------------


async def test_the_palette_offers_only_the_operators_actions() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        for internal in ("Keys", "Screenshot", "Maximize", "Minimize", "Bell"):
            assert internal not in titles
        assert titles.count("Quit") == 1 and titles.count("Theme") == 1
        for hidden in ("Down", "Up", "First row", "Last row", "Clear filter"):
            assert hidden not in titles  # navigation keys stay in help, not the palette
        assert {"Review", "Any age", "Next match", "Help", "Theme"} <= set(titles)
        assert all(" · " in command.help for command in commands)
        ids = {command.help.rsplit(" · ", 1)[1] for command in commands}
        assert "app.theme" in ids and "triage.any-age" in ids
        assert all(binding_id.count(".") == 1 for binding_id in ids)


async def test_the_palette_of_the_review_runs_its_actions() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await _open_review(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert {"Redrive…", "Logs", "Next change", "Split/unified"} <= set(commands)
        assert "Right" not in commands
        commands["Logs"].callback()
        await settle(pilot)
        assert isinstance(app.screen, LogScreen)


# -- snapshots ---------------------------------------------------------------------------------


def test_snapshot_help_from_the_review_filtered(snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _open_review(pilot)
        await pilot.press("question_mark", *"change")
        await pilot.pause()

    assert snap_compare(build_app(), terminal_size=(100, 30), run_before=run_before)
