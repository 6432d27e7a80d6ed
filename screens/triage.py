"""The triage screen: recently failed applies, filtered, sorted and paged, refreshed gently.

Only the first page is fetched before the list paints; further pages load when the cursor nears
the end of what is loaded (or on ``m``), so 10,000 failed applies never land in one DataTable at
once. Auto-refresh re-reads what is loaded and updates changed cells in place, keeping the cursor
on the same apply and the scroll position where it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.durations import ago, time_left
from screens.error import ConsoleScreen
from screens.messages import FailedAppliesLoaded, OlderFailuresCounted, TriageQuery
from screens.safe_text import literal, printable
from screens.storage_status import StorageTrouble, classify
from screens.widgets.console_header import ConsoleHeader
from screens.widgets.console_table import ConsoleTable
from screens.widgets.footer import CoalescingFooter
from screens.widgets.state_counts import task_counts_cell
from services.domain.errors import StorageUnavailableError
from services.domain.states import RETRY_BUDGET
from services.redrive.api import ConsoleService
from services.redrive.model import TriageRow

PAGE_SIZE = 200
REFRESH_CAP = 2_000
LOAD_MORE_MARGIN = 25
ERROR_WIDTH = 20
REASON_WIDTH = 20
LOCK_OWNER_WIDTH = 18
COLUMN_PADDING = 2
SCROLLBAR_WIDTH = 2

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("id", "apply", None),
    ("database", "database", None),
    ("environment", "env", None),
    ("deployment", "deploy", None),
    ("failed", "failed, redrive window", None),
    ("attempt", "attempt", None),
    ("tasks", "tasks", None),
    ("lock", "lock owner", None),
    ("error", "error", ERROR_WIDTH),
    ("preflight", "pre-flight", None),
    ("redrivable", "redrivable", None),
)
COLUMN_PRIORITY = (
    "id",
    "redrivable",
    "lock",
    "database",
    "failed",
    "environment",
    "attempt",
    "tasks",
    "preflight",
    "error",
    "deployment",
)
"""Which columns stay on a narrow terminal, most important first; the rest are dropped."""


def columns_that_fit(
    widths: Mapping[str, int], available: int, hidden: Iterable[str] = ()
) -> tuple[str, ...]:
    """The column keys to show in ``available`` cells, in table order.

    Columns are taken by ``COLUMN_PRIORITY`` while they fit (each with its padding); the apply
    id is always shown, and a smaller, less important column may fill a gap a wider one left.
    ``hidden`` columns are never shown.
    """
    chosen: set[str] = set()
    used = 0
    for key in (k for k in COLUMN_PRIORITY if k not in hidden):
        need = widths.get(key, 0) + COLUMN_PADDING
        if chosen and used + need > available:
            continue
        chosen.add(key)
        used += need
    return tuple(key for key, _, _ in COLUMNS if key in chosen)


@dataclass(frozen=True)
class SortOrder:
    """One way of ordering the loaded rows; ``key=None`` keeps the service order (newest first)."""

    label: str
    key: Callable[[TriageRow], object] | None = None
    reverse: bool = False


SORT_ORDERS: tuple[SortOrder, ...] = (
    SortOrder("failed, newest first"),
    SortOrder("failed, oldest first", lambda row: row.failed_at or datetime.min),
    SortOrder("database", lambda row: (row.database.casefold(), row.environment)),
    SortOrder("environment", lambda row: (row.environment.casefold(), row.database)),
    SortOrder("attempt, highest first", lambda row: row.attempt, reverse=True),
    SortOrder("failed tasks, most first", lambda row: row.tasks.failed, reverse=True),
    SortOrder("redrivable first", lambda row: not row.redrivable),
    SortOrder("apply id", lambda row: row.apply_id),
)


def triage_cells(row: TriageRow, now: datetime, operator: str) -> tuple[Text, ...]:
    """The table cells of one row; untrusted text is rendered literally, states as words."""
    attempt = f"{row.attempt}/{RETRY_BUDGET}"
    if row.redrive_count:
        attempt += f" ↻{row.redrive_count}"
    error = printable(row.error, single_line=True)
    if len(error) > ERROR_WIDTH:
        error = error[: ERROR_WIDTH - 1] + "…"
    if row.redrivable:
        needs_force = row.lock_owner is not None and row.lock_owner != operator
        verdict = Text("✔ yes, needs force" if needs_force else "✔ yes", style="bold")
    else:
        verdict = Text()
        verdict.append("✘ no: ", style="bold")
        reason = printable(row.reason or "not redrivable", single_line=True)
        if len(reason) > REASON_WIDTH:
            reason = reason[: REASON_WIDTH - 1] + "…"
        verdict.append(reason)
    if row.lock_problem:
        lock = Text(f"⚠ {row.lock_problem}", style="bold")
    elif row.lock_owner:
        owner = printable(row.lock_owner, single_line=True)
        if len(owner) > LOCK_OWNER_WIDTH:  # the review shows it in full
            owner = owner[: LOCK_OWNER_WIDTH - 1] + "…"
        lock = Text(owner)
        if row.lock_held_since is not None:
            lock.append(f" {ago(row.lock_held_since, now).removesuffix(' ago')}")
    else:
        lock = Text("free", style="dim")
    apply_id = literal(row.apply_id, single_line=True, style="bold")
    if row.unreadable:
        apply_id = Text("⚠ unreadable ", style="bold").append_text(apply_id)
    return (
        apply_id,
        literal(row.database, single_line=True),
        literal(row.environment, single_line=True),
        literal(row.deployment, single_line=True),
        Text(f"{ago(row.failed_at, now)}, {time_left(row.window_ends_at, now)}"),
        Text(attempt),
        Text(task_counts_cell(row.tasks)),
        lock,
        Text(error),
        preflight_cell(row.preflight),
        verdict,
    )


PREFLIGHT_CELLS = {
    "will_fail_again": ("✘ fails again", "bold"),
    "likely_to_succeed": ("✔ likely", ""),
    "unknown": ("? unknown", "dim"),
}


def preflight_cell(verdict: str) -> Text:
    """The pre-flight verdict of a review run in this session; blank until one ran."""
    label, style = PREFLIGHT_CELLS.get(verdict, (verdict, ""))
    return Text(label, style=style)


def cursor_target(before: list[str], cursor_key: str | None, after: list[str]) -> int | None:
    """Where the cursor goes once the rows ``before`` became ``after``.

    The same apply when it is still listed; otherwise the nearest row that was below it (then
    above it) and is still listed; otherwise the row at the cursor's old position.
    """
    if not after or cursor_key is None:
        return None
    position = {key: index for index, key in enumerate(after)}
    if cursor_key in position:
        return position[cursor_key]
    old_index = before.index(cursor_key) if cursor_key in before else 0
    for key in (*before[old_index + 1 :], *reversed(before[:old_index])):
        if key in position:
            return position[key]
    return min(old_index, len(after) - 1)


def column_widths(rows: Iterable[tuple[Text, ...]]) -> dict[str, int]:
    """The widest cell (or label) of each column over ``rows`` (tuples of cells)."""
    widths = {key: width or cell_len(label) for key, label, width in COLUMNS}
    for row_cells in rows:
        for (key, _, fixed), cell in zip(COLUMNS, row_cells, strict=True):
            if fixed is None:
                widths[key] = max(widths[key], cell.cell_len)
    return widths


def matches(row: TriageRow, needle: str) -> bool:
    """Case-insensitive substring match over every text column of the row."""
    if not needle:
        return True
    haystack = " ".join(
        (
            row.apply_id,
            row.database,
            row.environment,
            row.deployment,
            row.lock_owner or "",
            row.error,
            row.reason,
        )
    )
    return needle.casefold() in haystack.casefold()


class TriageScreen(ConsoleScreen):
    """Failed applies inside the redrive window; enter opens the review of the highlighted one."""

    AUTO_FOCUS = "#triage-table"  # the keys go to the list, from the first frame on
    BINDINGS = [
        Binding("enter", "review", "Review", id="triage.review", priority=True),
        Binding("slash", "filter", "Filter", id="triage.filter", priority=True),
        Binding("escape", "clear_filter", "Clear filter", id="triage.clear-filter", show=False),
        Binding("e", "toggle_environment", "Env filter", id="triage.environment"),
        Binding("d", "toggle_database", "DB filter", id="triage.database"),
        Binding("a", "toggle_any_age", "Any age", id="triage.any-age"),
        Binding("s", "cycle_sort", "Sort", id="triage.sort"),
        Binding("r", "refresh", "Refresh", id="triage.refresh"),
        Binding("m", "load_more", "More", id="triage.more"),
        Binding("l", "logs", "Logs", id="triage.logs"),
        Binding("y", "copy_id", "Copy id", id="triage.copy-id"),
        # Last: on a narrow footer the filters and sort matter more than the search keys.
        Binding("n", "next_match", "Next match", id="triage.next-match"),
        Binding("N", "previous_match", "Prev match", id="triage.previous-match"),
    ]

    def __init__(
        self,
        service: ConsoleService,
        *,
        operator: str,
        read_only: bool = False,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float = 15.0,
    ) -> None:
        super().__init__(id="triage")
        self.service = service
        self.operator = operator
        self.read_only = read_only
        self.clock = clock or datetime.now
        self.refresh_seconds = refresh_seconds
        self.rows: list[TriageRow] = []
        self.loaded = False
        # Not ``loading``: that is Widget's reactive, which would cover the whole screen with a
        # loading indicator on every refresh and take the keyboard focus off the table.
        self.fetching = False
        self.next_cursor: str | None = None
        self.database_now: datetime | None = None
        self.refreshed_at: datetime | None = None
        self.environment: str | None = None
        self.database: str | None = None
        self.any_age = False  # list failures of any age, not only inside the redrive window
        self.older_hidden: int | None = None  # failures the window hides; None: not counted
        self.text_filter = ""
        self.search_term = ""  # the last text typed after "/", kept when the filter is cleared
        self.sort_index = 0
        self.generation = 0
        self.shown_columns: tuple[str, ...] = ()
        self.trouble: StorageTrouble | None = None  # the storage stopped answering
        self._retry_timer: Timer | None = None
        self._cells: dict[str, tuple[Text, ...]] = {}

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConsoleHeader("failed applies", operator=self.operator, read_only=self.read_only)
        # Hidden from the start (not hidden on mount): otherwise the box takes the first focus
        # and the footer is built once for its keys and again for the table's.
        box = Input(
            placeholder="filter: apply id, database, env, owner, error…", id="triage-filter"
        )
        box.display = False
        yield box
        with Vertical(id="triage-body"):
            yield ConsoleTable(id="triage-table", cursor_type="row", zebra_stripes=True)
            empty = Static(id="triage-empty")
            empty.display = False
            yield empty
        yield Static(id="triage-detail")
        yield Static(id="triage-status")
        yield CoalescingFooter()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#triage-table", DataTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._show()
        self.request_reload()
        if self.refresh_seconds > 0:
            self.set_interval(self.refresh_seconds, self._refresh_tick)

    def on_screen_resume(self) -> None:
        """Back from logs, a review or an outcome: the keys go to the list again."""
        box = self.query_one("#triage-filter", Input)
        if not (box.display and box.has_focus):
            self.table.focus()

    # -- loading --------------------------------------------------------------------------

    def request_reload(self, *, keep_loaded: bool = False) -> None:
        """Fetch the list again from the start (a new generation drops older answers)."""
        self.generation += 1
        limit = min(max(PAGE_SIZE, len(self.rows)), REFRESH_CAP) if keep_loaded else PAGE_SIZE
        self.fetching = True
        self._update_status()
        self._load(
            TriageQuery(
                self.generation,
                self.environment,
                self.database,
                None,
                limit,
                True,
                include_all=self.any_age,
            )
        )

    def _refresh_tick(self) -> None:
        # While the storage is away the retry timer, not the refresh interval, asks again.
        if self.app.screen is self and not self.fetching and self.trouble is None:
            self.request_reload(keep_loaded=True)

    def _retry_storage(self) -> None:
        self._retry_timer = None
        if not self.fetching:
            self.request_reload(keep_loaded=True)

    def shows_error_inline(self, worker: Worker) -> bool:
        """A lost storage is one status line that retries by itself, not a modal each time."""
        return worker.group in ("triage", "triage-older") and isinstance(
            worker.error, StorageUnavailableError
        )

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="triage",
        description="Load failed applies",
    )
    def _load(self, query: TriageQuery) -> None:
        page = self.service.list_failed(
            environment=query.environment,
            database=query.database,
            include_all=query.include_all,
            cursor=query.cursor,
            limit=query.limit,
        )
        if not get_current_worker().is_cancelled:
            self.post_message(FailedAppliesLoaded(query, page))

    @on(FailedAppliesLoaded)
    def _loaded(self, message: FailedAppliesLoaded) -> None:
        if message.query.generation != self.generation:
            return
        page = message.page
        if message.query.replace:
            self.rows = list(page.rows)
        else:
            known = {row.key for row in self.rows}
            self.rows.extend(row for row in page.rows if row.key not in known)
        self.next_cursor = page.next_cursor
        self.database_now = page.database_now
        self._storage_back()
        self.query_one(ConsoleHeader).show_storage(page.storage)
        self.refreshed_at = self.clock()
        self.loaded = True
        self.fetching = False
        self._show()
        if message.query.replace and not message.query.include_all:
            self._count_older(message.query)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="triage-older",
        description="Count older failed applies",
    )
    def _count_older(self, query: TriageQuery) -> None:
        count = self.service.count_older_failed(
            environment=query.environment, database=query.database
        )
        if not get_current_worker().is_cancelled:
            self.post_message(OlderFailuresCounted(query.generation, count))

    @on(OlderFailuresCounted)
    def _older_counted(self, message: OlderFailuresCounted) -> None:
        if message.generation != self.generation or self.any_age:
            return
        self.older_hidden = message.count
        self._show()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        # The app turns the error into a modal; here the screen only stops saying "loading".
        if event.worker.group == "triage" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.fetching = False
            error = event.worker.error
            if event.state == WorkerState.ERROR and isinstance(error, StorageUnavailableError):
                self._storage_lost(str(error))
            self._update_status(failed=event.state == WorkerState.ERROR)

    def _storage_lost(self, message: str) -> None:
        failures = (self.trouble.failures if self.trouble else 0) + 1
        self.trouble = StorageTrouble(classify(message), message, failures)
        if self._retry_timer is not None:
            self._retry_timer.stop()
        self._retry_timer = self.set_timer(self.trouble.retry_in, self._retry_storage)

    def _storage_back(self) -> None:
        self.trouble = None
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None

    def _load_more(self) -> None:
        if self.next_cursor is None or self.fetching:
            return
        self.fetching = True
        self._update_status()
        self._load(
            TriageQuery(
                self.generation,
                self.environment,
                self.database,
                self.next_cursor,
                PAGE_SIZE,
                False,
                include_all=self.any_age,
            )
        )

    # -- showing --------------------------------------------------------------------------

    def visible_rows(self) -> list[TriageRow]:
        """The loaded rows that pass the text filter, in the chosen order."""
        rows = [row for row in self.rows if matches(row, self.text_filter)]
        order = SORT_ORDERS[self.sort_index]
        if order.key is not None:
            rows.sort(key=order.key, reverse=order.reverse)
        return rows

    def on_resize(self) -> None:
        if self.is_mounted:
            self._show()

    def _show(self) -> None:
        """Bring the table in line with ``visible_rows`` without losing cursor or scroll."""
        table = self.table
        rows = self.visible_rows()
        now = self.database_now or self.clock()
        wanted = [row.key for row in rows]
        current = [row_key.value for row_key in table.rows]
        cells = {row.key: triage_cells(row, now, self.operator) for row in rows}
        available = (self.size.width or self.app.size.width) - SCROLLBAR_WIDTH
        # the pre-flight column appears once a review in this session computed one
        hidden = () if any(row.preflight for row in rows) else ("preflight",)
        columns = columns_that_fit(column_widths(cells.values()), available, hidden)
        if columns != self.shown_columns:
            self.shown_columns = columns
            self._rebuild(wanted, cells, columns_changed=True)
        elif wanted == current:
            self._update_changed_cells(cells)
        elif wanted[: len(current)] == current:
            for key in wanted[len(current) :]:
                table.add_row(*self._shown_cells(cells[key]), key=key)
        else:
            self._rebuild(wanted, cells)
        self._cells = cells
        empty = self.loaded and not rows
        table.display = not empty
        empty_note = self.query_one("#triage-empty", Static)
        empty_note.display = empty
        if empty:
            empty_note.update(self._empty_text())
        self._update_detail()
        self._update_status()

    def _shown_cells(self, row_cells: tuple[Text, ...]) -> tuple[Text, ...]:
        """The cells of the columns on screen, from all of a row's cells."""
        return tuple(
            cell
            for (key, _, _), cell in zip(COLUMNS, row_cells, strict=True)
            if key in self.shown_columns
        )

    def _update_changed_cells(self, cells: dict[str, tuple[Text, ...]]) -> None:
        table = self.table
        for key, row_cells in cells.items():
            before = self._cells.get(key)
            for index, (column, _, _) in enumerate(COLUMNS):
                if column not in self.shown_columns:
                    continue
                if before is None or before[index] != row_cells[index]:
                    table.update_cell(key, column, row_cells[index])

    def _rebuild(
        self,
        wanted: list[str],
        cells: dict[str, tuple[Text, ...]],
        *,
        columns_changed: bool = False,
    ) -> None:
        table = self.table
        shown_before = [row_key.value for row_key in table.rows]
        cursor_key = self._highlighted_key()
        scroll_y = table.scroll_y
        table.clear(columns=columns_changed)
        if columns_changed:
            for key, label, width in COLUMNS:
                if key in self.shown_columns:
                    table.add_column(label, key=key, width=width)
        for key in wanted:
            table.add_row(*self._shown_cells(cells[key]), key=key)
        target = cursor_target(shown_before, cursor_key, wanted)
        if target is not None:
            table.move_cursor(row=target, scroll=False)
        table.scroll_to(y=scroll_y, animate=False, immediate=True)
        if target is not None:
            table.move_cursor(row=target, scroll=True)

    def _empty_text(self) -> Text:
        filters = self._filter_words()
        if filters:
            return Text(
                f"No failed apply matches {filters}.\n\n"
                "Press escape to clear the text filter, e / d to drop the environment or "
                "database filter, r to refresh."
            )
        if self.any_age:
            return Text("No failed applies, of any age.\n\nPress r to refresh.")
        text = Text(
            "No failed applies inside the redrive window.\n\n"
            "Every apply that ended in terminal `failed` recently would be listed here, so "
            "there is nothing to redrive right now. An apply that failed before the window "
            "started cannot be redriven: create a new apply instead.\n\n"
        )
        hint = self.older_hint()
        if hint:
            text.append(hint + ".\n\n")
        text.append("Press r to refresh.")
        return text

    def window_words(self) -> str:
        """Which failures the list shows: inside the redrive window, or any age."""
        return "of any age" if self.any_age else "inside the redrive window"

    def older_hint(self) -> str:
        """ "N older failed applies hidden — press a for any age" while the window hides
        some ("" otherwise); the key is the effective one (keymap)."""
        if self.any_age or not self.older_hidden:
            return ""
        count = self.older_hidden
        noun = "apply" if count == 1 else "applies"
        key = self._key_display("triage.any-age")
        return f"{count} older failed {noun} hidden — press {key} for any age"

    def _key_display(self, binding_id: str) -> str:
        """The key the footer shows for ``binding_id`` (after the keymap)."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return "?"

    def _filter_words(self) -> str:
        words = []
        if self.text_filter:
            words.append(f"text {printable(self.text_filter, single_line=True)!r}")
        if self.environment:
            words.append(f"environment {printable(self.environment, single_line=True)}")
        if self.database:
            words.append(f"database {printable(self.database, single_line=True)}")
        return ", ".join(words)

    def _update_status(self, *, failed: bool = False) -> None:
        parts: list[str] = []
        if self.trouble is not None:
            trouble = self.trouble
            cause = printable(trouble.message, single_line=True)
            parts.append(f"⚠ {trouble.headline()} ({cause})")
            parts.append(f"retrying in {trouble.retry_in:.0f} s, r retries now")
        elif failed:
            parts.append("LOAD FAILED: press r to retry")
        elif self.fetching and not self.loaded:
            parts.append("Loading failed applies…")
        else:
            shown = len(self.table.rows) if self.is_mounted else 0
            count = f"{shown} of {len(self.rows)} loaded" if self.text_filter else f"{shown}"
            counted = len(self.rows) if self.text_filter else shown
            noun = "apply" if counted == 1 else "applies"
            parts.append(f"{count} failed {noun} {self.window_words()}")
            hint = self.older_hint()
            if hint:
                parts.append(hint)
            if self.next_cursor is not None:
                parts.append("more on the server: m or scroll down")
            if self.fetching:
                parts.append("refreshing…")
        parts.append(f"sort: {SORT_ORDERS[self.sort_index].label}")
        filters = self._filter_words()
        if filters:
            parts.append(f"filter: {filters}")
        if self.refreshed_at is not None:
            parts.append(f"updated {self.refreshed_at.strftime('%H:%M:%S')}")
        self.query_one("#triage-status", Static).update(Text(" · ".join(parts)))

    # -- selection helpers ----------------------------------------------------------------

    def _highlighted_key(self) -> str | None:
        """The ``TriageRow.key`` under the cursor, if any."""
        table = self.table
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return row_key.value

    def highlighted_id(self) -> str | None:
        """The apply id under the cursor, if any."""
        row = self.highlighted_row()
        return None if row is None else row.apply_id

    def highlighted_row(self) -> TriageRow | None:
        key = self._highlighted_key()
        return next((row for row in self.rows if row.key == key), None)

    @on(DataTable.RowHighlighted, "#triage-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_detail()
        if event.cursor_row >= event.data_table.row_count - LOAD_MORE_MARGIN:
            self._load_more()

    def _update_detail(self) -> None:
        """The highlighted apply's full error and redrive verdict, untruncated and literal."""
        row = self.highlighted_row() if self.table.display else None
        detail = Text()
        if row is not None:
            detail.append("error: ", style="bold")
            detail.append_text(literal(row.error or "-", single_line=True))
            detail.append("\nredrivable: ", style="bold")
            if row.redrivable:
                detail.append("yes")
                if row.reason:
                    detail.append(" · ")
                    detail.append_text(literal(row.reason, single_line=True))
            else:
                detail.append("NO, ")
                detail.append_text(literal(row.reason or "not redrivable", single_line=True))
        self.query_one("#triage-detail", Static).update(detail)

    @on(DataTable.RowSelected, "#triage-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_review()

    # -- actions --------------------------------------------------------------------------

    def action_review(self) -> None:
        if isinstance(self.focused, Input):  # enter in the filter box returns to the list
            self.table.focus()
            return
        row = self.highlighted_row()
        if row is None:
            return
        from screens.review import ReviewScreen

        self.app.push_screen(
            ReviewScreen(
                self.service,
                row.apply_id,
                row.environment,
                operator=self.operator,
                read_only=self.read_only,
            )
        )

    def action_logs(self) -> None:
        row = self.highlighted_row()
        if row is not None:
            from screens.logs import LogScreen

            self.app.push_screen(LogScreen(self.service, row.apply_id))

    def action_copy_id(self) -> None:
        key = self.highlighted_id()
        if key is not None:
            from screens.clipboard import copy_to_clipboard

            copy_to_clipboard(self.app, key, label="apply id")

    def action_filter(self) -> None:
        box = self.query_one("#triage-filter", Input)
        if box.has_focus:  # a "/" typed in the filter is filter text
            raise SkipAction()
        box.display = True
        # At once, not after a refresh as ``focus()`` would: with this priority binding the
        # keys typed right after "/" (or a paste without bracketed paste) are routed only once
        # it ran, so they reach the filter box instead of the list.
        self.set_focus(box)

    def on_paste(self, event: events.Paste) -> None:
        """A paste over the list filters it: the text goes to the filter box, not lost."""
        box = self.query_one("#triage-filter", Input)
        if box.has_focus:
            return
        event.stop()
        self.action_filter()
        box.insert_text_at_cursor(event.text.strip().replace("\n", " "))

    def action_clear_filter(self) -> None:
        box = self.query_one("#triage-filter", Input)
        box.value = ""
        box.display = False
        self.table.focus()

    @on(Input.Changed, "#triage-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        if self.text_filter:
            self.search_term = self.text_filter
        self._show()

    def action_next_match(self) -> None:
        self._jump_to_match(1)

    def action_previous_match(self) -> None:
        self._jump_to_match(-1)

    def _jump_to_match(self, step: int) -> None:
        """Move the cursor to the next (``step`` 1) or previous (-1) listed row matching the
        last ``/`` search, wrapping around; like ``n`` / ``N`` in less and vim.

        While the filter is applied every listed row matches; once escape cleared it, ``n``
        walks the matches within the whole list.
        """
        term = self.search_term
        if not term:
            self.notify("No search yet: press / and type what to look for.", timeout=3)
            return
        table = self.table
        by_key = {row.key: row for row in self.rows}
        listed = [by_key[row_key.value] for row_key in table.rows if row_key.value in by_key]
        shown = printable(term, single_line=True)
        start = table.cursor_row if listed else 0
        for offset in range(1, len(listed) + 1):
            index = (start + step * offset) % len(listed)
            if matches(listed[index], term):
                table.move_cursor(row=index)
                if index == start:
                    self.notify(f"Only this row matches {shown!r}.", timeout=3)
                elif (index < start) == (step > 0):
                    edge = "top" if step > 0 else "bottom"
                    self.notify(f"Search wrapped to the {edge}.", timeout=2)
                return
        more = " (more on the server: m loads them)" if self.next_cursor is not None else ""
        self.notify(f"No listed failed apply matches {shown!r}{more}.", timeout=3)

    @on(Input.Submitted, "#triage-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.table.focus()

    def action_toggle_environment(self) -> None:
        row = self.highlighted_row()
        self.environment = None if self.environment or row is None else row.environment
        self.request_reload()

    def action_toggle_database(self) -> None:
        row = self.highlighted_row()
        self.database = None if self.database or row is None else row.database
        self.request_reload()

    def action_toggle_any_age(self) -> None:
        """Any age (like ``list --all``) or back to the failures inside the redrive window."""
        self.any_age = not self.any_age
        self.older_hidden = None
        self.request_reload()

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORT_ORDERS)
        self._show()

    def action_refresh(self) -> None:
        self.request_reload(keep_loaded=True)

    def action_load_more(self) -> None:
        if self.next_cursor is None and not self.fetching:
            message = f"Nothing more to load: every failed apply {self.window_words()} is listed."
            hint = self.older_hint()
            self.notify(f"{message} {hint}." if hint else message)
            return
        self._load_more()
