"""Helpers for pre-flight tests on the real MariaDB: seeding a target and one-table runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from services.preflight import PreflightInput, PreflightLimits, PreflightReport, run_preflight

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def seed(engine: Engine, *statements: str, **params: object) -> None:
    """Run setup statements on the target database in one transaction."""
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


def schema_of(url: str) -> str:
    return make_url(url).database or ""


def preflight(
    url: str,
    table: str,
    statement: str,
    error: str = "",
    limits: PreflightLimits | None = None,
    now: datetime = NOW,
) -> PreflightReport:
    """The pre-flight of one table of the test database."""
    item = PreflightInput(schema_of(url), table, (statement,), (error,) if error else ())
    return run_preflight(url, [item], limits, clock=lambda: now)
