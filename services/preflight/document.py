"""The report as JSON (``review --json``'s ``preflight``) and its fingerprint for the token.

Each table is one entry ``{table, cause, error_code, check, count, examples, resume,
verdict}`` (the check that decided the verdict, if any), plus the detail behind it; ``deep``
says whether tables over the size threshold were checked too. The fingerprint binds what a
decision rests on — per table the cause, the error number, the verdict, the resume state and
each check's outcome — and not the exact counts or checkpoint ages, which drift with ordinary
writes and the clock without changing the decision. The depth is bound by the review token
itself, beside the fingerprint.
"""

from __future__ import annotations

import hashlib
import json

from services.preflight.model import CheckResult, Example, PreflightReport, TableReport


def report_document(report: PreflightReport) -> dict[str, object]:
    """The JSON-ready document of a report."""
    return {
        "verdict": report.verdict.value,
        "preflight": [_table(table) for table in report.tables],
        "notes": list(report.notes),
        "deep": report.deep,
    }


def report_fingerprint(report: PreflightReport) -> str:
    """SHA-256 (hex) of the decision-relevant content, stable across reruns on unchanged data."""
    core = [
        {
            "namespace": t.namespace,
            "table": t.table,
            "cause": t.classification.cause,
            "error_code": t.classification.error_code,
            "verdict": t.verdict.value,
            "resume": t.resume.resume.value,
            "checks": [[c.check, c.status.value] for c in t.checks],
        }
        for t in sorted(report.tables, key=lambda t: (t.namespace, t.table))
    ]
    text = json.dumps({"verdict": report.verdict.value, "tables": core}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _table(table: TableReport) -> dict[str, object]:
    decisive = table.decisive
    return {
        "namespace": table.namespace,
        "table": table.table,
        "cause": table.classification.cause,
        "category": table.classification.category.value,
        "error_code": table.classification.error_code,
        "matched": table.classification.fragment,
        "check": decisive.check if decisive else None,
        "count": decisive.count if decisive else None,
        "examples": [_example(e) for e in decisive.examples] if decisive else [],
        "resume": table.resume.resume.value,
        "resume_detail": table.resume.detail,
        "rows_copied_estimate": table.resume.rows_copied_estimate,
        "leftovers": list(table.resume.leftovers),
        "verdict": table.verdict.value,
        "reason": table.reason,
        "checks": [_check(c) for c in table.checks],
        "notes": list(table.notes),
    }


def _check(check: CheckResult) -> dict[str, object]:
    return {
        "check": check.check,
        "cause": check.cause,
        "status": check.status.value,
        "count": check.count,
        "capped": check.capped,
        "examples": [_example(e) for e in check.examples],
        "detail": check.detail,
    }


def _example(example: Example) -> dict[str, object]:
    return {"values": list(example.values), "rows": example.rows}
