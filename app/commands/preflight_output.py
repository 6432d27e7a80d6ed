"""The review's pre-flight in ``review --json`` and in the text of ``review`` / ``redrive``.

JSON: ``preflight`` is a list of per-table entries ``{table, cause, error_code, check, count,
examples, resume, verdict, …}`` (None when the review never reached the target),
``preflight_verdict`` the overall verdict (``will_fail_again`` | ``likely_to_succeed`` |
``unknown``), ``preflight_notes`` why the whole pre-flight could not look (no live target,
unreachable), ``preflight_deep`` whether tables over the size threshold were checked too
(``--deep``; null without a pre-flight). Text: one block, values from the target shown
literally (the caller passes every line through ``printable``).
"""

from __future__ import annotations

import argparse
from typing import Any

from services.preflight import Example, PreflightLimits, PreflightReport, TableReport

DEEP_HELP = (
    "pre-flight tables over the size threshold too (an information_schema row estimate over "
    f"{PreflightLimits().size_threshold_rows:,}, or redrive_console.preflight_size_threshold_rows;"
    " otherwise they are 'not checked (N rows; use --deep)'); still read-only SELECTs, each under"
    " the per-statement time limit and the row cap, so a check that needs longer says unknown"
    " (redrive_console.preflight_deep: true does the same)"
)


def add_deep_option(parser: argparse.ArgumentParser) -> None:
    """``--deep`` for ``review`` and ``redrive`` (``redrive_console.preflight_deep`` in config)."""
    parser.add_argument("--deep", action="store_true", help=DEEP_HELP)


def preflight_fields(report: PreflightReport | None) -> dict[str, Any]:
    """The review document's pre-flight keys."""
    if report is None:
        return {
            "preflight": None,
            "preflight_verdict": None,
            "preflight_notes": [],
            "preflight_deep": None,
        }
    document = report.to_document()
    return {
        "preflight": document["preflight"],
        "preflight_verdict": document["verdict"],
        "preflight_notes": document["notes"],
        "preflight_deep": document["deep"],
    }


def preflight_lines(report: PreflightReport | None) -> list[str]:
    """The text block of a pre-flight ([] when none ran)."""
    if report is None:
        return []
    depth = " (deep: tables over the size threshold checked too)" if report.deep else ""
    lines = ["", f"pre-flight: {report.verdict.value.upper()}{depth}"]
    lines += [f"  note: {note}" for note in report.notes]
    for table in report.tables:
        lines += table_lines(table)
    return lines


def table_lines(table: TableReport) -> list[str]:
    """One table: verdict and reason, cause, the deciding check with examples, resume."""
    cause = table.classification
    code = f" (error {cause.error_code})" if cause.error_code is not None else ""
    lines = [
        f"  {table.namespace}.{table.table}: {table.verdict.value} - {table.reason}",
        f"    cause: {cause.cause}{code}"
        + (f", matched {cause.fragment!r}" if cause.fragment else ""),
    ]
    decisive = table.decisive
    if decisive is not None:
        more = "+" if decisive.capped else ""
        count = "-" if decisive.count is None else f"{decisive.count}{more}"
        lines.append(f"    check: {decisive.check}: {decisive.status.value}, count {count}")
        lines += [f"      example: {example_text(e)}" for e in decisive.examples]
    lines.append(f"    resume: {table.resume.resume.value} - {table.resume.detail}")
    lines += [f"    note: {note}" for note in table.notes]
    return lines


def example_text(example: Example) -> str:
    """An offending key as ``(v1, v2) x N rows``; SQL NULL as NULL, values quoted."""
    values = ", ".join("NULL" if v is None else repr(v) for v in example.values)
    rows = f" x {example.rows} rows" if example.rows is not None else ""
    return f"({values}){rows}"
