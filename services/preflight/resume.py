"""Spirit's leftovers for one table, and whether the retry resumes the copy or starts over.

Spirit resumes only when all of these hold: the shadow table ``_<table>_new`` exists, the
checkpoint table ``_<table>_chkpnt`` holds a row, that row's ``statement`` is the statement
being run, its ``original_table_name`` (when recorded) is this table, and it is younger than
the checkpoint max age. Otherwise it drops the leftovers and copies from the start. The copy
position is the ``copier_watermark`` (JSON: the chunk key columns and the lower bound below
which every row is copied). A ``_spirit_sentinel`` table holds the cutover until it is dropped.
Checkpoint times are UTC: Spirit's connections use ``time_zone='+00:00'``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.preflight.model import PreflightLimits, Resume, ResumeState
from services.preflight.session import QueryFailed, ReadOnlySession, TimeLimitExceeded, ident
from services.preflight.spirit_names import (
    SENTINEL_TABLE,
    checkpoint_table_name,
    new_table_name,
    old_table_name,
)

_NEEDED = ("copier_watermark", "statement", "created_at")


def read_resume(
    session: ReadOnlySession,
    schema: str,
    table: str,
    statements: tuple[str, ...],
    limits: PreflightLimits,
    now: datetime,
) -> ResumeState:
    """What Spirit will do with ``table``'s copy on the retry (``unknown`` if unreadable)."""
    try:
        return _read(session, schema, table, statements, limits, now)
    except (QueryFailed, TimeLimitExceeded) as exc:
        return ResumeState(Resume.UNKNOWN, f"Spirit's leftovers could not be read: {exc}")


def _read(
    session: ReadOnlySession,
    schema: str,
    table: str,
    statements: tuple[str, ...],
    limits: PreflightLimits,
    now: datetime,
) -> ResumeState:
    new, old, checkpoint = (
        new_table_name(table),
        old_table_name(table),
        checkpoint_table_name(table),
    )
    names = (new, old, checkpoint, SENTINEL_TABLE)
    present = {
        str(row[0])
        for row in session.select(
            "SELECT TABLE_NAME FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME IN (%s, %s, %s, %s)",
            (schema, *names),
        )
    }
    leftovers = tuple(name for name in names if name in present)
    sentinel = SENTINEL_TABLE in present
    state = _copy_state(session, schema, table, statements, limits, now, present)
    resume, detail, estimate = state
    if sentinel:
        what = "resumes" if resume is Resume.RESUME else "starts over"
        detail = (
            f"{SENTINEL_TABLE} exists: Spirit holds the cutover until it is dropped "
            f"(the copy {what}: {detail})"
        )
        resume = Resume.BLOCKED
    return ResumeState(resume, detail, leftovers, estimate, sentinel)


def _copy_state(
    session: ReadOnlySession,
    schema: str,
    table: str,
    statements: tuple[str, ...],
    limits: PreflightLimits,
    now: datetime,
    present: set[str],
) -> tuple[Resume, str, int | None]:
    new, checkpoint = new_table_name(table), checkpoint_table_name(table)
    if checkpoint not in present:
        return Resume.RESTART, "no checkpoint: Spirit copies from the start", None
    columns = {
        str(row[0]).lower()
        for row in session.select(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
            " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
            (schema, checkpoint),
        )
    }
    if not set(_NEEDED) <= columns:
        return Resume.RESTART, f"{checkpoint} has a layout Spirit cannot resume from", None
    original = ", original_table_name" if "original_table_name" in columns else ""
    order = " ORDER BY id DESC" if "id" in columns else ""
    rows = session.select(
        f"SELECT copier_watermark, statement, created_at{original}"
        f" FROM {ident(schema)}.{ident(checkpoint)}{order} LIMIT 1"
    )
    if not rows:
        return Resume.RESTART, f"{checkpoint} holds no checkpoint", None
    watermark, statement, created_at = rows[0][0], str(rows[0][1] or ""), rows[0][2]
    recorded_table = str(rows[0][3] or "") if original else ""
    if new not in present:
        return Resume.RESTART, f"the shadow table {new} is gone", None
    if not any(_same_statement(statement, mine) for mine in statements):
        return Resume.RESTART, f"the checkpoint is for a different statement: {statement}", None
    if recorded_table and recorded_table != table:
        return (
            Resume.RESTART,
            f"{checkpoint} belongs to table {recorded_table} (long names cut to the same name)",
            None,
        )
    if not isinstance(created_at, datetime):
        return Resume.RESTART, f"{checkpoint} has an unreadable created_at", None
    age = now - created_at.replace(tzinfo=UTC)
    if age >= limits.checkpoint_max_age:
        limit = _hours(limits.checkpoint_max_age)
        return Resume.RESTART, f"the checkpoint is stale: {_hours(age)} old, max {limit}", None
    estimate = _rows_copied(session, schema, table, new, watermark)
    shown = (
        f"about {estimate:,} rows already copied"
        if estimate is not None
        else "copy position unknown"
    )
    return Resume.RESUME, f"the checkpoint is {_hours(age)} old; {shown}", estimate


def _same_statement(recorded: str, statement: str) -> bool:
    """Spirit compares statements as text; only surrounding blanks and ``;`` are ignored."""
    return recorded.strip().rstrip(";").strip() == statement.strip().rstrip(";").strip()


def _rows_copied(
    session: ReadOnlySession, schema: str, table: str, new: str, watermark: object
) -> int | None:
    """Rows below the watermark's lower bound (counted under the time limit), else the shadow
    table's row estimate."""
    try:
        document = json.loads(str(watermark))
        keys = [str(k) for k in document["Key"]]
        values = list(document["LowerBound"]["Value"])
    except (ValueError, KeyError, TypeError):
        keys, values = [], []
    if keys and len(keys) == len(values):
        left = ", ".join(ident(k) for k in keys)
        right = ", ".join(["%s"] * len(values))
        try:
            rows = session.select(
                f"SELECT COUNT(*) FROM {ident(schema)}.{ident(table)} WHERE ({left}) < ({right})",
                tuple(values),
            )
            return int(rows[0][0])
        except (QueryFailed, TimeLimitExceeded):
            pass
    rows = session.select(
        "SELECT TABLE_ROWS FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, new),
    )
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"
