"""The shape of one planner case: current tables -> desired files -> the exact expected plan."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from services.planner.api import Flavour
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

BOTH = (Flavour.MYSQL, Flavour.MARIADB)
MYSQL_ONLY = (Flavour.MYSQL,)
MARIADB_ONLY = (Flavour.MARIADB,)

_TABLE_NAME = re.compile(
    r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:`((?:[^`]|``)+)`|([^\s(]+))", re.IGNORECASE
)


def table_name(create_sql: str) -> str:
    """The table name of a CREATE TABLE text (back-quoted or bare)."""
    match = _TABLE_NAME.match(create_sql)
    if match is None:
        raise ValueError(f"not a CREATE TABLE: {create_sql[:60]!r}")
    quoted, bare = match.groups()
    return quoted.replace("``", "`") if quoted is not None else bare


@dataclass(frozen=True, slots=True)
class Stmt:
    """One expected TableChange: exact DDL text (with `;`), and its lint verdict."""

    ddl: str
    unsafe: bool = False
    reason_has: tuple[str, ...] = ()

    @property
    def operation(self) -> str:
        return self.ddl.split(" ", 1)[0].lower()

    @property
    def table(self) -> str:
        if self.operation == "create":
            return table_name(self.ddl)
        match = re.match(r"^(?:ALTER|DROP) TABLE `((?:[^`]|``)+)`", self.ddl)
        if match is None:
            raise ValueError(f"expected statement without a table: {self.ddl[:60]!r}")
        return match.group(1).replace("``", "`")


def unsafe(ddl: str, *reason_has: str) -> Stmt:
    """An expected statement that Spirit's error-capable lint rules mark unsafe."""
    return Stmt(ddl, unsafe=True, reason_has=reason_has)


def _stmt(item: str | Stmt) -> Stmt:
    return item if isinstance(item, Stmt) else Stmt(item)


@dataclass(frozen=True, slots=True)
class Case:
    """current CREATE TABLE texts -> desired file texts -> the exact plan Spirit would emit.

    ``mariadb_expected`` replaces ``expected`` for the MariaDB flavour, whose SHOW CREATE forms
    make the vocabulary differ. ``mariadb_executable`` cases also run the convergence test on the
    real server. ``second_plan`` is set where Spirit's rules deliberately need a second step (the
    re-plan after executing the first plan gives exactly these statements, then nothing).
    ``show_create_matches`` is False where the server keeps an equivalent but differently
    printed form after the ALTER (for example a unique index paired under its live name).
    """

    id: str
    current: tuple[str, ...]
    desired: tuple[str, ...]
    expected: tuple[Stmt, ...]
    mariadb_executable: bool = True
    flavours: tuple[Flavour, ...] = BOTH
    mariadb_expected: tuple[Stmt, ...] | None = None
    second_plan: tuple[Stmt, ...] = ()
    show_create_matches: bool = True
    note: str = field(default="")
    july_expected: tuple[Stmt, ...] | None = None
    july_mariadb_expected: tuple[Stmt, ...] | None = None

    def expected_for(
        self, flavour: Flavour, level: SpiritLevel = DEFAULT_LEVEL
    ) -> tuple[Stmt, ...]:
        """The exact plan for ``flavour`` at ``level``; the ``july_*`` fields hold the
        2026-07 plan where that level's rules give different text."""
        if level is SpiritLevel.JULY_2026:
            if flavour is Flavour.MARIADB and self.july_mariadb_expected is not None:
                return self.july_mariadb_expected
            if self.july_expected is not None:
                return self.july_expected
        if flavour is Flavour.MARIADB and self.mariadb_expected is not None:
            return self.mariadb_expected
        return self.expected


def case(
    case_id: str,
    current: str | tuple[str, ...] | list[str],
    desired: str | tuple[str, ...] | list[str],
    expected: str | Stmt | tuple[str | Stmt, ...] | list[str | Stmt] = (),
    *,
    mariadb_executable: bool = True,
    flavours: tuple[Flavour, ...] = BOTH,
    mariadb_expected: str | Stmt | tuple[str | Stmt, ...] | list[str | Stmt] | None = None,
    second_plan: tuple[str | Stmt, ...] = (),
    show_create_matches: bool = True,
    note: str = "",
    july_expected: str | Stmt | tuple[str | Stmt, ...] | list[str | Stmt] | None = None,
    july_mariadb_expected: str | Stmt | tuple[str | Stmt, ...] | list[str | Stmt] | None = None,
) -> Case:
    """Build a Case from loose arguments (a single text may be given without a tuple)."""

    def texts(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return (value,) if isinstance(value, str) else tuple(value)

    def stmts(value) -> tuple[Stmt, ...]:
        if isinstance(value, str | Stmt):
            value = (value,)
        return tuple(_stmt(item) for item in value)

    return Case(
        id=case_id,
        current=texts(current),
        desired=texts(desired),
        expected=stmts(expected),
        mariadb_executable=mariadb_executable and Flavour.MARIADB in flavours,
        flavours=flavours,
        mariadb_expected=None if mariadb_expected is None else stmts(mariadb_expected),
        second_plan=stmts(second_plan),
        show_create_matches=show_create_matches,
        note=note,
        july_expected=None if july_expected is None else stmts(july_expected),
        july_mariadb_expected=(
            None if july_mariadb_expected is None else stmts(july_mariadb_expected)
        ),
    )


def t(columns: str, tail: str = "", *, name: str = "t") -> str:
    """A human-written single table with a bigint primary key ``id`` first."""
    body = (
        f"id bigint NOT NULL, {columns}, PRIMARY KEY (id)"
        if columns
        else ("id bigint NOT NULL, PRIMARY KEY (id)")
    )
    return f"CREATE TABLE {name} ({body}){(' ' + tail) if tail else ''}"
