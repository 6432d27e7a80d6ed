"""``plan_schema``: desired files per namespace against a schema source, in SchemaBot order.

Fast path: a desired file whose statement equals the live SHOW CREATE text (byte for byte, or
token for token ignoring whitespace and comments) is unchanged and is
not parsed at all. Everything else is parsed (cached by content hash).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from services.domain.table_change import TableChange
from services.planner.api import Flavour, PlannerError, PlanResult, SchemaSource
from services.planner.differ import diff_tables
from services.planner.gc_budget import planning_collections
from services.planner.lexer import quote_identifier, tokenize
from services.planner.lint import lint_table
from services.planner.model import Table
from services.planner.order import order_alters, order_creates
from services.planner.parse import (
    TableParseError,
    cache_session,
    gate_started_early,
    pair_key,
    parse_many,
    parse_table,
    remember_unchanged,
    reserve_cache,
    statement_key,
    unchanged_table,
)
from services.planner.sources import table_name_of
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

_AUTO_INCREMENT_OPTION = re.compile(r"^(\)[^\n]*?)\s+AUTO_INCREMENT\s*=\s*\d+", re.M | re.I)


def strip_table_auto_increment(sql: str) -> str:
    """Remove the table option ``AUTO_INCREMENT=N`` from SHOW CREATE text.

    The counter is live state, not schema.

    SHOW CREATE TABLE prints the table options on the line that starts with the body's closing
    parenthesis; the column attribute ``AUTO_INCREMENT`` is never on that line. Only the text
    from the first line that starts with ``)`` can hold it (a few dozen characters of a long
    statement), so the pattern runs there.
    """
    if sql.startswith(")"):
        start = 0
    else:
        start = sql.find("\n)") + 1
        if not start:
            return sql  # no line starts with ")"
    return sql[:start] + _AUTO_INCREMENT_OPTION.sub(r"\1", sql[start:])


def _statement_text(text: str) -> str:
    """The file's statement as written, without trailing whitespace and ``;``."""
    return text.rstrip().rstrip(";").rstrip()


@lru_cache(maxsize=8192)
def _token_signature(sql: str) -> tuple[str, ...]:
    return tuple(token.text for token in tokenize(sql))


def _squeezed(sql: str) -> str:
    return "".join(sql.split())


# A re-plan meets the same texts again (the desired files, and live texts the server prints
# alike): the text-only steps below remember their answers, sized for 5,000 tables and more.
_TEXT_MEMO = 1 << 15


@lru_cache(maxsize=_TEXT_MEMO)
def _live_text(text: str) -> str:
    """A live SHOW CREATE text as compared and parsed: no counter, no outer whitespace."""
    return strip_table_auto_increment(text).strip()


@lru_cache(maxsize=_TEXT_MEMO)
def _without_counter(text: str) -> str:
    return strip_table_auto_increment(text)


@lru_cache(maxsize=_TEXT_MEMO)
def _unchanged(desired: str, live: str) -> bool:
    """True only when the two texts are the same statement up to formatting.

    Token equality implies equal text once whitespace is removed, so that cheap check (and
    before it, equal counts of back-quotes) rules out most changed tables before tokenizing.
    """
    if desired == live:
        return True
    if desired.count("`") != live.count("`"):  # (server text quotes every name)
        return False
    if _squeezed(desired) != _squeezed(live):
        return False
    return _token_signature(desired) == _token_signature(live)


@dataclass(slots=True, eq=False)
class _DesiredFile:
    file: str
    text: str
    name: str | None  # from the statement head; None until parsed when unreadable
    table: Table | None = None
    unchanged: bool = False  # equal to its live table by a cached diff verdict


def _desired_files(files: Mapping[str, str]) -> list[_DesiredFile]:
    """The ``*.sql`` files in name order, each with its statement and head-named table."""
    desired_files = []
    for file_name in sorted(files):
        if file_name.endswith(".sql"):
            text = _statement_text(files[file_name])
            desired_files.append(_DesiredFile(file_name, text, table_name_of(text, "") or None))
    return desired_files


