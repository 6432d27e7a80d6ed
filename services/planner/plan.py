"""``plan_schema``: desired files per namespace against a schema source, in SchemaBot order."""

from __future__ import annotations

import re
from collections.abc import Mapping

from services.domain.models import TableChange
from services.planner.api import Flavour, PlannerError, PlanResult, SchemaSource
from services.planner.differ import diff_tables
from services.planner.lexer import quote_identifier
from services.planner.lint import lint_table
from services.planner.model import Table
from services.planner.parse import TableParseError, parse_table

_AUTO_INCREMENT_OPTION = re.compile(r"^(\)[^\n]*?)\s+AUTO_INCREMENT\s*=\s*\d+", re.M | re.I)


def strip_table_auto_increment(sql: str) -> str:
    """Remove the table option ``AUTO_INCREMENT=N`` from SHOW CREATE text (spec §1).

    SHOW CREATE TABLE prints the table options on the line that starts with the body's closing
    parenthesis; the column attribute ``AUTO_INCREMENT`` is never on that line.
    """
    return _AUTO_INCREMENT_OPTION.sub(r"\1", sql)


def _desired_tables(
    namespace: str, files: Mapping[str, str], flavour: Flavour
) -> dict[str, tuple[str, str]]:
    """``{table: (file name, statement text)}`` for the namespace's ``*.sql`` files."""
    tables: dict[str, tuple[str, str]] = {}
    for file_name in sorted(files):
        if not file_name.endswith(".sql"):
            continue
        text = files[file_name]
        try:
            table = parse_table(_statement_text(text), flavour)
        except TableParseError as exc:
            raise PlannerError(str(exc), namespace=namespace, file=file_name) from None
        if table.name in tables:
            raise PlannerError(
                f"table {table.name!r} is also defined in {tables[table.name][0]}",
                namespace=namespace,
                file=file_name,
            )
        tables[table.name] = (file_name, _statement_text(text))
    return tables


def _statement_text(text: str) -> str:
    """The file's statement without trailing whitespace and ``;``."""
    return text.rstrip().rstrip(";").rstrip()


def _parse_current(namespace: str, name: str, text: str, flavour: Flavour) -> Table:
    try:
        return parse_table(text, flavour)
    except TableParseError as exc:
        raise PlannerError(
            f"live table: {exc}", namespace=namespace, table=exc.table or name
        ) from None


def plan_namespace(
    namespace: str, files: Mapping[str, str], current: Mapping[str, str], flavour: Flavour
) -> list[TableChange]:
    """The changes of one namespace: CREATEs, then ALTERs, then DROPs, each by table name."""
    desired = _desired_tables(namespace, files, flavour)
    creates: list[TableChange] = []
    alters: list[TableChange] = []
    drops: list[TableChange] = []
    current_texts = {name: strip_table_auto_increment(text) for name, text in current.items()}
    for name in sorted(desired):
        text = desired[name][1]
        if name not in current_texts:
            creates.append(_change(namespace, name, text + ";", "create", None))
            continue
        live_text = current_texts[name]
        if live_text.strip() == text:
            continue
        desired_table = parse_table(text, flavour)
        current_table = _parse_current(namespace, name, live_text, flavour)
        try:
            statements = diff_tables(current_table, desired_table, flavour)
        except (ValueError, KeyError) as exc:
            raise PlannerError(f"cannot diff: {exc}", namespace=namespace, table=name) from None
        if statements:
            alters.extend(_lint_changes(namespace, name, statements, current_table, desired_table))
    for name in sorted(set(current_texts) - set(desired)):
        drops.append(
            _change(namespace, name, f"DROP TABLE {quote_identifier(name)};", "drop", None)
        )
    creates = [_lint_create(change, namespace, desired, flavour) for change in creates]
    drops = [_lint_drop(change) for change in drops]
    return creates + alters + drops


def _change(
    namespace: str, table: str, ddl: str, operation: str, reason: str | None
) -> TableChange:
    return TableChange(
        table=table,
        ddl=ddl,
        operation=operation,
        namespace=namespace,
        is_unsafe=bool(reason),
        unsafe_reason=reason or "",
    )


def _lint_changes(
    namespace: str, name: str, statements: list[str], current: Table, desired: Table
) -> list[TableChange]:
    reasons = lint_table(statements, current, desired)
    changes = []
    for position, statement in enumerate(statements):
        last = position == len(statements) - 1
        changes.append(
            _change(namespace, name, statement + ";", "alter", reasons if last else None)
        )
    return changes


def _lint_create(
    change: TableChange, namespace: str, desired: dict[str, tuple[str, str]], flavour: Flavour
) -> TableChange:
    table = parse_table(desired[change.table][1], flavour)
    reason = lint_table([change.ddl.rstrip(";")], None, table)
    return _change(namespace, change.table, change.ddl, "create", reason)


def _lint_drop(change: TableChange) -> TableChange:
    reason = lint_table([change.ddl.rstrip(";")], None, None)
    return _change(change.namespace, change.table, change.ddl, "drop", reason)


def plan_schema(desired: Mapping[str, Mapping[str, str]], source: SchemaSource) -> PlanResult:
    """Re-plan every namespace of ``desired`` against ``source`` (namespaces sorted)."""
    flavour = source.flavour
    changes: list[TableChange] = []
    for namespace in sorted(desired):
        current = source.load(namespace)
        changes.extend(plan_namespace(namespace, desired[namespace], current, flavour))
    return PlanResult(changes=tuple(changes))
