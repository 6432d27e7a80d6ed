"""The apply log view: the most recent ``apply_logs`` rows of one apply, newest first."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static
from textual.worker import get_current_worker

from screens.durations import clock_time
from screens.error import ConsoleScreen
from screens.messages import LogsLoaded
from screens.safe_text import literal
from screens.widgets.console_header import ConsoleHeader
from screens.widgets.console_table import ConsoleTable
from services.domain.models import LogEntry
from services.redrive.api import ConsoleService

LOG_LIMIT = 200
LEVEL_MARKS = {"error": "✘ ERROR", "warn": "! WARN", "warning": "! WARN", "info": "· info"}


def log_cells(entry: LogEntry) -> tuple[Text, ...]:
    """One log row; the level is a word with a glyph, the message is shown literally."""
    level = entry.level.lower()
    transition = ""
    if entry.old_state or entry.new_state:
        transition = f"{entry.old_state or '?'} -> {entry.new_state or '?'}"
    return (
        Text(clock_time(entry.created_at).removesuffix(" UTC")),
        literal(LEVEL_MARKS.get(level, level), single_line=True),
        literal(entry.event_type, single_line=True),
        literal(transition, single_line=True),
        literal(entry.message, single_line=True),
    )


class LogScreen(ConsoleScreen):
    """``apply_logs`` of one apply; ``r`` reloads, ``escape`` goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("r", "reload", "Reload", id="logs.reload"),
    ]

    def __init__(self, service: ConsoleService, apply_identifier: str) -> None:
        super().__init__(id="logs")
        self.service = service
        self.apply_identifier = apply_identifier
        self.entries: tuple[LogEntry, ...] = ()

    def compose(self) -> ComposeResult:
        operator = getattr(self.app, "operator", "")
        read_only = bool(getattr(self.app, "read_only", False))
        title = f"apply log of {self.apply_identifier}"
        yield ConsoleHeader(title, operator=operator, read_only=read_only)
        table: DataTable[Text] = ConsoleTable(id="log-table", cursor_type="row", zebra_stripes=True)
        for label in ("time (UTC)", "level", "event", "state", "message"):
            table.add_column(label, key=label)
        yield table
        yield Static(Text("Loading apply log…"), id="log-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#log-table", DataTable).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="logs", description="Load logs")
    def _load(self) -> None:
        entries = self.service.apply_logs(self.apply_identifier, limit=LOG_LIMIT)
        if not get_current_worker().is_cancelled:
            self.post_message(LogsLoaded(entries))

    @on(LogsLoaded)
    def _loaded(self, message: LogsLoaded) -> None:
        self.entries = message.entries
        table = self.query_one("#log-table", DataTable)
        table.clear()
        for entry in message.entries:
            table.add_row(*log_cells(entry), key=str(entry.id))
        count = len(message.entries)
        status = f"{count} most recent log entries, newest first" if count else "No log entries."
        self.query_one("#log-status", Static).update(Text(status + " · r reloads · esc back"))

    def action_back(self) -> None:
        self.dismiss(None)
