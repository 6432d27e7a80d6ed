"""What the two outcome screens (a redrive, a resubmit) share: the layout of a write's result
and its live watch, the banner turning into a refusal, the per-row table refresh, leaving."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Static

from screens.widgets.console_header import ConsoleHeader

Columns = Sequence[tuple[str, str]]


def outcome_layout(
    header: ConsoleHeader,
    pending: Text,
    table_id: str,
    columns: Columns,
    *,
    extra: Iterable[Widget] = (),
) -> Iterator[Widget]:
    """Header, the banner (pending until the write answers), details, the watch line, any
    ``extra`` widgets, the rows table (with ``columns``: key, label) and the status line."""
    yield header
    yield Static(pending, id="outcome-banner", classes="-pending")
    yield Static(id="outcome-details")
    yield Static(id="outcome-watch")
    yield from extra
    table: DataTable[Text] = DataTable(id=table_id, cursor_type="row")
    for key, label in columns:
        table.add_column(label, key=key)
    yield table
    yield Static(id="outcome-status", classes="status-line")
    yield Footer()


def show_refusal(banner: Static, text: Text) -> None:
    """The banner stops being pending and says the write did not happen."""
    banner.remove_class("-pending")
    banner.add_class("-rejected")
    banner.update(text)


def note_state(states_seen: list[str], state: str) -> None:
    """Record ``state`` in the watched states, once per change."""
    if not states_seen or states_seen[-1] != state:
        states_seen.append(state)


def refresh_rows(
    table: DataTable[Text], columns: Columns, rows: Sequence[tuple[str, tuple[Text, ...]]]
) -> None:
    """Show ``rows`` (key, cells): rebuilt when the keys changed, else updated cell by cell so
    the cursor and scroll position stay."""
    if [key for key, _ in rows] != [row_key.value for row_key in table.rows]:
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        return
    for key, cells in rows:
        for (column, _), cell in zip(columns, cells, strict=True):
            table.update_cell(key, column, cell)


def leave_to_triage(screen: Screen[None]) -> None:
    """Back to the list (the app pops every screen above it), or just this screen."""
    back = getattr(screen.app, "return_to_triage", None)
    if callable(back):
        back()
    else:
        screen.dismiss(None)
