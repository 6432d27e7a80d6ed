"""The help screen: every binding of every screen, with its id and its effective key.

Generated from the ``BINDINGS`` the footer uses and the keymap in effect, so it can never drift
from what the keys actually do. Remap any id in the config file's keymap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType, Keymap
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens.widgets.console_header import ConsoleHeader
from screens.widgets.console_table import ConsoleTable


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys that trigger ``binding`` once ``keymap`` (binding id -> keys) is applied."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",") if key.strip()]


def help_rows(
    app: App, scopes: Sequence[tuple[str, Sequence[BindingType]]], keymap: Keymap
) -> list[tuple[str, str, str, str]]:
    """``(scope, keys, description, id)`` for every binding, keys as the footer shows them."""
    rows = []
    for scope, bindings in scopes:
        for spec in bindings:
            binding = spec if isinstance(spec, Binding) else Binding(*spec)
            keys = effective_keys(binding, keymap)
            shown = " / ".join(app.get_key_display(Binding(key, binding.action)) for key in keys)
            rows.append((scope, shown, binding.description or binding.action, binding.id or "-"))
    return rows


class HelpScreen(Screen[None]):
    """Every key of the console, by screen; escape goes back."""

    BINDINGS = [Binding("escape", "back", "Back", id="help.back")]

    def __init__(self, scopes: Sequence[tuple[str, Sequence[BindingType]]], keymap: Keymap) -> None:
        super().__init__()
        self.scopes = scopes
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        operator = getattr(self.app, "operator", "")
        read_only = bool(getattr(self.app, "read_only", False))
        yield ConsoleHeader("keys", operator=operator, read_only=read_only)
        table: DataTable[str] = ConsoleTable(id="help-table", cursor_type="row", zebra_stripes=True)
        for label in ("where", "key", "action", "binding id (remap in keymap:)"):
            table.add_column(label, key=label)
        yield table
        yield Static(
            Text(
                "Remap a binding by id in the config keymap, e.g. triage.refresh: f5 · "
                "ctrl+p: command palette"
            ),
            classes="status-line",
        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#help-table", DataTable)
        for row in help_rows(self.app, self.scopes, self.keymap):
            table.add_row(*row)
        table.focus()

    def action_back(self) -> None:
        self.dismiss(None)
