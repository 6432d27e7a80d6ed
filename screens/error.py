"""The error modal: one place where a failed worker becomes a clear message, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Static
from textual.worker import Worker, WorkerState

from screens.safe_text import literal
from services.domain.errors import (
    ConfigError,
    IncompatibleStorageError,
    RedriveConsoleError,
    RedriveRefused,
    StorageUnavailableError,
)


@dataclass(frozen=True)
class ErrorReport:
    """What the operator reads: a title, the (escaped) message and what to do next."""

    title: str
    message: str
    hint: str


def describe_error(error: BaseException, *, doing: str) -> ErrorReport:
    """Turn an exception raised by a service call into an operator-facing report.

    Typed service errors carry operator-safe messages; anything else is shown by type and first
    line only (no traceback, no DSN: services never put one in a message).
    """
    first_line = (str(error).strip().splitlines() or [""])[0][:500]
    if isinstance(error, StorageUnavailableError):
        return ErrorReport(
            "Storage unreachable",
            first_line,
            "The connection to SchemaBot's storage was lost. Check the network or the server, "
            "then press r to retry; nothing was written.",
        )
    if isinstance(error, RedriveRefused):
        return ErrorReport("Redrive refused", first_line, "Nothing was written.")
    if isinstance(error, IncompatibleStorageError | ConfigError):
        return ErrorReport("Configuration problem", first_line, "Fix the setting and restart.")
    if type(error).__name__ == "PlannerError":
        return ErrorReport(
            "Planner error",
            first_line,
            "The fresh plan could not be computed, so nothing can be compared or redriven.",
        )
    if isinstance(error, RedriveConsoleError):
        return ErrorReport(f"Could not {doing}", first_line, "Nothing was written.")
    message = f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
    return ErrorReport(
        f"Unexpected error while trying to {doing}",
        message,
        "The console is still usable. If this repeats, run the same action with the CLI "
        "for details.",
    )


class ErrorScreen(ModalScreen[None]):
    """A modal showing one ``ErrorReport``; enter or escape closes it."""

    BINDINGS = [
        Binding("escape,enter", "dismiss_error", "Close", id="error.close"),
    ]

    def __init__(self, report: ErrorReport) -> None:
        super().__init__(classes="error-modal")
        self.report = report

    def compose(self) -> ComposeResult:
        with Vertical(id="error-dialog", classes="dialog"):
            yield Static(literal(f"✘ {self.report.title}", style="bold"), classes="dialog-title")
            yield Static(literal(self.report.message), id="error-message")
            yield Static(literal(self.report.hint), id="error-hint", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="error-ok", variant="primary", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#error-ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_error(self) -> None:
        self.dismiss(None)


def show_error(app: App, report: ErrorReport) -> None:
    """Show ``report`` in the error modal, unless an error modal is already open."""
    if not isinstance(app.screen, ErrorScreen):
        app.push_screen(ErrorScreen(report))


class ConsoleScreen(Screen[None]):
    """Base of every console screen that runs workers: the one error path.

    ``Worker.StateChanged`` does not bubble, so each screen owning workers inherits this handler:
    a worker that ends in ERROR becomes the error modal (titled by the worker's description),
    never a traceback, and the app stays usable. Subclasses may add their own handler to update
    their own state; the modal is shown here only.
    """

    def shows_error_inline(self, worker: Worker) -> bool:
        """True when this screen explains ``worker``'s error itself (no modal)."""
        return False

    @on(Worker.StateChanged)
    def _worker_error_to_modal(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        if self.shows_error_inline(event.worker):
            return
        doing = (event.worker.description or "finish the last action").lower()
        show_error(self.app, describe_error(event.worker.error, doing=doing))
