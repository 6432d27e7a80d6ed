"""The resubmit outcome: runs the confirmed resubmit, then follows the NEW apply to its end.

The resubmit runs once, in a worker (``SchemaBotSession.resubmit``: ``POST /api/apply`` with the
server's plan id, then one ``apply_logs`` row on the failed apply unless read-only). A refusal
by SchemaBot (``active_apply_exists`` and every other code) is shown with the server's reason;
nothing was written locally then. After an accepted resubmit the new apply is read back from
storage once, and ``GET /api/progress/apply/{id}`` is polled on a timer (each poll a worker)
until the apply is terminal: its state history, one row per table (status, percent, rows, ETA,
detail) and the errors of the apply and its deployments, as ``resubmit --watch`` prints them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.durations import span
from screens.error import ConsoleScreen
from screens.outcome_parts import (
    leave_to_triage,
    note_state,
    outcome_layout,
    refresh_rows,
    show_refusal,
)
from screens.resubmit_confirm import resubmit_error_report
from screens.safe_text import literal
from screens.widgets.console_header import ConsoleHeader
from services.domain.errors import RedriveConsoleError
from services.domain.progress import ApplyProgress
from services.redrive.api import ConsoleService

if TYPE_CHECKING:
    from services.schemabot_api.resubmit import ResubmitOutcome, ResubmitPreview
    from services.schemabot_api.session import SchemaBotSession
    from services.schemabot_api.wire import ProgressResponse, TableProgress

TABLE_COLUMNS = (("table", "table"), ("status", "status"), ("progress", "progress"),
                 ("rows", "rows"), ("eta", "ETA"), ("detail", "detail"))  # fmt: skip
COMPLETED = "completed"


class ResubmitFinished(Message, bubble=False):
    """The resubmit returned (resubmitted or refused); ``stored`` is the new apply as storage
    holds it (``None``: refused, or not visible in storage yet)."""

    def __init__(self, outcome: ResubmitOutcome, stored: ApplyProgress | None) -> None:
        super().__init__()
        self.outcome = outcome
        self.stored = stored


class ApiProgressLoaded(Message, bubble=False):
    """One ``GET /api/progress/apply/{id}`` answer for the new apply."""

    def __init__(self, progress: ProgressResponse) -> None:
        super().__init__()
        self.progress = progress


def table_cells(table: TableProgress) -> tuple[Text, ...]:
    """One table's progress row; the status is a word, never only a colour."""
    rows = f"{table.rows_copied:,}/{table.rows_total:,}" if table.rows_total else "-"
    eta = span(timedelta(seconds=table.eta_seconds)) if table.eta_seconds else "-"
    return (
        literal(table.table_name or "-", single_line=True),
        literal(table.status or "-", single_line=True, style="bold"),
        Text(f"{table.percent_complete}%"),
        Text(rows),
        Text(eta),
        literal(table.progress_detail[:60] or "-", single_line=True),
    )


