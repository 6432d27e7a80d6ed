"""What varies by server flavour: how a SELECT gets its time limit, and how it reports it.

MySQL takes an optimizer hint inside the SELECT (``MAX_EXECUTION_TIME`` in milliseconds) and
reports error 3024 when it fires; MariaDB wraps the statement (``SET STATEMENT
max_statement_time=<seconds> FOR …``) and reports error 1969.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.planner.api import Flavour


def _mysql_limit(select: str, seconds: float) -> str:
    milliseconds = max(1, round(seconds * 1000))
    return f"SELECT /*+ MAX_EXECUTION_TIME({milliseconds}) */{select[len('SELECT') :]}"


def _mariadb_limit(select: str, seconds: float) -> str:
    return f"SET STATEMENT max_statement_time={seconds:.6f} FOR {select}"


@dataclass(frozen=True, slots=True)
class ServerDialect:
    """How one server flavour bounds a SELECT in time, and which errors mean "time limit"."""

    flavour: Flavour
    limit: Callable[[str, float], str]
    time_limit_codes: frozenset[int]

    def bounded(self, select: str, seconds: float) -> str:
        """``select`` (which must start with ``SELECT``) under a ``seconds`` time limit."""
        if not select.startswith("SELECT "):
            raise ValueError("only a plain SELECT can be bounded")
        return self.limit(select, seconds)


DIALECTS: dict[Flavour, ServerDialect] = {
    Flavour.MYSQL: ServerDialect(Flavour.MYSQL, _mysql_limit, frozenset({3024})),
    Flavour.MARIADB: ServerDialect(Flavour.MARIADB, _mariadb_limit, frozenset({1969})),
}


def flavour_of(version: str) -> Flavour:
    """The flavour a ``VERSION()`` string names."""
    return Flavour.MARIADB if "mariadb" in version.lower() else Flavour.MYSQL