def plan_namespace(
    namespace: str,
    files: Mapping[str, str],
    current: Mapping[str, str],
    flavour: Flavour,
    *,
    server_text: bool = False,
    level: SpiritLevel = DEFAULT_LEVEL,
) -> list[TableChange]:
    """The changes of one namespace: CREATEs, then ALTERs, then DROPs, each by table name.

    With ``server_text`` (the current texts were printed by the server) a desired file equal
    to its live text is unchanged without being parsed; otherwise every file is parsed, so an
    invalid file is refused even when a snapshot holds the same text.
    """
    live = {name: _live_text(text) for name, text in current.items()}
    desired_files = _desired_files(files)
    pending = [
        f
        for f in desired_files
        if not (
            server_text and f.name in live and _unchanged(_without_counter(f.text), live[f.name])
        )
    ]
    # Server-printed text skips the sqlglot gate (our element parser still fails closed).
    desired_keys = [statement_key((f.text, flavour, True, level)) for f in pending]
    live_keys = {
        name: statement_key((live[name], flavour, not server_text, level))
        for name in sorted({f.name for f in pending if f.name in live})
    }
    pairs = {
        position: pair_key(key, live_keys[f.name])
        for position, (f, key) in enumerate(zip(pending, desired_keys, strict=True))
        if f.name in live_keys
    }
    with cache_session([*desired_keys, *live_keys.values(), *pairs.values()]) as session:
        # A pair the differ once found unchanged needs neither model (the verdict's name is
        # the statement's own, so the head-named table is the one it was compared with).
        for position in list(pairs):
            if unchanged_table(pairs[position], session) == pending[position].name:
                pending[position].unchanged = True
            else:
                del pairs[position]  # parsed below; its verdict is recorded after the diff
        positions = [position for position, f in enumerate(pending) if not f.unchanged]
        parsed = [pending[position] for position in positions]
        live_needed = sorted({f.name for f in parsed if f.name in live})
        results = parse_many(
            [(f.text, flavour, True, level) for f in parsed]
            + [(live[name], flavour, not server_text, level) for name in live_needed],
            session,
        )
        head_names = [f.name for f in parsed]
        for desired_file, result in zip(parsed, results, strict=False):
            if isinstance(result, TableParseError):
                raise PlannerError(str(result), namespace=namespace, file=desired_file.file)
            desired_file.table = result
            desired_file.name = result.name
        current_tables: dict[str, Table] = {}
        for name, result in zip(live_needed, results[len(parsed) :], strict=True):
            if isinstance(result, TableParseError):
                raise PlannerError(f"live table: {result}", namespace=namespace, table=name)
            current_tables[name] = result
        by_name: dict[str, _DesiredFile] = {}
        for desired_file in desired_files:
            name = desired_file.name or ""
            if name in by_name:
                raise PlannerError(
                    f"table {name!r} is also defined in {by_name[name].file}",
                    namespace=namespace,
                    file=desired_file.file,
                )
            by_name[name] = desired_file
        changes, unchanged = _changes(namespace, by_name, live, current_tables, flavour, level)
        for position, head in zip(positions, head_names, strict=True):
            if pending[position].name == head and head in unchanged:
                remember_unchanged((desired_keys[position], live_keys[head]), head, session)
    return changes


def _changes(
    namespace: str,
    desired: dict[str, _DesiredFile],
    live: dict[str, str],
    current_tables: dict[str, Table],
    flavour: Flavour,
    level: SpiritLevel,
) -> tuple[list[TableChange], set[str]]:
    """The plan's rows, and the altered tables whose diff planned nothing."""
    new_tables: dict[str, Table] = {}
    altered: dict[str, Table] = {}
    for name in sorted(desired):
        table = desired[name].table
        if table is None:
            continue  # unchanged
        if name not in live:
            new_tables[name] = table
            continue
        if name not in current_tables:
            # The statement head named another table than the parsed statement.
            current_tables[name] = _parse_one(namespace, name, live[name], flavour, level)
        altered[name] = table
    creates = []
    for name in order_creates(new_tables):
        text = desired[name].text
        reason = lint_table(name, [text], None, new_tables[name])
        creates.append(_change(namespace, name, text + ";", "create", reason))
    # A desired model equal to the live one plans nothing: that is the differ's own answer for
    # equal models (tests/planner/test_core_differ.py), without walking them.
    planned = {
        name: []
        if current_tables[name] == table
        else _diff(namespace, name, current_tables[name], table, flavour, level)
        for name, table in altered.items()
    }
    unchanged = {name for name, statements in planned.items() if not statements}
    planned = {name: statements for name, statements in planned.items() if statements}
    order, split = order_alters(current_tables, altered, planned)
    first: list[TableChange] = []
    alters: list[TableChange] = []
    for name in order:
        current_table, desired_table = current_tables[name], altered[name]
        statements = planned[name]
        if name in split:
            statements = _diff(
                namespace, name, current_table, desired_table, flavour, level, apart=True
            )
        reason = lint_table(name, statements, current_table, desired_table)
        for position, statement in enumerate(statements):
            last = position == len(statements) - 1
            change = _change(namespace, name, statement + ";", "alter", reason if last else None)
            (first if name in split and position == 0 else alters).append(change)
    alters = first + alters
    drops = []
    for name in sorted(set(live) - set(desired)):
        ddl = f"DROP TABLE {quote_identifier(name)}"
        drops.append(
            _change(namespace, name, ddl + ";", "drop", lint_table(name, [ddl], None, None))
        )
    return creates + alters + drops, unchanged


