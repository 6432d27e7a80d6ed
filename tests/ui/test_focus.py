"""Keyboard focus and the highlighted apply survive every reload, filter, sort and screen return.

Each path asserts both: the table still has the focus (so the next ↑/↓ moves the cursor) and
the cursor is on the same apply id, or on the nearest remaining row when that apply is gone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from conftest import build_app, settle
from fake_service import FakeConsoleService
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.logs import LogScreen
from screens.outcome import OutcomeScreen
from screens.review import ReviewScreen
from screens.triage import TriageScreen, cursor_target

SIZE = (80, 24)


def _triage(pilot: Pilot) -> TriageScreen:
    screen = pilot.app.screen
    assert isinstance(screen, TriageScreen)
    return screen


def _assert_table_has_focus_on(pilot: Pilot, apply_id: str) -> None:
    screen = _triage(pilot)
    assert isinstance(pilot.app.focused, DataTable) and pilot.app.focused.id == "triage-table"
    assert screen.highlighted_id() == apply_id


async def _press_and_settle(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def _auto_refresh(pilot: Pilot) -> None:
    _triage(pilot)._refresh_tick()  # what the 15 s interval timer calls
    await settle(pilot)


async def _refresh_key(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "r")


async def _environment_filter_on_and_off(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "e")
    await _press_and_settle(pilot, "e")


async def _database_filter_on_and_off(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "d")
    await _press_and_settle(pilot, "d")


async def _sort_by_database(pilot: Pilot) -> None:
    for _ in range(2):  # oldest first, then database: apply-0002 (billing) moves to the top
        await _press_and_settle(pilot, "s")


async def _text_filter_then_clear(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "slash", *"apply-000")
    await _press_and_settle(pilot, "enter")
    await _press_and_settle(pilot, "escape")


async def _logs_and_back(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "r")  # as reported: a reload, then the logs, then escape
    await _press_and_settle(pilot, "l")
    assert isinstance(pilot.app.screen, LogScreen)
    await _press_and_settle(pilot, "escape")


async def _review_and_back(pilot: Pilot) -> None:
    await _press_and_settle(pilot, "enter")
    assert isinstance(pilot.app.screen, ReviewScreen)
    await _press_and_settle(pilot, "escape")


PATHS: dict[str, Callable[[Pilot], Awaitable[None]]] = {
    "auto refresh": _auto_refresh,
    "r": _refresh_key,
    "e twice": _environment_filter_on_and_off,
    "d twice": _database_filter_on_and_off,
    "sort": _sort_by_database,
    "text filter": _text_filter_then_clear,
    "logs then escape": _logs_and_back,
    "review then escape": _review_and_back,
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_focus_and_cursor_survive(path: str) -> None:
    app = build_app(FakeConsoleService())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down")
        _assert_table_has_focus_on(pilot, "apply-0002")
        await PATHS[path](pilot)
        _assert_table_has_focus_on(pilot, "apply-0002")
        await pilot.press("down")  # the keys still reach the table
        assert _triage(pilot).highlighted_id() != "apply-0002"


async def test_focus_and_cursor_survive_the_return_from_an_outcome() -> None:
    app = build_app(FakeConsoleService())
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await _press_and_settle(pilot, "enter")  # apply-0001: redrivable, lock free
        await _press_and_settle(pilot, "c")
        await _press_and_settle(pilot, "ctrl+r")
        assert isinstance(app.screen, OutcomeScreen)
        await _press_and_settle(pilot, "escape")
        _assert_table_has_focus_on(pilot, "apply-0001")


async def test_cursor_moves_to_the_nearest_row_when_its_apply_is_gone() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        _assert_table_has_focus_on(pilot, "apply-0003")
        service.rows = tuple(row for row in service.rows if row.apply_id != "apply-0003")
        await _auto_refresh(pilot)
        _assert_table_has_focus_on(pilot, "apply-0004")
        service.rows = service.rows[:2]  # the last row went: the one above it
        await _refresh_key(pilot)
        _assert_table_has_focus_on(pilot, "apply-0002")


def test_cursor_target_rules() -> None:
    assert cursor_target(["a", "b", "c"], "b", ["c", "b"]) == 1
    assert cursor_target(["a", "b", "c"], "b", ["a", "c"]) == 1
    assert cursor_target(["a", "b", "c"], "c", ["a", "b"]) == 1
    assert cursor_target(["a", "b"], "b", ["x", "y", "z"]) == 1
    assert cursor_target(["a"], "a", []) is None
