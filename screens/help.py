"""The help screen: every binding of every screen, with its id and its effective key.

Generated from the ``BINDINGS`` the footer uses and the keymap in effect, so it can never drift
from what the keys actually do. The keys of the screen help was opened from (and of the widgets
on it, such as the diff pane or the lists) come first, then the keys that work everywhere, then
every other screen's. Typing filters the list by key, action or binding id; escape clears the
filter, then goes back. Remap any id in the config file's keymap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType, Keymap
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from screens.safe_text import printable
from screens.widgets.console_header import ConsoleHeader
from screens.widgets.console_table import ConsoleTable

EVERYWHERE = "everywhere"
"""The scope label of the app's own bindings, listed right after the current screen's."""


@dataclass(frozen=True)
class HelpRow:
    """One key of the help list: where it works, its keys as the footer shows them, what it
    does and its binding id; ``current`` when it belongs to the screen help was opened from."""

    scope: str
    keys: str
    description: str
    binding_id: str
    current: bool = False

    def matches(self, needle: str) -> bool:
        """Case-insensitive match of ``needle`` on the keys, the action or the binding id."""
        folded = needle.casefold()
        return any(
            folded in text.casefold() for text in (self.keys, self.description, self.binding_id)
        )


def effective_keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    """The keys that trigger ``binding`` once ``keymap`` (binding id -> keys) is applied."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return [key.strip() for key in keys.split(",") if key.strip()]


def binding_ids_on(screen: DOMNode) -> frozenset[str]:
    """The binding ids declared by ``screen`` and every widget on it: its current scopes."""
    nodes: Iterable[DOMNode] = (screen, *screen.query("*"))
    return frozenset(
        binding.id
        for node in nodes
        for binding in getattr(type(node), "BINDINGS", ())
        if isinstance(binding, Binding) and binding.id
    )


def help_rows(
    app: App,
    scopes: Sequence[tuple[str, Sequence[BindingType]]],
    keymap: Keymap,
    current_ids: frozenset[str] = frozenset(),
) -> list[HelpRow]:
    """A row for every binding, keys as the footer shows them: the scopes with a binding in
    ``current_ids`` first, then the app's (``everywhere``), then the rest, each in order."""
    rows: list[HelpRow] = []
    for scope, bindings in scopes:
        parsed = [spec if isinstance(spec, Binding) else Binding(*spec) for spec in bindings]
        current = any(binding.id in current_ids for binding in parsed)
        for binding in parsed:
            keys = effective_keys(binding, keymap)
            shown = " / ".join(app.get_key_display(Binding(key, binding.action)) for key in keys)
            description = binding.description or binding.action
            rows.append(HelpRow(scope, shown, description, binding.id or "-", current))
    return sorted(rows, key=lambda row: 0 if row.current else 1 if row.scope == EVERYWHERE else 2)


class HelpScreen(Screen[None]):
    """Every key of the console, this screen's first; type to filter, escape goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="help.back"),
        # The filter box has the focus, so the arrows move through the list from there.
        Binding("down", "move(1)", "Down", id="help.down", show=False),
        Binding("up", "move(-1)", "Up", id="help.up", show=False),
        Binding("pagedown", "move_page(1)", "Page down", id="help.page-down", show=False),
        Binding("pageup", "move_page(-1)", "Page up", id="help.page-up", show=False),
    ]

    def __init__(
        self,
        scopes: Sequence[tuple[str, Sequence[BindingType]]],
        keymap: Keymap,
        *,
        current_ids: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.scopes = scopes
        self.keymap = keymap
        self.current_ids = current_ids
        self.rows: list[HelpRow] = []
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        operator = getattr(self.app, "operator", "")
        read_only = bool(getattr(self.app, "read_only", False))
        yield ConsoleHeader("keys", operator=operator, read_only=read_only)
        yield Input(placeholder="type to filter: key, action or binding id…", id="help-filter")
        table: DataTable[Text] = ConsoleTable(
            id="help-table", cursor_type="row", zebra_stripes=True
        )
        for label in ("where", "key", "action", "binding id (remap in keymap:)"):
            table.add_column(label, key=label)
        yield table
        yield Static(id="help-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.rows = help_rows(self.app, self.scopes, self.keymap, self.current_ids)
        self._show()
        self.query_one("#help-filter", Input).focus()

    def shown_rows(self) -> list[HelpRow]:
        """The rows that match the filter, in help order."""
        return [row for row in self.rows if row.matches(self.filter_text)]

    def _show(self) -> None:
        table = self.query_one("#help-table", DataTable)
        table.clear()
        shown = self.shown_rows()
        for row in shown:
            style = "bold" if row.current else ""
            table.add_row(
                Text(row.scope, style=style),
                Text(row.keys, style=style),
                Text(row.description),
                Text(row.binding_id),
            )
        if self.filter_text:
            needle = printable(self.filter_text, single_line=True)
            if shown:
                status = f"{len(shown)} of {len(self.rows)} keys match {needle!r}"
            else:
                status = f"No key matches {needle!r}"
            status += " · escape clears the filter"
        else:
            status = (
                "This screen's keys first (bold), then everywhere, then the rest · type to "
                "filter · remap an id in the config keymap, e.g. triage.refresh: f5"
            )
        self.query_one("#help-status", Static).update(Text(status))

    @on(Input.Changed, "#help-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show()

    def action_move(self, step: int) -> None:
        table = self.query_one("#help-table", DataTable)
        table.move_cursor(row=table.cursor_row + step)

    def action_move_page(self, step: int) -> None:
        table = self.query_one("#help-table", DataTable)
        page = max(1, table.scrollable_content_region.height - 1)
        table.move_cursor(row=max(0, table.cursor_row + step * page))

    def action_back(self) -> None:
        """Clear the filter first; with nothing typed, go back."""
        box = self.query_one("#help-filter", Input)
        if box.value:
            box.value = ""
            return
        self.dismiss(None)