class ResubmitOutcomeScreen(ConsoleScreen):
    """Resubmit result and the live watch of the new apply, through SchemaBot's API."""

    DEFAULT_CSS = """
    ResubmitOutcomeScreen #outcome-errors { height: auto; max-height: 6; padding: 0 2; }
    ResubmitOutcomeScreen #outcome-tables { height: 1fr; margin: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "leave", "Back to list", id="resubmit-outcome.back"),
        Binding("r", "poll", "Refresh now", id="resubmit-outcome.refresh"),
        Binding("l", "logs", "Logs", id="resubmit-outcome.logs"),
        Binding("y", "copy_id", "Copy new id", id="resubmit-outcome.copy-id"),
    ]

    def __init__(
        self,
        schemabot: SchemaBotSession,
        service: ConsoleService,
        preview: ResubmitPreview,
        *,
        operator: str,
        confirmed_fingerprint: str | None,
        read_only: bool,
    ) -> None:
        super().__init__(id="resubmit-outcome")
        self.schemabot = schemabot
        self.service = service
        self.preview = preview
        self.operator = operator
        self.confirmed_fingerprint = confirmed_fingerprint
        self.read_only = read_only
        self.outcome: ResubmitOutcome | None = None
        self.progress: ProgressResponse | None = None
        self.states_seen: list[str] = []
        self.polls = 0
        self._poll_in_flight = False  # one request at a time: a slow answer is never dropped
        self._timer: Timer | None = None

    @property
    def failed_apply_identifier(self) -> str:
        return self.preview.inputs.apply.apply_identifier

    @property
    def new_apply_identifier(self) -> str:
        return self.outcome.new_apply_id if self.outcome is not None else ""

    @property
    def finished(self) -> bool:
        """The new apply reached a terminal state (the watch has ended)."""
        return self.progress is not None and self.progress.terminal

    def compose(self) -> ComposeResult:
        header = ConsoleHeader("resubmit outcome", operator=self.operator, read_only=self.read_only)
        yield from outcome_layout(
            header,
            self._pending_banner(),
            "outcome-tables",
            TABLE_COLUMNS,
            extra=[Static(id="outcome-errors")],
        )

    def _pending_banner(self) -> Text:
        banner = Text("… Resubmitting apply ")
        banner.append_text(literal(self.failed_apply_identifier, single_line=True))
        banner.append(" as a new apply: plan ")
        banner.append_text(literal(self.preview.remote.plan_id, single_line=True))
        return banner

    def on_mount(self) -> None:
        self.query_one("#outcome-tables", DataTable).display = False
        self._resubmit()

    # -- the resubmit ---------------------------------------------------------------------

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="resubmit", description="Resubmit"
    )
    def _resubmit(self) -> None:
        outcome = self.schemabot.resubmit(
            self.preview,
            self.operator,
            confirmed_fingerprint=self.confirmed_fingerprint,
            read_only=self.read_only,
        )
        stored = None
        if outcome.resubmitted:
            try:
                stored = self.service.progress(outcome.new_apply_id)
            except RedriveConsoleError:  # not visible yet, or storage lost: said on screen
                stored = None
        self.post_message(ResubmitFinished(outcome, stored))

    @on(ResubmitFinished)
    def _finished(self, message: ResubmitFinished) -> None:
        outcome = message.outcome
        self.outcome = outcome
        banner = self.query_one("#outcome-banner", Static)
        if outcome.resubmitted:
            text = Text("✔ RESUBMITTED: SchemaBot accepted plan ")
            text.append_text(literal(outcome.plan_id, single_line=True))
            text.append(" as the new apply ")
            text.append_text(literal(outcome.new_apply_id, single_line=True))
            text.append(".")
            banner.remove_class("-pending")
            banner.update(text)
        else:
            text = Text(f"✘ REFUSED ({outcome.reason_code or 'unknown'}): ")
            text.append_text(literal(outcome.reason or "no reason given"))
            text.append("\nNothing was applied and nothing was written locally.")
            show_refusal(banner, text)
        self.query_one("#outcome-details", Static).update(self._details(outcome, message.stored))
        self.refresh_bindings()
        if outcome.resubmitted:
            self.query_one("#outcome-tables", DataTable).display = True
            self.action_poll()
            self._timer = self.set_interval(self.schemabot.poll_seconds, self.action_poll)

    def _details(self, outcome: ResubmitOutcome, stored: ApplyProgress | None) -> Text:
        details = Text("failed apply ")
        details.append_text(literal(outcome.failed_apply_id, single_line=True))
        details.append(" stays failed, as history · caller ")
        details.append_text(literal(outcome.caller, single_line=True))
        if not outcome.resubmitted:
            return details
        details.append("\n")
        if outcome.log_id is not None:
            details.append("one apply_logs row written on the failed apply, naming the new apply")
        else:
            details.append("READ-ONLY mode: no apply_logs row written locally")
        details.append(" · in storage: ")
        if stored is None:
            details.append("the new apply is not visible yet")
        else:
            details.append_text(literal(stored.apply.state, single_line=True))
            details.append(f", {len(stored.tasks)} task(s)")
        return details

    # -- watching the new apply -------------------------------------------------------------

    def action_poll(self) -> None:
        if self.outcome is None or not self.outcome.resubmitted or self.finished:
            return
        if self._poll_in_flight:
            return
        self._poll_in_flight = True
        self._load_progress()

    @work(
        thread=True,
        exit_on_error=False,
        group="progress",
        description="Watch the new apply",
    )
    def _load_progress(self) -> None:
        progress = self.schemabot.progress(self.new_apply_identifier)
        if not get_current_worker().is_cancelled:
            self.post_message(ApiProgressLoaded(progress))

    @on(ApiProgressLoaded)
    def _progress(self, message: ApiProgressLoaded) -> None:
        self._poll_in_flight = False
        progress = message.progress
        self.progress = progress
        self.polls += 1
        note_state(self.states_seen, progress.state or "?")
        watch = Text("new apply ")
        watch.append_text(literal(self.new_apply_identifier, single_line=True))
        watch.append(": ")
        watch.append_text(literal(" -> ".join(self.states_seen), single_line=True, style="bold"))
        if progress.engine:
            watch.append(" · engine ")
            watch.append_text(literal(progress.engine, single_line=True))
        if progress.summary:
            watch.append("\n")
            watch.append_text(literal(progress.summary, single_line=True))
        self.query_one("#outcome-watch", Static).update(watch)
        self.query_one("#outcome-errors", Static).update(_errors(progress))
        self._show_tables(progress.tables)
        status = self.query_one("#outcome-status", Static)
        if progress.terminal:
            if self._timer is not None:
                self._timer.stop()
            self._show_end(progress)
            status.update(Text(f"watch ended after {self.polls} poll(s) · esc leaves"))
        else:
            if self._timer is not None:
                self._timer.resume()
            every = f"{self.schemabot.poll_seconds:g}s"
            status.update(
                Text(f"watching: poll {self.polls}, every {every} · r refreshes · esc leaves")
            )

    def _show_end(self, progress: ProgressResponse) -> None:
        banner = self.query_one("#outcome-banner", Static)
        completed = progress.state == COMPLETED
        banner.set_class(not completed, "-rejected")
        mark = "✔ COMPLETED" if completed else f"✘ {progress.state.upper()}"
        text = Text(f"{mark}: the new apply ")
        text.append_text(literal(self.new_apply_identifier, single_line=True))
        text.append(" is ")
        text.append_text(literal(progress.state, single_line=True))
        text.append(" (resubmitted from ")
        text.append_text(literal(self.failed_apply_identifier, single_line=True))
        text.append(").")
        if not completed and progress.error_message:
            text.append("\n")
            text.append_text(literal(progress.error_message, single_line=True))
        banner.update(text)

    def _show_tables(self, tables: tuple[TableProgress, ...]) -> None:
        rows = [
            (f"{index}:{table.table_name}", table_cells(table))
            for index, table in enumerate(tables)
        ]
        refresh_rows(self.query_one("#outcome-tables", DataTable), TABLE_COLUMNS, rows)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # The app shows the error modal; the screen records what it means for this resubmit.
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        status = self.query_one("#outcome-status", Static)
        report = resubmit_error_report(event.worker.error)
        if event.worker.group == "resubmit":
            text = Text(f"✘ NOT RESUBMITTED ({report.title}): ")
            text.append_text(literal(report.message))
            show_refusal(self.query_one("#outcome-banner", Static), text)
            status.update(Text(report.hint))
        elif event.worker.group == "progress":
            self._poll_in_flight = False
            if self._timer is not None:
                self._timer.pause()
            text = Text("WATCH STOPPED: ")
            text.append_text(literal(f"{report.title}: {report.message}", single_line=True))
            text.append("; press r to retry.")
            status.update(text)

    def shows_error_inline(self, worker: Worker) -> bool:
        """A failed poll is said on the status line (the timer pauses), not in a modal."""
        return worker.group == "progress" and isinstance(worker.error, RedriveConsoleError)

    # -- actions --------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"logs", "copy_id"}:  # about the new apply: greyed until there is one
            return True if self.new_apply_identifier else None
        if action == "poll":
            return None if self.finished or not self.new_apply_identifier else True
        return True

    def action_leave(self) -> None:
        leave_to_triage(self)

    def action_logs(self) -> None:
        from screens.logs import LogScreen

        if self.new_apply_identifier:
            self.app.push_screen(LogScreen(self.service, self.new_apply_identifier))

    def action_copy_id(self) -> None:
        from screens.clipboard import copy_to_clipboard

        if self.new_apply_identifier:
            copy_to_clipboard(self.app, self.new_apply_identifier, label="new apply id")


def _errors(progress: ProgressResponse) -> Text:
    """The apply's error and each deployment's, as SchemaBot reports them."""
    lines: list[Text] = []
    if progress.error_code or progress.error_message:
        line = Text(f"error {progress.error_code or '-'}: ", style="bold")
        line.append_text(literal(progress.error_message, single_line=True))
        lines.append(line)
    for operation in progress.operations:
        line = Text("deployment ")
        line.append_text(literal(operation.deployment or "-", single_line=True))
        line.append(": ")
        line.append_text(literal(operation.state or "-", single_line=True, style="bold"))
        if operation.error_code or operation.error_message:
            line.append(f" - {operation.error_code or '-'}: ")
            line.append_text(literal(operation.error_message, single_line=True))
        lines.append(line)
    return Text("\n").join(lines)
