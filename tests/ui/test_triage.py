"""Pilot tests of the triage list: paging, filters, sort, gentle refresh, literal rendering."""

from __future__ import annotations

from dataclasses import replace

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_triage_row, many_rows, sample_rows

from screens.logs import LogScreen
from screens.messages import FailedAppliesLoaded
from screens.review import ReviewScreen
from screens.triage import PAGE_SIZE, TriageScreen
from services.domain.errors import StorageUnavailableError

SIZE = (160, 40)


def _ids(screen: TriageScreen) -> list[str]:
    """The apply ids of the table's rows, in display order."""
    by_key = {row.key: row.apply_id for row in screen.rows}
    return [by_key[row_key.value] for row_key in screen.table.rows]


def _cell(screen: TriageScreen, apply_id: str, column: str):
    """The cell of the (one) loaded row of ``apply_id``."""
    (key,) = [row.key for row in screen.rows if row.apply_id == apply_id]
    return screen.table.get_cell(key, column)


async def test_first_page_only_then_more_on_demand() -> None:
    service = FakeConsoleService(many_rows(450))
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert screen.table.row_count == PAGE_SIZE
        assert [kw["limit"] for _, kw in service.calls_to("list_failed")] == [PAGE_SIZE]
        await pilot.press("ctrl+end")  # the cursor nears the end of what is loaded
        await settle(pilot)
        assert screen.table.row_count == 2 * PAGE_SIZE
        await pilot.press("m")
        await settle(pilot)
        assert screen.table.row_count == 450
        assert screen.next_cursor is None
        cursors = [kw["cursor"] for _, kw in service.calls_to("list_failed")]
        assert cursors == [None, "200", "400"]


async def test_refresh_updates_cells_in_place_and_keeps_the_cursor() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down", "down")
        assert screen.highlighted_id() == "apply-0003"
        rows = list(service.rows)
        rows[2] = replace(rows[2], attempt=7)
        service.rows = tuple(rows)
        await pilot.press("r")
        await settle(pilot)
        assert screen.highlighted_id() == "apply-0003"
        assert _cell(screen, "apply-0003", "attempt").plain == "7/10"
        # A newly failed apply arrives on top: the cursor stays on the same apply.
        service.rows = (make_triage_row("apply-0009", failed_minutes_ago=1), *rows)
        screen.request_reload(keep_loaded=True)
        await settle(pilot)
        assert _ids(screen)[0] == "apply-0009"
        assert screen.highlighted_id() == "apply-0003"


async def test_filter_as_you_type_then_clear() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("slash", *"deadlock")
        assert _ids(screen) == ["apply-0002"]
        await pilot.press("escape")
        assert len(_ids(screen)) == 4
        assert screen.focused is screen.table


async def test_environment_and_database_filters_ask_the_service() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("down", "e")  # apply-0002 is in staging
        await settle(pilot)
        assert _ids(screen) == ["apply-0002"]
        assert service.calls_to("list_failed")[-1][1]["environment"] == "staging"
        await pilot.press("e", "d")  # drop the environment, keep only database billing
        await settle(pilot)
        last = service.calls_to("list_failed")[-1][1]
        assert (last["environment"], last["database"]) == (None, "billing")
        assert _ids(screen) == ["apply-0002"]


async def test_sort_cycles_through_orders() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert _ids(screen) == ["apply-0001", "apply-0002", "apply-0003", "apply-0004"]
        await pilot.press("s")  # oldest first
        assert _ids(screen) == ["apply-0003", "apply-0002", "apply-0001", "apply-0004"]
        await pilot.press("s")  # database
        assert _ids(screen) == ["apply-0002", "apply-0004", "apply-0001", "apply-0003"]


async def test_markup_and_escape_sequences_render_literally() -> None:
    hostile = "[red]x[/red] \x1b[31mboom\x1b[0m"
    service = FakeConsoleService((make_triage_row("apply-[b]1[/b]", error=hostile),))
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        id_cell = _cell(screen, "apply-[b]1[/b]", "id")
        assert id_cell.plain == "apply-[b]1[/b]"
        error_cell = _cell(screen, "apply-[b]1[/b]", "error")
        assert error_cell.plain.startswith("[red]x[/red] \\x1b[3")
        assert "\x1b" not in error_cell.plain
        assert all("red" not in str(span.style) for span in error_cell.spans)
        detail = str(screen.query_one("#triage-detail").render())
        assert "[red]x[/red] \\x1b[31mboom\\x1b[0m" in detail
        screenshot = app.export_screenshot()
        assert "[red]x[/red]" in screenshot.replace("&#160;", " ")


async def test_enter_opens_review_and_l_opens_logs_and_y_copies() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogScreen)
        await pilot.press("escape")
        await pilot.press("y")
        assert app.clipboard == "apply-0002"
        assert any("apply-0002" in note.message for note in app._notifications)


