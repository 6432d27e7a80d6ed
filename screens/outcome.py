"""The outcome screen: runs the confirmed redrive, shows what changed, then watches the apply.

The redrive runs once, in a worker, bound to the review's token. After a successful redrive the
apply is re-read on a timer (also in a worker) so the operator sees SchemaBot pick it up:
failed_retryable -> running -> ..., with every task's state, until they leave.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.error import ConsoleScreen, describe_error
from screens.messages import ProgressLoaded, RedriveFinished
from screens.outcome_parts import (
    leave_to_triage,
    note_state,
    outcome_layout,
    refresh_rows,
    show_refusal,
)
from screens.safe_text import literal, printable
from screens.widgets.console_header import ConsoleHeader
from screens.widgets.state_counts import state_counts
from services.domain.models import Task
from services.domain.progress import ApplyProgress
from services.domain.states import normalize_state
from services.redrive.api import ConsoleService
from services.redrive.model import RedriveOutcome, Review

TASK_COLUMNS = (("task", "task"), ("table", "table"), ("shard", "shard"), ("state", "state"),
                ("attempt", "attempt"), ("error", "error"))  # fmt: skip


def task_cells(task: Task, reopened: bool) -> tuple[Text, ...]:
    """One task row; reopened tasks are marked with a word, not only a colour."""
    state = literal(task.state, single_line=True, style="bold")
    if reopened:
        state.append(" (reopened)")
    return (
        literal(task.task_identifier, single_line=True),
        literal(task.table_name or "-", single_line=True),
        literal(task.shard or "-", single_line=True),
        state,
        Text(str(task.attempt)),
        literal((task.error_message or "")[:60], single_line=True),
    )


class OutcomeScreen(ConsoleScreen):
    """Redrive result and live watch of one apply."""

    BINDINGS = [
        Binding("escape", "leave", "Back to list", id="outcome.back"),
        Binding("r", "poll", "Refresh now", id="outcome.refresh"),
        Binding("l", "logs", "Logs", id="outcome.logs"),
        Binding("y", "copy_id", "Copy id", id="outcome.copy-id"),
    ]

    def __init__(
        self,
        service: ConsoleService,
        review: Review,
        *,
        operator: str,
        force: bool,
        ignore_preflight: bool = False,
        poll_seconds: float = 2.0,
    ) -> None:
        super().__init__(id="outcome")
        self.service = service
        self.review = review
        self.operator = operator
        self.force = force
        self.ignore_preflight = ignore_preflight
        self.poll_seconds = poll_seconds
        self.outcome: RedriveOutcome | None = None
        self.progress: ApplyProgress | None = None
        self.states_seen: list[str] = []
        self._timer: Timer | None = None

    @property
    def apply_identifier(self) -> str:
        return self.review.apply.apply_identifier

    def compose(self) -> ComposeResult:
        header = ConsoleHeader("redrive outcome", operator=self.operator, read_only=False)
        yield from outcome_layout(header, self._pending_banner(), "outcome-tasks", TASK_COLUMNS)

    def _pending_banner(self) -> Text:
        banner = Text("… Redriving apply ")
        banner.append_text(literal(self.apply_identifier, single_line=True))
        banner.append(" (taking over the lock)" if self.force else "")
        return banner

    def on_mount(self) -> None:
        self.query_one("#outcome-tasks", DataTable).display = False
        self._redrive()

    # -- the redrive ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="redrive", description="Redrive")
    def _redrive(self) -> None:
        outcome = self.service.redrive(
            self.apply_identifier,
            self.review.environment,
            operator=self.operator,
            force=self.force,
            reviewed=self.review.token,
            expect_fingerprint=self.review.fingerprint,
            ignore_preflight=self.ignore_preflight,
        )
        self.post_message(RedriveFinished(outcome))

    @on(RedriveFinished)
    def _finished(self, message: RedriveFinished) -> None:
        outcome = message.outcome
        self.outcome = outcome
        banner = self.query_one("#outcome-banner", Static)
        if outcome.redriven:
            banner.remove_class("-pending")
            banner.update(self._headline(outcome, None))
        else:
            text = Text("✘ REJECTED: nothing was written.\n")
            text.append_text(literal(outcome.reason or "no reason given"))
            show_refusal(banner, text)
        self.query_one("#outcome-details", Static).update(self._details(outcome))
        if outcome.redriven:
            self.query_one("#outcome-tasks", DataTable).display = True
            self.action_poll()
            self._timer = self.set_interval(self.poll_seconds, self.action_poll)

    def _headline(self, outcome: RedriveOutcome, progress: ApplyProgress | None) -> Text:
        """The redriven banner, from the same read of the apply as the state line below it
        (none yet: the state the redrive left it in)."""
        text = Text("✔ REDRIVEN: apply ")
        text.append_text(literal(outcome.apply_id, single_line=True))
        state = progress.apply.state if progress is not None else "failed_retryable"
        if normalize_state(state) == "failed_retryable":
            text.append(" is failed_retryable; SchemaBot will retry its failed work.")
        else:
            text.append(" was redriven and is now ")
            text.append_text(literal(state, single_line=True))
            text.append(" (SchemaBot picked it up).")
        return text

    def _details(self, outcome: RedriveOutcome) -> Text:
        details = Text()
        if outcome.redriven:
            details.append(
                f"reopened {len(outcome.reopened_tasks)} task(s) "
                f"{_ids(outcome.reopened_tasks)} and {len(outcome.reopened_operations)} "
                f"operation(s) {_ids(outcome.reopened_operations)}\n"
            )
            details.append("lock owner: ")
            details.append_text(literal(outcome.lock_owner or "none", single_line=True))
            details.append(" · previous owner: ")
            details.append_text(literal(outcome.previous_lock_owner or "none", single_line=True))
        else:  # nothing was taken over: say who holds the lock now, as the refusal read it
            details.append("lock owner now: ")
            details.append_text(literal(outcome.lock_owner or "free", single_line=True))
            details.append(" (as the refused redrive read it)")
        if outcome.fingerprint:
            details.append(f" · plan fingerprint {printable(outcome.fingerprint)[:16]}")
        return details

    # -- watching -------------------------------------------------------------------------

    def action_poll(self) -> None:
        if self.outcome is None or not self.outcome.redriven:
            return
        self._load_progress()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="progress",
        description="Watch the apply",
    )
    def _load_progress(self) -> None:
        progress = self.service.progress(self.apply_identifier)
        if not get_current_worker().is_cancelled:
            self.post_message(ProgressLoaded(progress))

    @on(ProgressLoaded)
    def _progress(self, message: ProgressLoaded) -> None:
        progress = message.progress
        self.progress = progress
        if self._timer is not None:
            self._timer.resume()
        note_state(self.states_seen, progress.apply.state)
        if self.outcome is not None:  # the headline and the state line: one read, one story
            self.query_one("#outcome-banner", Static).update(self._headline(self.outcome, progress))
        watch = Text("apply state: ")
        watch.append_text(literal(" -> ".join(self.states_seen), single_line=True, style="bold"))
        watch.append(f" · attempt {progress.apply.attempt}")
        watch.append(f"\ntasks: {state_counts(task.state for task in progress.tasks)}")
        self.query_one("#outcome-watch", Static).update(watch)
        self._show_tasks(progress.tasks)
        self.query_one("#outcome-status", Static).update(
            Text(f"watching: read at {progress.database_now:%H:%M:%S} · r refreshes · esc leaves")
        )

    def _show_tasks(self, tasks: tuple[Task, ...]) -> None:
        reopened = set(self.outcome.reopened_tasks if self.outcome else ())
        rows = [(str(task.id), task_cells(task, task.id in reopened)) for task in tasks]
        refresh_rows(self.query_one("#outcome-tasks", DataTable), TASK_COLUMNS, rows)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # The app shows the error modal; the screen records what it means for this redrive.
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        status = self.query_one("#outcome-status", Static)
        if event.worker.group == "redrive":
            report = describe_error(event.worker.error, doing="redrive")
            text = Text(f"✘ NOT REDRIVEN ({report.title}): ")
            text.append_text(literal(report.message))
            show_refusal(self.query_one("#outcome-banner", Static), text)
            status.update(Text(report.hint))
        elif event.worker.group == "progress":
            if self._timer is not None:
                self._timer.pause()
            status.update(Text("WATCH STOPPED: the apply could not be read; press r to retry."))

    # -- actions --------------------------------------------------------------------------

    def action_leave(self) -> None:
        leave_to_triage(self)

    def action_logs(self) -> None:
        from screens.logs import LogScreen

        self.app.push_screen(LogScreen(self.service, self.apply_identifier))

    def action_copy_id(self) -> None:
        from screens.clipboard import copy_to_clipboard

        copy_to_clipboard(self.app, self.apply_identifier, label="apply id")


def _ids(ids: tuple[int, ...]) -> str:
    shown = ", ".join(str(value) for value in ids[:8])
    return f"[{shown}{', …' if len(ids) > 8 else ''}]"