def _diff(
    namespace: str,
    name: str,
    current: Table,
    desired: Table,
    flavour: Flavour,
    level: SpiritLevel,
    *,
    apart: bool = False,
) -> list[str]:
    try:
        return diff_tables(current, desired, flavour, level, foreign_key_drops_apart=apart)
    except (ValueError, KeyError) as exc:
        raise PlannerError(f"cannot diff: {exc}", namespace=namespace, table=name) from None


def _parse_one(namespace: str, name: str, text: str, flavour: Flavour, level: SpiritLevel) -> Table:
    try:
        return parse_table(text, flavour, level)
    except TableParseError as exc:
        raise PlannerError(f"live table: {exc}", namespace=namespace, table=name) from None


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


def plan_schema(
    desired: Mapping[str, Mapping[str, str]],
    source: SchemaSource,
    *,
    level: SpiritLevel = DEFAULT_LEVEL,
) -> PlanResult:
    """Re-plan every namespace of ``desired`` against ``source`` (namespaces sorted), the way
    the Spirit of ``level`` plans (review and redrive pass the level of the stored plan).

    A source with a ``database_override`` holds every namespace in one database (SchemaBot's
    DSN-with-database mode): with several namespaces, a DROP cannot be attributed to one of them.
    """
    # Each desired file and its live table may be parsed, and the pair's diff verdict kept:
    # keep them all for the next re-plan.
    files = sum(len(files) for files in desired.values())
    reserve_cache(3 * files)
    with planning_collections(), gate_started_early(files):
        return _plan_schema(desired, source, level)


def _plan_schema(
    desired: Mapping[str, Mapping[str, str]], source: SchemaSource, level: SpiritLevel
) -> PlanResult:
    server_text = bool(getattr(source, "server_text", False))
    if getattr(source, "database_override", None) and len(desired) > 1:
        return _plan_one_database(desired, source, server_text, level)
    changes: list[TableChange] = []
    for namespace in sorted(desired):
        current = source.load(namespace)  # first: a live source learns its flavour on the way
        changes.extend(
            plan_namespace(
                namespace,
                desired[namespace],
                current,
                source.flavour,
                server_text=server_text,
                level=level,
            )
        )
    return PlanResult(changes=tuple(changes))


def _plan_one_database(
    desired: Mapping[str, Mapping[str, str]],
    source: SchemaSource,
    server_text: bool,
    level: SpiritLevel,
) -> PlanResult:
    """All namespaces against one database: each namespace owns the tables of its files."""
    namespaces = sorted(desired)
    current = source.load(namespaces[0])
    flavour = source.flavour
    owner: dict[str, str] = {}
    for namespace in namespaces:
        for name in _desired_names(namespace, desired[namespace], flavour, level):
            if name in owner:
                raise PlannerError(
                    f"table {name!r} is defined in namespaces {owner[name]!r} and {namespace!r}",
                    namespace=namespace,
                    table=name,
                )
            owner[name] = namespace
    changes: list[TableChange] = []
    for namespace in namespaces:
        own = {name: text for name, text in current.items() if owner.get(name) == namespace}
        files = desired[namespace]
        changes.extend(
            plan_namespace(namespace, files, own, flavour, server_text=server_text, level=level)
        )
    dropped = sorted(name for name in current if name not in owner)
    if dropped:
        raise PlannerError(
            f"cannot attribute DROP TABLE {', '.join(dropped)} to one of {len(namespaces)}"
            " namespaces sharing one database"
        )
    return PlanResult(changes=tuple(changes))


def _desired_names(
    namespace: str, files: Mapping[str, str], flavour: Flavour, level: SpiritLevel
) -> list[str]:
    names = []
    for desired_file in _desired_files(files):
        name = desired_file.name
        if name is None:
            try:
                name = parse_table(desired_file.text, flavour, level).name
            except TableParseError as exc:
                raise PlannerError(str(exc), namespace=namespace, file=desired_file.file) from None
        names.append(name)
    return names
