"""The redrive confirmation: exactly what will change, and a different key to confirm.

The modal opens on ``enter`` / ``c`` (review screen) and confirms only on ``ctrl+r`` / ``f9`` or
the Redrive button, never on ``enter`` alone: Cancel holds the focus, or, when another owner holds
the database lock, the name field does. The modal then names the owner and how long they have
held it, and a forced takeover is possible only after the operator types the database name
exactly; a wrong name is called out as not matching. The dialog scrolls when the terminal is too
short for it, keeping the focused control in view.

The pre-flight verdict is shown; when it says a table will fail again, confirming stays blocked
until the operator explicitly overrides it with ``ctrl+o`` (the ``--ignore-preflight`` of the
CLI, recorded in the audit row).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Footer, Input, Static

from screens.durations import between, clock_time, span
from screens.safe_text import literal, printable
from screens.typed_confirm import TypedConfirmModal
from screens.widgets.preflight_panel import preflight_summary
from services.domain.states import RETRY_BUDGET
from services.redrive.model import Review


@dataclass(frozen=True)
class ConfirmResult:
    """The operator confirmed; ``force`` means take the lock over from its current owner;
    ``ignore_preflight`` that a ``will_fail_again`` pre-flight was overridden."""

    force: bool
    ignore_preflight: bool = False


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class ConfirmRedriveScreen(TypedConfirmModal[ConfirmResult]):
    """Dismisses with ``ConfirmResult`` on confirmation, ``None`` on cancel."""

    TYPED_ID = "force-name"
    BLOCKED_ID = "confirm-blocked"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        Binding("ctrl+r,f9", "confirm", "Redrive", id="confirm.redrive"),
        Binding("ctrl+o", "ignore_preflight", "Ignore pre-flight", id="confirm.ignore-preflight"),
    ]

    def __init__(self, review: Review, *, read_only: bool) -> None:
        super().__init__(classes="confirm-modal")
        self.review = review
        self.read_only = read_only
        self.typed_name = ""
        self.ignore_preflight = False

    @property
    def force_needed(self) -> bool:
        return self.review.lock.held_by_other

    @property
    def typing_needed(self) -> bool:
        return self.force_needed

    @property
    def typed_name_matches(self) -> bool:
        if not self.force_needed:
            return True
        return self.typed_name == self.review.lock.database_name

    @property
    def blocked_reason(self) -> str | None:
        """Why confirming is impossible right now, or None when it is allowed."""
        if self.read_only:
            return "READ-ONLY mode: redrive is disabled."
        if not self.review.redrivable or self.review.token is None:
            return f"NOT REDRIVABLE: {self.review.reason or self.review.verdict.value}"
        if not self.typed_name_matches:
            if not self.typed_name:
                return "Type the database name exactly to take over the lock."
            return (
                f"{printable(self.typed_name, single_line=True)!r} does not match the database "
                f"name {printable(self.review.lock.database_name, single_line=True)!r}."
            )
        if self.review.preflight_fails and not self.ignore_preflight:
            return "PRE-FLIGHT: the retry will fail again. Press ctrl+o to redrive anyway."
        return None

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        review = self.review
        apply = review.apply
        with VerticalScroll(id="confirm-dialog", classes="dialog"):
            title = Text("Redrive apply ", style="bold")
            title.append_text(literal(apply.apply_identifier, single_line=True, style="bold"))
            title.append("?")
            yield Static(title, classes="dialog-title")
            yield Static(self._facts())
            yield Static(self._changes(), id="confirm-changes")
            if review.preflight is not None:
                yield Static(preflight_summary(review.preflight), id="confirm-preflight")
            if self.force_needed:
                with Vertical(classes="warning-box", id="lock-warning"):
                    yield Static(self._lock_warning())
                    yield Input(
                        placeholder=f"type {review.lock.database_name} to take over the lock",
                        id="force-name",
                        compact=True,
                    )
            yield Static(id="confirm-blocked", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", id="cancel", variant="primary", compact=True)
                yield Button(self._confirm_label(), id="confirm", variant="error", compact=True)
        yield Footer()

    def _facts(self) -> Text:
        apply = self.review.apply
        facts = Text("database ")
        facts.append_text(literal(apply.database_name, single_line=True, style="bold"))
        facts.append(" · environment ")
        facts.append_text(literal(self.review.environment, single_line=True))
        facts.append(" · deployment ")
        facts.append_text(literal(apply.deployment, single_line=True))
        return facts

    def _changes(self) -> Text:
        review = self.review
        lock = review.lock
        tasks = len(review.reopen_task_ids)
        operations = len(review.reopen_operation_ids)
        lines = Text("\nIn one transaction this will:\n")
        lines.append(
            f" • move {plural(tasks, 'task')} and {plural(operations, 'operation')} "
            "to failed_retryable (errors cleared)\n"
        )
        budget = (
            f"reset its retry budget: attempt {review.apply.attempt} of {RETRY_BUDGET} -> "
            f"0 of {RETRY_BUDGET}"
            if review.apply.attempt
            else f"its retry budget stays at 0 of {RETRY_BUDGET}"
        )
        lines.append(f" • move the apply from {review.apply.state} to failed_retryable; {budget}\n")
        lines.append(" • ")
        if lock.held_by_other:
            lines.append("TAKE OVER the database lock from ")
            lines.append_text(literal(lock.owner, single_line=True, style="bold"))
            lines.append(" and hold it as ")
        elif lock.held_by_operator:
            lines.append("keep the database lock you already hold as ")
        else:
            lines.append("acquire the database lock as ")
        lines.append_text(literal(lock.operator, single_line=True, style="bold"))
        lines.append("\n • write an audit row naming you; nothing else changes")
        return lines

    def _lock_warning(self) -> Text:
        lock = self.review.lock
        warning = Text()
        warning.append("⚠ LOCK HELD BY ANOTHER OWNER: ", style="bold")
        warning.append_text(literal(lock.owner, single_line=True, style="bold"))
        if lock.held_since is not None:
            held = span(between(lock.held_since, self.review.database_now))
            warning.append(f"\n  held for {held} (since {clock_time(lock.held_since)})")
        if lock.repository:
            warning.append("\n  for ")
            warning.append_text(literal(lock.repository, single_line=True))
            if lock.pull_request:
                warning.append(f" #{lock.pull_request}")
        warning.append("\nTo take it over, type the database name ")
        warning.append_text(literal(lock.database_name, single_line=True, style="bold"))
        warning.append(" exactly:")
        return warning

    def _verb(self) -> str:
        return "take over the lock and redrive" if self.force_needed else "redrive"

    def _confirm_label(self) -> str:
        return "Take over lock and redrive (ctrl+r)" if self.force_needed else "Redrive (ctrl+r)"

    def ready_hint(self) -> str:
        return f"Press ctrl+r (or f9) to {self._verb()}; esc backs out."

    # -- behaviour ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "ignore_preflight":
            return self.review.preflight_fails and not self.ignore_preflight
        return super().check_action(action, parameters)

    def typed(self, value: str) -> None:
        self.typed_name = value

    def confirmed(self) -> ConfirmResult:
        return ConfirmResult(force=self.force_needed, ignore_preflight=self.ignore_preflight)

    def action_ignore_preflight(self) -> None:
        """The explicit override of a ``will_fail_again`` pre-flight (audited by the write)."""
        if self.review.preflight_fails:
            self.ignore_preflight = True
            self.query_one("#confirm-preflight", Static).update(
                preflight_summary(self.review.preflight, overridden=True)
            )
            self.refresh_state()
