"""``run_preflight``: classify each table's failure, check its data, read Spirit's leftovers.

Everything runs in one read-only session on the target (see ``session``); a table the checks
cannot reach gets an ``unknown`` verdict with the reason, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pymysql
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.preflight.checks import Checker
from services.preflight.classify import classify_all
from services.preflight.ddl import DataChanges, read_changes
from services.preflight.model import (
    CheckResult,
    PreflightInput,
    PreflightLimits,
    PreflightReport,
    Resume,
    ResumeState,
    TableReport,
    Verdict,
    overall_verdict,
)
from services.preflight.narrowing import Offending, offending_conditions
from services.preflight.resume import read_resume
from services.preflight.session import (
    QueryFailed,
    ReadOnlySession,
    TimeLimitExceeded,
    ident,
    read_only_session,
)
from services.preflight.target import TableFacts, read_table
from services.preflight.verdict import decide

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def run_preflight(
    target: Engine | str,
    work: Sequence[PreflightInput],
    limits: PreflightLimits | None = None,
    clock: Clock = utc_now,
) -> PreflightReport:
    """The pre-flight of ``work`` on ``target`` (an engine or URL of the target server).

    ``clock`` gives the current time (timezone-aware) for checkpoint ages.
    """
    limits = limits or PreflightLimits()
    try:
        with read_only_session(target, limits.statement_seconds) as session:
            tables = tuple(_table(session, item, limits, clock()) for item in work)
            version = session.version
    except (SQLAlchemyError, pymysql.MySQLError, OSError) as exc:
        reason = f"cannot reach the target: {_first_line(exc)}"
        tables = tuple(_unreachable(item, reason) for item in work)
        verdict = overall_verdict([t.verdict for t in tables])
        return PreflightReport(tables, verdict, "", (reason,), deep=limits.deep)
    verdict = overall_verdict([t.verdict for t in tables])
    return PreflightReport(tables, verdict, version, deep=limits.deep)


def _table(
    session: ReadOnlySession, item: PreflightInput, limits: PreflightLimits, now: datetime
) -> TableReport:
    cause = classify_all(item.errors)
    changes = read_changes(item.statements)
    notes = list(changes.notes)
    checks: tuple[CheckResult, ...] = ()
    try:
        facts = read_table(session, item.target_schema, item.table)
    except (QueryFailed, TimeLimitExceeded) as exc:
        facts = None
        notes.append(f"table facts could not be read: {exc}")
    else:
        if facts is None:
            notes.append(f"table {item.target_schema}.{item.table} does not exist on the target")
    if facts is not None and not changes.empty:
        checks = _checks(Checker(session, facts, limits, _size_skip(facts, limits)), changes, notes)
    resume = read_resume(session, item.target_schema, item.table, item.statements, limits, now)
    verdict, reason, decisive = decide(cause, checks, resume)
    return TableReport(
        item.namespace, item.table, cause, checks, resume, verdict, reason, decisive, tuple(notes)
    )


def _checks(checker: Checker, changes: DataChanges, notes: list[str]) -> tuple[CheckResult, ...]:
    """Every check the changes call for; all skipped when the table is over the size limit."""
    facts = checker.facts
    conditions: list[Offending] = []
    for key in changes.keys:
        if key.kind != "PRIMARY":
            continue
        for part in key.parts:
            column = facts.column(part.column or "")
            if column is not None and column.nullable:
                label = f"NULLs in {column.name} (new PRIMARY KEY column)"
                predicate = f"{ident(column.name)} IS NULL"
                conditions.append(Offending(label, "invalid_null", column.name, predicate))
    for change in changes.columns:
        current = facts.column(change.old_name)
        if current is None:
            notes.append(f"column {change.old_name} does not exist on the target")
            continue
        found, more = offending_conditions(current, change.column)
        conditions.extend(found)
        notes.extend(more)
    unique = {(c.predicate, repr(c.params)): c for c in reversed(conditions)}
    return (
        *(checker.duplicates(key) for key in changes.keys),
        *(checker.offending(condition) for condition in reversed(unique.values())),
        *(checker.orphans(foreign_key) for foreign_key in changes.foreign_keys),
    )


def _size_skip(facts: TableFacts, limits: PreflightLimits) -> str:
    """Why a table is too large to check (empty when it is not)."""
    if limits.deep or facts.row_estimate <= limits.size_threshold_rows:
        return ""
    return f"not checked ({facts.row_estimate:,} rows; use --deep)"


def _unreachable(item: PreflightInput, reason: str) -> TableReport:
    return TableReport(
        item.namespace,
        item.table,
        classify_all(item.errors),
        (),
        ResumeState(Resume.UNKNOWN, reason),
        Verdict.UNKNOWN,
        reason,
    )


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