async def test_lost_connection_is_one_inline_line_and_r_recovers() -> None:
    service = FakeConsoleService()
    service.fail_next["list_failed"] = StorageUnavailableError("Lost connection to MySQL server")
    messages: list[object] = []
    app = build_app(service)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)  # no modal
        status = str(app.screen.query_one("#triage-status").render())
        assert "STORAGE UNREACHABLE: network or server down" in status
        assert "Lost connection to MySQL server" in status and "retrying in 5 s" in status
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.table.row_count == len(sample_rows())
        assert any(isinstance(message, FailedAppliesLoaded) for message in messages)


async def test_empty_state_explains_itself() -> None:
    app = build_app(FakeConsoleService(rows=()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = app.screen.query_one("#triage-empty")
        assert empty.display
        assert "nothing to redrive" in str(empty.render())


async def test_refresh_keeps_the_scroll_position() -> None:
    service = FakeConsoleService(many_rows(120))
    app = build_app(service)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        scroll_y, cursor = screen.table.scroll_y, screen.highlighted_id()
        assert scroll_y > 0
        rows = list(service.rows)
        rows[0] = replace(rows[0], attempt=3)
        service.rows = (make_triage_row("apply-new", failed_minutes_ago=0), *rows)
        await pilot.press("r")
        await settle(pilot)
        assert _cell(screen, "apply-00000", "attempt").plain == "3/10"
        assert (screen.table.scroll_y, screen.highlighted_id()) == (scroll_y, cursor)


def test_triage_bindings_have_ids() -> None:
    """Every triage key is a Binding with an id (remappable, listed in help); adding one
    updates this list deliberately."""
    assert [binding.id for binding in TriageScreen.BINDINGS] == [  # type: ignore[union-attr]
        "triage.review",
        "triage.filter",
        "triage.clear-filter",
        "triage.environment",
        "triage.database",
        "triage.any-age",
        "triage.sort",
        "triage.refresh",
        "triage.more",
        "triage.logs",
        "triage.copy-id",
        "triage.next-match",
        "triage.previous-match",
    ]


def _status(screen: TriageScreen) -> str:
    return str(screen.query_one("#triage-status").render())


def _older(*apply_ids: str):
    return tuple(
        make_triage_row(
            apply_id,
            failed_minutes_ago=60 * 72,
            redrivable=False,
            reason="failed outside the redrive window; create a new apply instead",
        )
        for apply_id in apply_ids
    )


async def test_any_age_toggle_lists_older_failures_and_says_which_window() -> None:
    service = FakeConsoleService(sample_rows(), older_rows=_older("apply-0900", "apply-0901"))
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.table.row_count == 4
        assert _status(screen).startswith("4 failed applies inside the redrive window · ")
        assert "2 older failed applies hidden — press a for any age" in _status(screen)
        assert service.calls_to("count_older_failed") == [
            ((), {"environment": None, "database": None})
        ]
        await pilot.press("a")
        await settle(pilot)
        assert service.calls_to("list_failed")[-1][1]["include_all"] is True
        assert _ids(screen)[-2:] == ["apply-0900", "apply-0901"]
        assert _status(screen).startswith("6 failed applies of any age · ")
        assert "hidden" not in _status(screen)
        assert len(service.calls_to("count_older_failed")) == 1  # nothing is hidden now
        await pilot.press("a")
        await settle(pilot)
        assert screen.table.row_count == 4 and "2 older failed applies hidden" in _status(screen)


async def test_no_hint_when_the_window_hides_nothing() -> None:
    app = build_app(FakeConsoleService(sample_rows()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "inside the redrive window" in _status(app.screen)
        assert "hidden" not in _status(app.screen)


async def test_the_older_count_follows_the_filters_and_the_keymap() -> None:
    older = (*_older("apply-0900"), replace(_older("apply-0901")[0], environment="staging"))
    service = FakeConsoleService(sample_rows(), older_rows=older)
    app = build_app(service, keymap={"triage.any-age": "f6"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "2 older failed applies hidden — press f6 for any age" in _status(app.screen)
        await pilot.press("e")  # the highlighted apply-0001 is in production
        await settle(pilot)
        assert service.calls_to("count_older_failed")[-1][1]["environment"] == "production"
        assert "1 older failed apply hidden — press f6 for any age" in _status(app.screen)


async def test_an_empty_window_points_at_the_older_failures() -> None:
    app = build_app(FakeConsoleService((), older_rows=_older("apply-0900")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        empty = str(app.screen.query_one("#triage-empty").render())
        assert "1 older failed apply hidden — press a for any age." in empty
        await pilot.press("m")
        await pilot.pause()
        notes = [note.message for note in app._notifications]
        assert (
            "Nothing more to load: every failed apply inside the redrive window is listed. "
            "1 older failed apply hidden — press a for any age." in notes
        )
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.table.row_count == 1


async def test_a_failed_older_count_does_not_break_the_list() -> None:
    service = FakeConsoleService(sample_rows(), older_rows=_older("apply-0900"))
    service.fail_next["count_older_failed"] = StorageUnavailableError("storage unreachable: x")
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.table.row_count == 4 and "hidden" not in _status(app.screen)
        await pilot.press("r")
        await settle(pilot)
        assert "1 older failed apply hidden" in _status(app.screen)
