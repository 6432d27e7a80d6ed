"""The resubmit confirmation: the server's fresh plan beside the stored remaining work, what a
resubmit does and does not do, and a different key to confirm.

The modal opens on ``s`` (review screen) and confirms only on ``ctrl+r`` / ``f9`` or the
Resubmit button, never on ``enter``: Cancel holds the focus. When the server's plan differs
from the stored remaining work, the operator confirms that exact plan by typing the first 16
characters of its fingerprint, shown in the modal (the CLI's ``--expect-fingerprint``); the
typed prefix goes to the service, which checks it again before anything is sent. The dialog
scrolls when the terminal is too short for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Static

from screens.error import ErrorReport, describe_error
from screens.safe_text import literal, printable
from screens.typed_confirm import TypedConfirmModal
from services.domain.errors import RedriveRefused
from services.redrive.model import Review, TableComparison, TableStatus
from services.schemabot_api.errors import SchemaBotAPIError, SchemaBotUnavailableError

if TYPE_CHECKING:
    from services.schemabot_api.resubmit import ResubmitPreview

SHOWN_FINGERPRINT = 16
"""Characters of a fingerprint shown and typed (the CLI's shortest ``--expect-fingerprint``)."""

MAX_LISTED_TABLES = 8
"""Tables listed with their statements; the rest are counted."""

_STATUS_MARKS = {
    TableStatus.SAME: "= same",
    TableStatus.CHANGED: "≠ changed",
    TableStatus.ONLY_STORED: "- only in the stored work",
    TableStatus.ONLY_FRESH: "+ only in the server's plan",
}


@dataclass(frozen=True)
class ResubmitConfirmResult:
    """The operator confirmed; ``confirmed_fingerprint`` is the typed fingerprint prefix of the
    shown server plan (``None`` when the plan matched the stored work and none was needed)."""

    confirmed_fingerprint: str | None


def resubmit_error_report(error: BaseException) -> ErrorReport:
    """What the operator reads when a resubmit step was refused or got no answer."""
    first_line = (str(error).strip().splitlines() or [""])[0][:500]
    if isinstance(error, SchemaBotAPIError):
        return ErrorReport(
            f"SchemaBot refused ({error.code})",
            first_line,
            "Nothing was applied and nothing was written locally.",
        )
    if isinstance(error, SchemaBotUnavailableError):
        return ErrorReport(
            "SchemaBot did not answer",
            first_line,
            "Nothing was written locally. Check the server, then try again.",
        )
    if isinstance(error, RedriveRefused):
        return ErrorReport(
            "Resubmit refused", first_line, "Nothing was sent to SchemaBot to apply."
        )
    return describe_error(error, doing="resubmit")


class ConfirmResubmitScreen(TypedConfirmModal[ResubmitConfirmResult]):
    """Dismisses with ``ResubmitConfirmResult`` on confirmation, ``None`` on cancel."""

    TYPED_ID = "resubmit-fingerprint"
    BLOCKED_ID = "resubmit-blocked"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="resubmit.cancel"),
        Binding("ctrl+r,f9", "confirm", "Resubmit", id="resubmit.confirm"),
    ]

    def __init__(
        self,
        preview: ResubmitPreview,
        review: Review,
        *,
        operator: str,
        read_only: bool,
        server: str,
    ) -> None:
        super().__init__(classes="confirm-modal")
        self.preview = preview
        self.review = review
        self.operator = operator
        self.read_only = read_only
        self.server = server
        self.typed_fingerprint = ""

    @property
    def shown_fingerprint(self) -> str:
        return self.preview.fingerprint[:SHOWN_FINGERPRINT]

    @property
    def fingerprint_needed(self) -> bool:
        """A plan that differs from the stored remaining work is confirmed by its fingerprint."""
        return not self.preview.matches

    @property
    def typing_needed(self) -> bool:
        return self.fingerprint_needed

    @property
    def blocked_reason(self) -> str | None:
        """Why confirming is impossible right now, or None when it is allowed."""
        if not self.fingerprint_needed:
            return None
        typed = self.typed_fingerprint.strip().lower()
        if not typed:
            return f"Type {self.shown_fingerprint} to apply this plan although it differs."
        if typed != self.shown_fingerprint:
            return (
                f"{printable(typed, single_line=True)!r} is not the fingerprint "
                f"{self.shown_fingerprint} of the shown plan."
            )
        return None

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        apply = self.preview.inputs.apply
        with VerticalScroll(id="resubmit-dialog", classes="dialog"):
            title = Text("Resubmit apply ", style="bold")
            title.append_text(literal(apply.apply_identifier, single_line=True, style="bold"))
            title.append(" as a new apply?")
            yield Static(title, classes="dialog-title")
            yield Static(self._facts())
            yield Static(self._changes(), id="resubmit-changes")
            # The comparison sits next to the buttons: a short terminal scrolls the top away.
            yield Static(self._tables(), id="resubmit-tables")
            yield Static(self._plan_verdict(), id="resubmit-verdict")
            if self.fingerprint_needed:
                with Vertical(classes="warning-box", id="resubmit-mismatch"):
                    yield Static(self._mismatch_warning())
                    yield Input(
                        placeholder=f"type {self.shown_fingerprint} to apply this plan",
                        id="resubmit-fingerprint",
                        compact=True,
                    )
            yield Static(id="resubmit-blocked", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel", variant="primary", compact=True)
                yield Button("Resubmit (ctrl+r)", id="confirm", variant="error", compact=True)
        yield Footer()

    def _facts(self) -> Text:
        apply = self.preview.inputs.apply
        facts = Text("database ")
        facts.append_text(literal(apply.database_name, single_line=True, style="bold"))
        facts.append(" · environment ")
        facts.append_text(literal(self.preview.inputs.environment, single_line=True))
        storage = self.review.storage
        if storage is not None:
            facts.append(" · storage ")
            facts.append_text(literal(f"{storage.dialect} {storage.generation}", single_line=True))
        facts.append(" · SchemaBot ")
        facts.append_text(literal(self.server, single_line=True))
        facts.append("\nlocal review: ")
        facts.append(self.review.verdict.value.upper(), style="bold")
        facts.append(" (about a redrive; it does not gate a resubmit)")
        return facts

    def _plan_verdict(self) -> Text:
        preview = self.preview
        remote = preview.remote
        text = Text("\nThe server's fresh plan ")
        text.append_text(literal(remote.plan_id, single_line=True, style="bold"))
        if preview.matches:
            text.append(" ✔ MATCHES", style="bold")
        else:
            text.append(" ✘ DIFFERS FROM", style="bold")
        text.append(" the stored remaining work")
        text.append(f" (fingerprints {preview.fingerprint[:SHOWN_FINGERPRINT]} / ")
        text.append(f"{preview.expected_fingerprint[:SHOWN_FINGERPRINT]}).")
        for message in remote.lint_violations:
            text.append("\nserver lint: ")
            text.append_text(literal(message, single_line=True))
        for message in remote.errors:
            text.append("\nserver error: ", style="bold")
            text.append_text(literal(message, single_line=True))
        return text

    def _tables(self) -> Text:
        rows = self.preview.comparison.tables
        text = Text()
        for row in rows[:MAX_LISTED_TABLES]:
            text.append("\n")
            _append_table(text, row)
        if len(rows) > MAX_LISTED_TABLES:
            text.append(f"\n… and {len(rows) - MAX_LISTED_TABLES} more table(s)")
        return text if rows else Text("\nNo table changes on either side.")

    def _changes(self) -> Text:
        # Loaded already: the preview this modal shows was made by that module.
        from services.schemabot_api.resubmit import resubmit_caller

        preview = self.preview
        failed = preview.inputs.apply.apply_identifier
        lines = Text("\nResubmitting will:\n • apply the server's plan as a NEW apply (caller ")
        lines.append_text(literal(resubmit_caller(self.operator, failed), single_line=True))
        lines.append(")\n • ")
        if self.read_only:
            lines.append("READ-ONLY mode: write no apply_logs row locally", style="bold")
        else:
            lines.append("write one apply_logs row on the failed apply naming the new one")
        lines.append("\n • leave ")
        lines.append_text(literal(failed, single_line=True))
        lines.append(" failed, as history, its tasks unchanged")
        lines.append(
            "\nNo link to the pull request, none of the failed apply's options. Planning "
            "created a plan record on the server and nothing else."
        )
        return lines

    def _mismatch_warning(self) -> Text:
        warning = Text("⚠ THE SERVER'S PLAN DIFFERS FROM THE STORED REMAINING WORK.", style="bold")
        warning.append("\nTo apply this plan anyway, type its fingerprint ")
        warning.append(self.shown_fingerprint, style="bold")
        warning.append(" exactly:")
        return warning

    def ready_hint(self) -> str:
        return "Press ctrl+r (or f9) to resubmit; esc backs out."

    def typed(self, value: str) -> None:
        self.typed_fingerprint = value

    def confirmed(self) -> ResubmitConfirmResult:
        typed = self.typed_fingerprint.strip().lower() if self.fingerprint_needed else None
        return ResubmitConfirmResult(confirmed_fingerprint=typed)


def _append_table(text: Text, row: TableComparison) -> None:
    """One table: its place and status, then the stored and the server's statements."""
    text.append(f"{_STATUS_MARKS[row.status]}  ", style="bold")
    text.append_text(literal(f"{row.namespace}.{row.table}", single_line=True, style="bold"))
    if row.status is TableStatus.SAME:
        for change in row.stored:
            text.append("\n  both:   ")
            text.append_text(literal(change.ddl, single_line=True))
        return
    for change in row.stored:
        text.append("\n  stored: ")
        text.append_text(literal(change.ddl, single_line=True))
    for change in row.fresh:
        text.append("\n  server: ")
        text.append_text(literal(change.ddl, single_line=True))
