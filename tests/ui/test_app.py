"""The shell: keymap, help from bindings, command palette, themes, read-only, clipboard."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest
from conftest import build_app, settle
from fake_service import FakeConsoleService

from app.cli import build_parser
from app.commands.ui import LazyService
from screens.clipboard import osc52
from screens.help import HelpScreen
from screens.triage import TriageScreen
from services.domain.errors import StorageUnavailableError

SIZE = (160, 40)


async def test_keymap_override_moves_a_binding() -> None:
    service = FakeConsoleService()
    app = build_app(service, keymap={"triage.refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(service.calls_to("list_failed"))
        await pilot.press("r")
        await settle(pilot)
        assert len(service.calls_to("list_failed")) == before
        await pilot.press("f5")
        await settle(pilot)
        assert len(service.calls_to("list_failed")) == before + 1


async def test_help_is_generated_from_the_bindings_with_effective_keys() -> None:
    app = build_app(keymap={"triage.refresh": "f5"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        cells = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        rows = {row[3]: row for row in cells}
        declared = {
            binding.id for _, bindings in app.binding_scopes() for binding in bindings if binding.id
        }
        assert declared == set(rows)
        assert rows["triage.refresh"][1] == "f5"
        assert rows["confirm.redrive"][1] == "^r / f9"
        await pilot.press("escape")
        assert isinstance(app.screen, TriageScreen)


async def test_every_screen_action_is_in_the_command_palette() -> None:
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for description in ("Review", "Filter", "Refresh", "Sort", "Logs", "Copy id", "Help"):
            assert description in titles
        refresh = next(c for c in app.get_system_commands(app.screen) if c.title == "Refresh")
        assert "triage.refresh" in refresh.help
        before = len(app.service.calls_to("list_failed"))
        refresh.callback()
        await settle(pilot)
        assert len(app.service.calls_to("list_failed")) == before + 1


@pytest.mark.parametrize("theme", ["ansi-dark", "ansi-light", "textual-light"])
async def test_themes_for_16_colour_and_light_terminals(theme: str) -> None:
    app = build_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == theme
        assert app.screen.table.row_count == 4


async def test_read_only_is_visible_and_carried_to_the_review() -> None:
    app = build_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = str(app.screen.query_one("#console-header").render())
        assert "READ-ONLY" in header
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.read_only is True


def test_osc52_plain_and_tmux_wrapped() -> None:
    payload = base64.b64encode(b"apply-0001").decode()
    assert osc52("apply-0001", tmux=False) == f"\x1b]52;c;{payload}\x07"
    wrapped = osc52("apply-0001", tmux=True)
    assert wrapped == f"\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\"


def test_lazy_service_connects_on_first_use_and_retries_after_a_failure() -> None:
    built: list[int] = []
    attempts = iter([StorageUnavailableError("down"), FakeConsoleService()])

    def factory():
        built.append(1)
        result = next(attempts)
        if isinstance(result, Exception):
            raise result
        return result

    service = LazyService(factory)
    assert built == []
    with pytest.raises(StorageUnavailableError):
        service.list_failed()
    assert len(service.list_failed().rows) == 4
    assert len(service.apply_logs("apply-0001")) == 4
    assert len(built) == 2


def test_ui_command_options() -> None:
    args = build_parser("ui").parse_args(
        ["ui", "--storage-url", "sqlite:///x.db", "--read-only", "--operator", "me", "--theme",
         "ansi-dark"]
    )  # fmt: skip
    assert (args.read_only, args.operator, args.theme) == (True, "me", "ansi-dark")
    assert args.storage_url == "sqlite:///x.db"


def test_the_ui_import_path_stays_free_of_sqlalchemy() -> None:
    # The settings too: the console loads them before its first paint.
    script = (
        "import sys, app.commands.ui, app.tui, app.settings, screens.triage, screens.review\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'pymysql'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
