"""Case-sensitive text comparisons that behave the same on MySQL/MariaDB and SQLite.

MySQL's ``_ci`` collations fold case in ``=`` and ``LIKE``; SQLite's ``LIKE`` folds ASCII case.
Audit messages and operation keys are matched exactly, so they are compared byte for byte.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ColumnElement, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class starts_with_exactly(FunctionElement):
    """``column`` begins with ``prefix``, compared case-sensitively."""

    type = Boolean()
    name = "starts_with_exactly"
    inherit_cache = True

    def __init__(self, column: ColumnElement[str], prefix: str) -> None:
        super().__init__(column, literal(prefix), literal(len(prefix)))


def _parts(element: starts_with_exactly, compiler, **kw) -> tuple[str, str, str]:
    column, prefix, length = (compiler.process(c, **kw) for c in element.clauses)
    return column, prefix, length


@compiles(starts_with_exactly)
def _compile_default(element: starts_with_exactly, compiler, **kw) -> str:
    column, prefix, length = _parts(element, compiler, **kw)
    return f"(substr({column}, 1, {length}) = {prefix})"


@compiles(starts_with_exactly, "mysql")
@compiles(starts_with_exactly, "mariadb")
def _compile_mysql(element: starts_with_exactly, compiler, **kw) -> str:
    column, prefix, length = _parts(element, compiler, **kw)
    return f"(SUBSTRING({column}, 1, {length}) COLLATE utf8mb4_bin = {prefix})"


class equals_exactly(FunctionElement):
    """``left = right`` compared byte for byte (MySQL's ``_ci`` collations would fold case)."""

    type = Boolean()
    name = "equals_exactly"
    inherit_cache = True

    def __init__(self, left: ColumnElement[str], right: ColumnElement[str]) -> None:
        super().__init__(left, right)


@compiles(equals_exactly)
def _compile_equals_default(element: equals_exactly, compiler, **kw) -> str:
    left, right = (compiler.process(c, **kw) for c in element.clauses)
    return f"({left} = {right})"


@compiles(equals_exactly, "mysql")
@compiles(equals_exactly, "mariadb")
def _compile_equals_mysql(element: equals_exactly, compiler, **kw) -> str:
    left, right = (compiler.process(c, **kw) for c in element.clauses)
    return f"({left} COLLATE utf8mb4_bin = {right})"
