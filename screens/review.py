"""The review screen: apply facts, the verdict, the task breakdown and the DDL diff of one apply.

The review (re-plan and compare) runs in a thread worker that posts typed messages back; the
screen owns all state and only ever asks the service, never decides. Typed service errors
(planner, storage, refusal) are expected and shown in the banner; anything else takes the shared
error path of ``ConsoleScreen`` (the error modal) and the banner says the review failed.
Confirming pushes the confirmation modal and, on a result, the outcome screen. The pre-flight
panel (``PreflightPanel``) shows each table's verdict; ``]`` / ``[`` jump between its findings.

With a SchemaBot server configured (the app's ``schemabot`` session):

- the planner panel shows the verdicts ``--planner remote|both`` asks for (stored / server /
  local), asked in a second worker once the local review arrived; a table where the server and
  the local planner disagree gets a loud mark, and a redrive stays blocked until the server
  answered and allows it (as the CLI's ``redrive --planner`` refuses);
- ``s`` resubmits the failed apply as a fresh apply: the server's fresh plan beside the stored
  remaining work (a worker), the resubmit confirmation, then the resubmit outcome screen that
  follows the new apply. On storage whose generation refuses the reopen (G2) it is the only
  recovery offered: the redrive keys are not shown there at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.durations import ago, between, clock_time, span, time_left
from screens.error import ConsoleScreen, ErrorReport, describe_error, show_error
from screens.safe_text import literal
from screens.widgets.diff_model import DiffDocument, build_diff_document
from screens.widgets.diff_view import DiffView
from screens.widgets.footer import CoalescingFooter
from screens.widgets.preflight_panel import PreflightPanel
from screens.widgets.sql_highlight import warm_up
from screens.widgets.state_counts import state_counts
from services.domain.errors import RedriveConsoleError
from services.domain.models import ApplyOperation
from services.domain.states import RETRY_BUDGET, normalize_state
from services.redrive.api import ConsoleService
from services.redrive.model import Review, TableStatus, Verdict
from services.redrive.planner_kind import Planner

if TYPE_CHECKING:
    from screens.confirm import ConfirmResult
    from screens.resubmit_confirm import ResubmitConfirmResult
    from services.redrive.planner_choice import PlannerCheck
    from services.schemabot_api.resubmit import ResubmitPreview
    from services.schemabot_api.session import SchemaBotSession

SHORT_TERMINAL_ROWS = 32
"""Below this many rows the review drops its spacing and shows fewer task lines."""

MAX_LISTED_FAILURES = 3
"""Failed or cancelled tasks listed by name; the task area has a fixed height."""

# The mark of a listed task's state class; a stored spelling other than the plain one
# (``STATE_FAILED``, ``Failed``) is shown verbatim next to it, never rewritten.
_STATE_MARKS = {"failed": "✘ FAILED   ", "cancelled": "⊘ CANCELLED"}


class ReviewStage(Message):
    """The service reached a named stage of the review (for the progress indication)."""

    def __init__(self, generation: int, stage: str) -> None:
        super().__init__()
        self.generation = generation
        self.stage = stage


class ReviewReady(Message):
    """The review and its prepared diff arrived."""

    def __init__(self, generation: int, review: Review, document: DiffDocument) -> None:
        super().__init__()
        self.generation = generation
        self.review = review
        self.document = document


class ReviewFailed(Message):
    """The review could not be produced for an expected reason (planner error, lost storage...)."""

    def __init__(self, generation: int, report: ErrorReport) -> None:
        super().__init__()
        self.generation = generation
        self.report = report


class PlannerChecked(Message):
    """The SchemaBot server's side of the review arrived; ``refusal`` is why it forbids the
    redrive the local review allows (``None``: it does not)."""

    def __init__(
        self, generation: int, check: PlannerCheck, refusal: tuple[str, str] | None
    ) -> None:
        super().__init__()
        self.generation = generation
        self.check = check
        self.refusal = refusal


class PlannerCheckFailed(Message):
    """The SchemaBot server could not be asked for its plan (refusal or no answer)."""

    def __init__(self, generation: int, report: ErrorReport) -> None:
        super().__init__()
        self.generation = generation
        self.report = report


class ResubmitPreviewFailed(Message):
    """The resubmit preview was refused (by a rule or by SchemaBot) or got no answer."""

    def __init__(self, generation: int, report: ErrorReport) -> None:
        super().__init__()
        self.generation = generation
        self.report = report


class ResubmitPreviewReady(Message):
    """The server's fresh plan beside the stored remaining work, for the resubmit confirmation."""

    def __init__(self, generation: int, preview: ResubmitPreview) -> None:
        super().__init__()
        self.generation = generation
        self.preview = preview


