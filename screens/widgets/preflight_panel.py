"""The review screen's pre-flight panel, and the one-line pre-flight summary of the confirmation.

The panel lists every table's verdict on one line and shows the selected table (a "finding") in
full: verdict and reason, the cause with its error number and the matched fragment, the check
that decided it with its count and examples, and what Spirit does with the copy. The review
screen moves the selection (``]`` / ``[``). Everything read from the target or from storage —
names, fragments, example values — goes through ``literal`` (escaped, shown as written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from screens.safe_text import literal

if TYPE_CHECKING:  # the report's types only: the screens never load the pre-flight's checks
    from services.preflight import Example, PreflightReport, TableReport, Verdict

WILL_FAIL_AGAIN = "will_fail_again"
VERDICT_LABELS = {
    WILL_FAIL_AGAIN: ("✘ WILL FAIL AGAIN", "bold red"),
    "likely_to_succeed": ("✔ LIKELY TO SUCCEED", "bold green"),
    "unknown": ("? UNKNOWN", "bold yellow"),
}


def verdict_text(verdict: Verdict) -> Text:
    label, style = VERDICT_LABELS[verdict.value]
    return Text(label, style=style)


def preflight_summary(report: PreflightReport | None, *, overridden: bool = False) -> Text:
    """One line for the confirmation: the overall verdict and the first failing table's reason."""
    text = Text("Pre-flight: ")
    if report is None:
        return text.append("not run")
    text.append_text(verdict_text(report.verdict))
    failing = next((t for t in report.tables if t.verdict.value == WILL_FAIL_AGAIN), None)
    shown = failing or (report.tables[0] if report.tables else None)
    if shown is not None:
        text.append(" · ")
        text.append_text(literal(f"{shown.table}: {shown.reason}", single_line=True))
    if overridden:
        text.append("\nOVERRIDDEN: the redrive will retry anyway (recorded in the audit row).")
    return text


class PreflightPanel(Static):
    """Per-table verdicts and the selected finding in detail."""

    DEFAULT_CSS = """
    PreflightPanel {
        height: 6;
        padding: 0 1;
        margin: 1 0 0 0;
        border-left: thick $secondary;
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.report: PreflightReport | None = None
        self.selected = 0

    def show(self, report: PreflightReport | None) -> None:
        """Show ``report``, selecting the first failing table; hidden when no pre-flight ran
        (a review refused before it reached the target)."""
        self.report = report
        self.display = report is not None
        tables = report.tables if report else ()
        failing = [i for i, t in enumerate(tables) if t.verdict.value == WILL_FAIL_AGAIN]
        self.selected = failing[0] if failing else 0
        self.update(self._render_report())

    def waiting(self) -> None:
        """Hidden until the review (which runs the pre-flight) answers."""
        self.report = None
        self.display = False

    def step(self, delta: int) -> None:
        """Select the next (``delta`` 1) or previous (-1) table's finding, wrapping around."""
        if self.report is None or not self.report.tables:
            return
        self.selected = (self.selected + delta) % len(self.report.tables)
        self.update(self._render_report())

    @property
    def findings(self) -> int:
        return len(self.report.tables) if self.report else 0

    def _render_report(self) -> Text:
        report = self.report
        text = Text("PRE-FLIGHT ", style="bold")
        if report is None:
            return text
        text.append_text(verdict_text(report.verdict))
        for note in report.notes[:1]:
            text.append(" · ")
            text.append_text(literal(note, single_line=True))
        if not report.tables:
            return text
        text.append(f"\nfinding {self.selected + 1}/{len(report.tables)} (] next, [ previous):")
        for index, table in enumerate(report.tables):
            text.append("  ")
            label = literal(table.table, single_line=True)
            label.stylize("reverse" if index == self.selected else "")
            text.append_text(label)
            text.append(f" {VERDICT_LABELS[table.verdict.value][0].split()[0]}")
        text.append("\n")
        text.append_text(table_detail(report.tables[self.selected]))
        return text


def table_detail(table: TableReport) -> Text:
    """Four lines: verdict and reason; cause; deciding check and examples; resume."""
    cause = table.classification
    text = literal(f"{table.namespace}.{table.table}", single_line=True, style="bold")
    text.append(": ")
    text.append_text(verdict_text(table.verdict))
    text.append(" — ")
    text.append_text(literal(table.reason, single_line=True))
    text.append("\ncause ")
    text.append_text(literal(cause.cause, single_line=True, style="bold"))
    if cause.error_code is not None:
        text.append(f" (error {cause.error_code})")
    if cause.fragment:
        text.append(" matched ")
        text.append_text(literal(cause.fragment, single_line=True, style="italic"))
    text.append("\ncheck ")
    decisive = table.decisive
    if decisive is None:
        text.append(f"none decided it ({len(table.checks)} check(s) ran)")
    else:
        text.append_text(literal(decisive.check, single_line=True))
        count = "-" if decisive.count is None else str(decisive.count)
        text.append(f": {decisive.status.value}, count {count}{'+' if decisive.capped else ''}")
        for example in decisive.examples:
            text.append(" · ")
            text.append_text(example_text(example))
    text.append("\nresume ")
    text.append(table.resume.resume.value, style="bold")
    text.append(" — ")
    text.append_text(literal(table.resume.detail, single_line=True))
    return text


def example_text(example: Example) -> Text:
    """``(v1, v2) x N rows``: each value literally (escaped), SQL NULL as NULL."""
    text = Text("(")
    for index, value in enumerate(example.values):
        if index:
            text.append(", ")
        if value is None:
            text.append("NULL", style="italic")
        else:
            text.append_text(literal(repr(value), single_line=True))
    text.append(")")
    if example.rows is not None:
        text.append(f" x {example.rows} rows")
    return text
