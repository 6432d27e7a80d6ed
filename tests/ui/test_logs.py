"""Pilot tests of the log view: newest first, literal messages, reload."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService

from screens.logs import LogScreen

SIZE = (140, 30)


async def test_log_messages_are_literal_and_reload_asks_again() -> None:
    service = FakeConsoleService()
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LogScreen)
        table = screen.query_one("#log-table")
        assert table.row_count == 4
        message = table.get_row_at(1)[4]
        assert message.plain == "task orders: copy failed [red]x[/red] \\x1b[31mboom"
        assert not message.spans
        assert table.get_row_at(0)[1].plain == "✘ ERROR"
        await pilot.press("r")
        await settle(pilot)
        assert len(service.calls_to("apply_logs")) == 2
        await pilot.press("escape")
        assert not isinstance(app.screen, LogScreen)