class ReviewScreen(ConsoleScreen):
    """Review one failed apply before redriving it."""

    DEFAULT_CSS = """
    ReviewScreen {
        layout: vertical;
    }
    ReviewScreen #review-facts {
        height: auto;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    ReviewScreen #review-banner {
        height: auto;
        padding: 0 1;
        margin: 1 0 0 0;
        border-left: thick $primary;
        background: $boost;
        text-style: bold;
    }
    ReviewScreen #review-banner.-match { border-left: thick $success; color: $text-success; }
    ReviewScreen #review-banner.-mismatch { border-left: thick $error; color: $text-error; }
    ReviewScreen #review-banner.-not-redrivable {
        border-left: thick $warning;
        color: $text-warning;
    }
    ReviewScreen #review-banner.-error { border-left: thick $error; color: $text-error; }
    ReviewScreen #review-banner.-pending { border-left: thick $accent; color: $text-accent; }
    ReviewScreen #review-planner {
        height: auto;
        max-height: 6;
        padding: 0 1;
        margin: 1 0 0 0;
        border-left: thick $accent;
    }
    ReviewScreen #review-planner.-loud { border-left: thick $error; }
    ReviewScreen #review-tasks {
        height: auto;
        max-height: 6;
        padding: 0 1;
        margin: 1 0 0 0;
    }
    ReviewScreen #review-diff { margin: 1 0 0 0; min-height: 5; }
    ReviewScreen #review-notes {
        height: auto;
        max-height: 2;
        padding: 0 1;
        color: $text-muted;
    }
    /* A short terminal: no blank lines between the parts, fewer task lines, so the lock line,
       the verdict and the redrive keys stay on screen at 80x24. */
    ReviewScreen.-short #review-banner, ReviewScreen.-short #review-tasks,
    ReviewScreen.-short #review-diff, ReviewScreen.-short #review-planner { margin: 0; }
    ReviewScreen.-short #review-tasks { max-height: 4; }
    ReviewScreen.-short #review-notes { max-height: 1; }
    """

    FOOTER_FIRST = ("review.confirm", "review.force", "review.resubmit")
    """Binding ids the footer keeps at any width (with help and quit)."""

    BINDINGS: list[BindingType] = [
        Binding("c,enter", "confirm", "Redrive…", id="review.confirm"),
        Binding("f", "force", "Force takeover…", id="review.force"),
        Binding("s", "resubmit", "Resubmit…", id="review.resubmit"),
        Binding("r", "rerun", "Re-run review", id="review.rerun"),
        Binding("l", "logs", "Logs", id="review.logs"),
        Binding("y", "copy_id", "Copy id", id="review.copy-id"),
        # The diff pane has n/p for its changes; brackets step through pre-flight findings.
        Binding(
            "right_square_bracket",
            "next_finding",
            "Next finding",
            id="review.preflight-next",
            key_display="]",
        ),
        Binding(
            "left_square_bracket",
            "previous_finding",
            "Prev finding",
            id="review.preflight-prev",
            key_display="[",
        ),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    def __init__(
        self,
        service: ConsoleService,
        apply_identifier: str,
        environment: str,
        *,
        operator: str,
        read_only: bool = False,
    ) -> None:
        super().__init__()
        self.service = service
        self.apply_identifier = apply_identifier
        self.environment = environment
        self.operator = operator
        self.read_only = read_only
        self.review: Review | None = None
        self.error: ErrorReport | None = None
        self.stages: list[str] = []
        self.planner_check: PlannerCheck | None = None
        self.planner_refusal: tuple[str, str] | None = None
        self.planner_error: ErrorReport | None = None
        self.resubmit_pending = False
        self._generation = 0
        self._worker: Worker[None] | None = None

    @property
    def loading(self) -> bool:
        return self.review is None and self.error is None

    @property
    def schemabot(self) -> SchemaBotSession | None:
        """The app's SchemaBot session (``None``: no server configured; nothing is asked)."""
        return getattr(self.app, "schemabot", None)

    @property
    def asks_server_planner(self) -> bool:
        session = self.schemabot
        return session is not None and session.planner.asks_server

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="review-facts")
        yield Static(id="review-banner")
        yield Static(id="review-planner")
        yield Static(id="review-tasks")
        yield PreflightPanel(id="review-preflight")
        yield DiffView(id="review-diff")
        yield Static(id="review-notes")
        yield CoalescingFooter()

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT_TERMINAL_ROWS, "-short")

    def on_mount(self) -> None:
        self.query_one("#review-planner", Static).display = self.asks_server_planner
        self.query_one(DiffView).focus()
        self._warm_up_highlighting()
        self.start_review()

    @work(thread=True, exit_on_error=False, group="syntax", description="prepare the diff view")
    def _warm_up_highlighting(self) -> None:
        """Build the SQL lexer while the service re-plans, so the diff paints without waiting."""
        warm_up()

    # -- the review worker ----------------------------------------------------------------

    def start_review(self) -> None:
        """(Re)run the review; answers of an earlier run are dropped."""
        self._generation += 1
        self.review = None
        self.error = None
        self.stages = []
        self.planner_check = None
        self.planner_refusal = None
        self.planner_error = None
        self.query_one(PreflightPanel).waiting()
        self.query_one(DiffView).show_message("Waiting for the fresh plan…")
        self._refresh_view()
        self._worker = self._review_worker(self._generation)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="review",
        description="review the apply",
    )
    def _review_worker(self, generation: int) -> None:
        worker = get_current_worker()

        def on_stage(stage: str) -> None:
            if not worker.is_cancelled:
                self.post_message(ReviewStage(generation, stage))

        try:
            review = self.service.review(self.apply_identifier, self.environment, on_stage=on_stage)
        except RedriveConsoleError as error:  # expected: explained in the banner
            if not worker.is_cancelled:
                self.post_message(
                    ReviewFailed(generation, describe_error(error, doing="review the apply"))
                )
            return
        document = build_diff_document(review.comparisons)
        if not worker.is_cancelled:
            self.post_message(ReviewReady(generation, review, document))

    @on(Worker.StateChanged)
    def _review_crashed(self, event: Worker.StateChanged) -> None:
        # ConsoleScreen shows the modal; here the banner stops saying "reviewing".
        if event.worker is not self._worker or event.state is not WorkerState.ERROR:
            return
        if event.worker.error is not None and self.loading:
            self.error = describe_error(event.worker.error, doing="review the apply")
            self.query_one(DiffView).show_message("No comparison: the review failed (see above).")
            self._refresh_view()

    @on(ReviewStage)
    def _stage_reached(self, message: ReviewStage) -> None:
        if message.generation == self._generation and self.loading:
            self.stages.append(message.stage)
            self._refresh_view()

    @on(ReviewReady)
    def _review_ready(self, message: ReviewReady) -> None:
        if message.generation != self._generation:
            return
        self.review = message.review
        self.query_one(PreflightPanel).show(message.review.preflight)
        diff = self.query_one(DiffView)
        if message.document.tables:
            diff.set_document(message.document)
        elif message.review.verdict is Verdict.NOT_REDRIVABLE:
            diff.show_message("No comparison: the apply is not redrivable (see above).")
        else:
            diff.show_message("No statements to compare.")
        self._refresh_view()
        if self.asks_server_planner:
            self._planner_worker(message.generation, message.review)

    # -- the SchemaBot server's side ------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="planner",
        description="ask the SchemaBot server for its plan",
    )
    def _planner_worker(self, generation: int, review: Review) -> None:
        from services.redrive.planner_choice import planner_refusal

        session = self.schemabot
        assert session is not None  # started only with a session
        try:
            check = session.check_planners(review)
        except RedriveConsoleError as error:  # a refusal by the server, or no answer
            if not get_current_worker().is_cancelled:
                report = describe_error(error, doing="ask the SchemaBot server for its plan")
                self.post_message(PlannerCheckFailed(generation, report))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(PlannerChecked(generation, check, planner_refusal(check)))

    @on(PlannerChecked)
    def _planner_checked(self, message: PlannerChecked) -> None:
        if message.generation == self._generation:
            self.planner_check = message.check
            self.planner_refusal = message.refusal
            self._refresh_view()

    @on(PlannerCheckFailed)
    def _planner_failed(self, message: PlannerCheckFailed) -> None:
        if message.generation == self._generation:
            self.planner_error = message.report
            self._refresh_view()

    @on(ReviewFailed)
    def _review_failed(self, message: ReviewFailed) -> None:
        if message.generation != self._generation:
            return
        self.error = message.report
        self.query_one(DiffView).show_message("No comparison: the review failed (see above).")
        self._refresh_view()

    # -- rendering ------------------------------------------------------------------------

    def _refresh_view(self) -> None:
        self.query_one("#review-facts", Static).update(self._facts())
        banner = self.query_one("#review-banner", Static)
        text, state = self._banner()
        banner.update(text)
        for name in ("pending", "match", "mismatch", "not-redrivable", "error"):
            banner.set_class(name == state, f"-{name}")
        self.query_one("#review-tasks", Static).update(self._tasks())
        self.query_one("#review-notes", Static).update(self._notes())
        if self.asks_server_planner:
            planner = self.query_one("#review-planner", Static)
            planner.update(self._planner_text())
            loud = self.planner_error is not None or self.planner_refusal is not None
            planner.set_class(loud or self._disagreeing(), "-loud")
        self.refresh_bindings()

    def _facts(self) -> Text:
        facts = Text.assemble(("Review ", "bold"))
        facts.append_text(literal(self.apply_identifier, single_line=True, style="bold"))
        review = self.review
        if review is None:
            facts.append(" · environment ")
            facts.append_text(literal(self.environment, single_line=True))
            facts.append("\nloading apply facts…" if self.loading else "\napply facts unavailable")
            return facts
        apply = review.apply
        now = review.database_now
        facts.append(" · database ")
        facts.append_text(literal(apply.database_name, single_line=True, style="bold"))
        facts.append_text(literal(f" ({apply.database_type})", single_line=True))
        facts.append(" · environment ")
        facts.append_text(literal(review.environment, single_line=True))
        facts.append(" · deployment ")
        facts.append_text(literal(apply.deployment, single_line=True))
        if review.plan_identifier:
            facts.append(" · stored plan ")
            facts.append_text(literal(review.plan_identifier, single_line=True))
        facts.append(f"\nfailed {ago(apply.completed_at, now)} ({clock_time(apply.completed_at)})")
        facts.append(f" · {time_left(review.window_ends_at, now)} in the redrive window")
        facts.append(f" · attempt {apply.attempt}/{RETRY_BUDGET}")
        facts.append(f" · redriven {review.redrive_count} time(s) before")
        facts.append("\nlock ")
        lock = review.lock
        if lock.free:
            facts.append("FREE")
            facts.append(" · a redrive acquires it as ")
            facts.append_text(literal(lock.operator, single_line=True))
            return facts
        if lock.unnamed is not None:
            facts.append(f"HELD BY AN UNKNOWN OWNER: {lock.unnamed.label}", style="bold")
            facts.append(" · no redrive, forced or not, until the locks rows are repaired")
            return facts
        facts.append("HELD BY YOU " if lock.held_by_operator else "HELD BY ", style="bold")
        facts.append_text(literal(lock.owner, single_line=True, style="bold"))
        if lock.held_since is not None:
            held = span(between(lock.held_since, now))
            facts.append(f" since {clock_time(lock.held_since)} ({held})")
        if lock.held_by_other:
            facts.append(" · a redrive needs a forced takeover (f)")
        return facts

    def _banner(self) -> tuple[Text, str]:
        if self.error is not None:
            text = Text("⚠ REVIEW FAILED — ")
            text.append_text(literal(f"{self.error.title}: {self.error.message}", single_line=True))
            text.append("\n")
            text.append_text(literal(self.error.hint, single_line=True, style="not bold"))
            text.append(" Press r to re-run the review.", style="not bold")
            return text, "error"
        review = self.review
        if review is None:
            text = Text("⋯ REVIEWING — re-planning ")
            text.append_text(literal(self.apply_identifier, single_line=True))
            text.append(" against the live database of ")
            text.append_text(literal(self.environment, single_line=True))
            text.append("…\n")
            text.append(self._stage_line(), style="not bold")
            return text, "pending"
        if review.verdict is Verdict.MATCH:
            headline, state = self._server_override() or ("✔ MATCH — ", "match")
            text = Text(headline)
            text.append_text(
                literal(
                    review.reason or "the fresh plan equals the stored remaining work",
                    single_line=True,
                )
            )
            text.append("\n")
            text.append(self._match_hint(review), style="not bold")
            return text, state
        if review.verdict is Verdict.MISMATCH:
            text = Text("✘ MISMATCH — ")
            text.append_text(literal(review.reason or "the fresh plan differs", single_line=True))
            text.append("\n")
            document = self.query_one(DiffView).document
            changed = document.changed_tables if document is not None else 0
            text.append(
                f"{changed} table(s) differ; see the diff below (n / p jump between changes). "
                "Redrive is refused.",
                style="not bold",
            )
            return text, "mismatch"
        text = Text("⊘ NOT REDRIVABLE — ")
        text.append_text(literal(review.reason or "not redrivable", single_line=True))
        if self._resubmit_offered():
            text.append(
                "\nNothing can be redriven. Press s to resubmit it as a fresh apply through "
                "SchemaBot (you confirm first), r to re-run the review, escape to go back.",
                style="not bold",
            )
            return text, "not-redrivable"
        text.append(
            "\nNothing can be redriven. Press r to re-run the review, escape to go back.",
            style="not bold",
        )
        return text, "not-redrivable"

    def _stage_line(self) -> str:
        if not self.stages:
            return "stage: starting"
        done = " · ".join(f"✓ {stage}" for stage in self.stages[:-1])
        current = f"stage {len(self.stages)}: {self.stages[-1]}…"
        return f"{done} · {current}" if done else current

    def _server_override(self) -> tuple[str, str] | None:
        """The headline and banner state when the SchemaBot server blocks a redrive that the
        local review allows: the banner must not stay a green MATCH while the redrive is
        refused (``--planner remote|both``)."""
        if not self.asks_server_planner:
            return None
        if self.planner_refusal is not None:
            if self.planner_refusal[0] == "planner_disagreement":
                return "✘ PLANNERS DISAGREE — locally: ", "mismatch"
            return "✘ SERVER PLAN DIFFERS — locally: ", "mismatch"
        if self.planner_check is None and self.planner_error is not None:
            return "⊘ SERVER UNAVAILABLE — locally: ", "not-redrivable"
        return None

    def _match_hint(self, review: Review) -> str:
        if self.read_only:
            return "READ-ONLY mode: redrive is disabled."
        if self.asks_server_planner and self.planner_refusal is not None:
            if self.planner_refusal[0] == "planner_disagreement":
                return "Redrive refused: the server and the local planner disagree (see below)."
            return "Redrive refused: the server's plan differs from the stored work (see below)."
        if self.asks_server_planner and self.planner_check is None:
            if self.planner_error is not None:
                return "Redrive is blocked: the SchemaBot server could not be asked for its plan."
            return "Waiting for the SchemaBot server's plan before a redrive can be confirmed."
        if review.lock.held_by_other:
            return "Press c (or f) to redrive with a forced lock takeover; you confirm first."
        return "Press c or enter to redrive; you will be asked to confirm."

    def _tasks(self) -> Text:
        review = self.review
        if review is None:
            waiting = "unavailable: the review failed" if self.error else "waiting for the review…"
            return Text(f"Tasks: {waiting}", style="italic")
        text = Text.assemble(("Tasks: ", "bold"))
        text.append(state_counts(review.drive_task_states()))
        if review.operations or review.settled.operation_ids:
            text.append("    Operations: ", style="bold")
            text.append(state_counts(review.operation_states()))
        operations = {op.id: op for op in review.operations}
        unfinished = [task for task in review.tasks if normalize_state(task.state) in _STATE_MARKS]
        for task in unfinished[:MAX_LISTED_FAILURES]:
            state = normalize_state(task.state)
            text.append(f"\n  {_STATE_MARKS[state]}  #{task.id} ")
            if task.state != state:
                text.append("(stored state ")
                text.append_text(literal(task.state, single_line=True))
                text.append(") ")
            place = ".".join(part for part in (task.namespace, task.table_name or "") if part)
            text.append_text(literal(place or task.task_identifier, single_line=True))
            if task.shard:
                text.append(" shard ")
                text.append_text(literal(task.shard, single_line=True))
            operation = operations.get(task.apply_operation_id or -1)
            if operation is not None:
                text.append(f" (operation #{operation.id} ")
                text.append_text(literal(_operation_label(operation), single_line=True))
                text.append(")")
            if task.id in review.reflected_task_ids:
                text.append(" [progress row: not compared, not reopened]")
            text.append(" — ")
            text.append_text(literal(task.error_message or "no error recorded", single_line=True))
        if len(unfinished) > MAX_LISTED_FAILURES:
            hidden = len(unfinished) - MAX_LISTED_FAILURES
            text.append(f"\n  … and {hidden} more failed or cancelled task(s); l shows the log")
        text.append("\n")
        would_reopen = review.verdict is Verdict.MATCH
        text.append("Would reopen: " if would_reopen else "Remaining failed work: ", style="bold")
        if not review.reopen_task_ids and not review.reopen_operation_ids:
            text.append("nothing")
            return text
        task_ids = ", ".join(f"#{task_id}" for task_id in review.reopen_task_ids) or "none"
        text.append(f"tasks {task_ids}")
        if review.reopen_operation_ids:
            names = ", ".join(
                f"#{op_id} ({_operation_label(operations[op_id])})"
                if op_id in operations
                else f"#{op_id}"
                for op_id in review.reopen_operation_ids
            )
            text.append(" · operations ")
            text.append_text(literal(names, single_line=True))
        if would_reopen:
            text.append(" → failed_retryable")
        return text

    def _planner_text(self) -> Text:
        """The planner panel: the verdicts the configured planner asks for, a loud mark where
        the server and the local planner disagree, and what planning on the server does."""
        session = self.schemabot
        assert session is not None  # shown only with a session
        text = Text.assemble(("Planner ", "bold"), (session.planner.value, "bold"), " · ")
        check = self.planner_check
        if self.planner_error is not None:
            text.append("✘ SERVER NOT ASKED: ", style="bold")
            report = self.planner_error
            text.append_text(literal(f"{report.title}: {report.message}", single_line=True))
            text.append("\nA redrive stays blocked until the server answers; r re-runs the review.")
        elif check is None:
            text.append("⋯ asking the SchemaBot server at " if self.review else "⋯ then asking ")
            text.append_text(literal(session.url, single_line=True))
            text.append(" for its fresh plan of the stored desired schema…")
        else:
            self._append_verdicts(text, check)
        text.append("\n")
        if check is not None and check.server_plan_id:
            text.append("server plan ")
            text.append_text(literal(check.server_plan_id, single_line=True))
            text.append(" · ")
        text.append("planning creates a plan record on the server and nothing else")
        return text

    def _append_verdicts(self, text: Text, check: PlannerCheck) -> None:
        verdicts: list[tuple[str, str]] = []
        if check.planner is Planner.BOTH:
            verdicts.append(("stored vs local", check.stored_vs_local))
        verdicts.append(("stored vs server", check.stored_vs_server or "not_compared"))
        if check.server_vs_local is not None:
            verdicts.append(("server vs local", check.server_vs_local))
        for index, (label, verdict) in enumerate(verdicts):
            text.append(" · " if index else "")
            text.append(f"{label} ")
            text.append(_PLANNER_MARKS.get(verdict, verdict.upper()), style="bold")
        if check.server_reason:
            text.append("\nserver not asked: ")
            text.append_text(literal(check.server_reason, single_line=True))
        if check.disagreeing_tables:
            text.append("\n‼ PLANNER FIDELITY: server and local planner disagree on ", style="bold")
            text.append_text(
                literal(", ".join(check.disagreeing_tables), single_line=True, style="bold")
            )
        elif check.stored_vs_server == "mismatch":
            tables = [
                f"{row.namespace}.{row.table}"
                for row in check.server_tables
                if row.status is not TableStatus.SAME
            ]
            text.append("\nthe server's plan differs from the stored remaining work on ")
            text.append_text(literal(", ".join(tables) or "its scalars", single_line=True))

    def _disagreeing(self) -> bool:
        return self.planner_check is not None and bool(self.planner_check.disagreeing_tables)

    def _notes(self) -> Text:
        lines: list[Text] = []
        if self.read_only:
            lines.append(Text("• READ-ONLY mode: redrive actions are disabled.", style="bold"))
        if self.review is not None:
            lines.extend(
                Text("• ").append_text(literal(note, single_line=True))
                for note in self.review.notes
            )
        if not lines:
            return Text("• no notes" if self.review is not None else "")
        return Text("\n").join(lines)

    # -- actions --------------------------------------------------------------------------

    def _confirm_allowed(self) -> bool:
        review = self.review
        return (
            review is not None
            and review.verdict is Verdict.MATCH
            and review.token is not None
            and not self.read_only
            and self._planner_allows_redrive()
        )

    def _planner_allows_redrive(self) -> bool:
        """With ``--planner remote|both`` a redrive waits for the server's answer and is refused
        when its plan differs from the stored work or from the local plan (as the CLI)."""
        if not self.asks_server_planner:
            return True
        return self.planner_check is not None and self.planner_refusal is None

    def _reopen_offered(self) -> bool:
        """False where the storage generation refuses the reopen (G2): no redrive key at all."""
        review = self.review
        return review is None or review.storage is None or "reopen" in review.storage.actions

    def _resubmit_state(self) -> bool | None:
        """``check_action``'s answer for resubmit: hidden without a SchemaBot server or where
        the generation allows no resubmit, greyed out until a failed apply's review is in."""
        review = self.review
        if self.schemabot is None:
            return False
        storage = review.storage if review is not None else None
        if storage is not None and "resubmit" not in storage.actions:
            return False
        if review is None or review.apply.state != "failed" or self.resubmit_pending:
            return None
        return True

    def _resubmit_offered(self) -> bool:
        return self._resubmit_state() is True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Textual's contract: True enabled, None shown greyed out, False hidden."""
        if action in {"confirm", "force"} and not self._reopen_offered():
            return False
        if action == "resubmit":
            return self._resubmit_state()
        if action == "confirm":
            return True if self._confirm_allowed() else None
        if action == "force":
            if self.review is None or not self.review.lock.held_by_other:
                return False
            return True if self._confirm_allowed() else None
        if action in {"next_finding", "previous_finding"}:
            return self.query_one(PreflightPanel).findings > 1
        return True

    def action_confirm(self) -> None:
        self._open_confirmation()

    def action_force(self) -> None:
        self._open_confirmation()

    def _open_confirmation(self) -> None:
        from screens.confirm import ConfirmRedriveScreen

        if self.review is None or not self._confirm_allowed():
            return
        self.app.push_screen(
            ConfirmRedriveScreen(self.review, read_only=self.read_only), self._confirmed
        )

    def _confirmed(self, result: ConfirmResult | None) -> None:
        from screens.outcome import OutcomeScreen

        if result is None or self.review is None:
            return
        self.app.push_screen(
            OutcomeScreen(
                self.service,
                self.review,
                operator=self.operator,
                force=result.force,
                ignore_preflight=result.ignore_preflight,
            )
        )

    # -- resubmit -------------------------------------------------------------------------

    def action_resubmit(self) -> None:
        """Ask the server for its fresh plan, then confirm it in the resubmit modal."""
        if self.review is None or self._resubmit_state() is not True:
            return
        self.resubmit_pending = True
        self.refresh_bindings()
        self.notify("Asking SchemaBot for a fresh plan of the stored desired schema…", timeout=3)
        self._preview_worker(self._generation, self.review)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="resubmit-preview",
        description="ask SchemaBot for a fresh plan to resubmit",
    )
    def _preview_worker(self, generation: int, review: Review) -> None:
        from screens.resubmit_confirm import resubmit_error_report

        session = self.schemabot
        assert session is not None  # the action is hidden without a session
        ident = review.apply.apply_identifier
        try:
            preview = session.preview_resubmit(ident, review.environment)
        except RedriveConsoleError as error:
            self.post_message(ResubmitPreviewFailed(generation, resubmit_error_report(error)))
            return
        self.post_message(ResubmitPreviewReady(generation, preview))

    @on(ResubmitPreviewFailed)
    def _preview_failed(self, message: ResubmitPreviewFailed) -> None:
        self.resubmit_pending = False
        self.refresh_bindings()
        show_error(self.app, message.report)

    @on(Worker.StateChanged)
    def _schemabot_worker_crashed(self, event: Worker.StateChanged) -> None:
        # ConsoleScreen shows the modal; here the screen stops waiting for the answer.
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        if event.worker.group == "resubmit-preview":
            self.resubmit_pending = False
            self.refresh_bindings()
        elif event.worker.group == "planner" and self.planner_check is None:
            doing = "ask the SchemaBot server for its plan"
            self.planner_error = describe_error(event.worker.error, doing=doing)
            self._refresh_view()

    @on(ResubmitPreviewReady)
    def _preview_ready(self, message: ResubmitPreviewReady) -> None:
        from screens.resubmit_confirm import ConfirmResubmitScreen

        self.resubmit_pending = False
        self.refresh_bindings()
        session = self.schemabot
        if message.generation != self._generation or self.review is None or session is None:
            return
        preview = message.preview
        confirm = ConfirmResubmitScreen(
            preview,
            self.review,
            operator=self.operator,
            read_only=self.read_only,
            server=session.url,
        )
        self.app.push_screen(confirm, lambda result: self._resubmit_confirmed(preview, result))

    def _resubmit_confirmed(
        self, preview: ResubmitPreview, result: ResubmitConfirmResult | None
    ) -> None:
        from screens.resubmit_outcome import ResubmitOutcomeScreen

        session = self.schemabot
        if result is None or session is None:
            return
        self.app.push_screen(
            ResubmitOutcomeScreen(
                session,
                self.service,
                preview,
                operator=self.operator,
                confirmed_fingerprint=result.confirmed_fingerprint,
                read_only=self.read_only,
            )
        )

    def action_next_finding(self) -> None:
        self.query_one(PreflightPanel).step(1)

    def action_previous_finding(self) -> None:
        self.query_one(PreflightPanel).step(-1)

    def action_rerun(self) -> None:
        self.start_review()

    def action_logs(self) -> None:
        from screens.logs import LogScreen

        self.app.push_screen(LogScreen(self.service, self.apply_identifier))

    def action_copy_id(self) -> None:
        from screens.clipboard import copy_to_clipboard

        copy_to_clipboard(self.app, self.apply_identifier, label="apply id")

    def action_back(self) -> None:
        self.app.pop_screen()


_PLANNER_MARKS = {"match": "✔ MATCH", "mismatch": "✘ MISMATCH", "not_compared": "○ NOT COMPARED"}


def _operation_label(operation: ApplyOperation) -> str:
    """The operation's key, or its deployment for a legacy single operation (empty key)."""
    return operation.operation_key or f"deployment {operation.deployment}"
