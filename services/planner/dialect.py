"""sqlglot as the grammar gate: every statement must parse cleanly with the MySQL grammar.

A ``Command`` fallback, a parse warning or an error means sqlglot could not represent the
statement faithfully, so the planner refuses it (fail closed) instead of planning from a guess.
"""

from __future__ import annotations

import logging
import threading

import sqlglot
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import ErrorLevel, ParseError


class PlannerMySQL(MySQL):
    """MySQL grammar that keeps unknown type names (``point``, MariaDB ``inet6``)."""

    SUPPORTS_USER_DEFINED_TYPES = True


class _WarningTrap(logging.Handler):
    """Collects sqlglot warnings logged by the calling thread only (plans run in workers)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            self.messages.append(record.getMessage())


_LOGGER = logging.getLogger("sqlglot")


def validate_create(sql: str) -> exp.Create:
    """Parse ``sql`` as one CREATE TABLE; raise ``ValueError`` naming what failed."""
    trap = _WarningTrap()
    _LOGGER.addHandler(trap)
    try:
        tree = sqlglot.parse_one(sql, dialect=PlannerMySQL, error_level=ErrorLevel.RAISE)
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        detail = first.get("description") or str(exc).splitlines()[0]
        near = first.get("highlight") or ""
        where = f" near {near!r}" if near else ""
        raise ValueError(f"sqlglot cannot parse: {detail}{where}") from None
    finally:
        _LOGGER.removeHandler(trap)
    if trap.messages:
        raise ValueError(f"sqlglot parse warning: {trap.messages[0]}")
    if not isinstance(tree, exp.Create) or tree.find(exp.Command) is not None:
        raise ValueError("sqlglot fell back to an opaque Command")
    return tree
