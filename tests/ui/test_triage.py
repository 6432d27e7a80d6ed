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
        "triage.sort",
        "triage.refresh",
        "triage.more",
        "triage.logs",
        "triage.copy-id",
        "triage.next-match",
        "triage.previous-match",
    ]
