"""The triage table on narrow terminals: low-value columns give way, the verdict and lock stay."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_triage_row, sample_rows

from screens.triage import COLUMN_PRIORITY, COLUMNS, TriageScreen, columns_that_fit
from screens.widgets.console_header import BADGE, SHORT_BADGE, ConsoleHeader

LONG_OWNER = "github:a-very-long-automation-account-name[bot]"


def _rows_with_a_long_lock_owner():
    return (
        *sample_rows(),
        make_triage_row(
            "apply-0005", database="ledger", lock_owner=LONG_OWNER, lock_held_minutes=3
        ),
    )


async def test_at_80_columns_redrivable_and_lock_owner_stay_visible() -> None:
    app = build_app(FakeConsoleService(_rows_with_a_long_lock_owner()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        shown = [column.key.value for column in screen.table.columns.values()]
        assert {"id", "redrivable", "lock"} <= set(shown)
        assert len(shown) < len(COLUMNS)
        assert screen.table.virtual_size.width <= 80
        key = next(row.key for row in screen.rows if row.apply_id == "apply-0005")
        lock = screen.table.get_cell(key, "lock").plain
        assert lock.startswith("github:a-very-lon") and "…" in lock and LONG_OWNER not in lock


async def test_widening_the_terminal_brings_the_columns_back_keeping_the_cursor() -> None:
    app = build_app(FakeConsoleService(_rows_with_a_long_lock_owner()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        narrow = len(app.screen.table.columns)
        await pilot.resize_terminal(200, 40)
        await settle(pilot)
        screen = app.screen
        shown = {column.key.value for column in screen.table.columns.values()}
        assert len(shown) > narrow and {"deployment", "error", "tasks", "failed"} <= shown
        assert screen.highlighted_id() == "apply-0003" and app.focused is screen.table


def _in_table_order(keys: set[str]) -> tuple[str, ...]:
    return tuple(key for key, _, _ in COLUMNS if key in keys)


def test_columns_that_fit_by_priority_in_table_order() -> None:
    widths = {key: 10 for key, _, _ in COLUMNS}  # 12 cells each with the padding
    first, second, third, fourth = COLUMN_PRIORITY[:4]
    assert first == "id"
    assert columns_that_fit(widths, 36) == _in_table_order({first, second, third})
    assert columns_that_fit(widths, 5) == ("id",)
    widths[second] = 40  # too wide for the gap: smaller, less important ones fill it
    assert columns_that_fit(widths, 36) == _in_table_order({first, third, fourth})


async def test_at_80_columns_the_read_only_badge_is_whole_and_the_title_gives_way() -> None:
    app = build_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = app.screen.query_one(ConsoleHeader)
        shown = str(header.render())
        assert shown.endswith(BADGE) and "…" in shown, shown
        assert len(shown) <= header.content_size.width
        await pilot.resize_terminal(44, 24)
        await settle(pilot)
        shown = str(header.render())
        assert shown.endswith(SHORT_BADGE) and len(shown) <= header.content_size.width, shown


def test_a_header_that_fits_is_not_cut() -> None:
    header = ConsoleHeader("failed applies", operator="ops", read_only=True)
    assert header.header_text(200).plain == header.header_text().plain
    assert "…" not in header.header_text(200).plain
