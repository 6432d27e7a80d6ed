"""Canonical comparison of two DDL statements for the same table (issue 3 item 5).

Equal means: both plan the same change.

Two statements compare equal whatever their whitespace, keyword and type case, identifier
quoting, ``KEY`` vs ``INDEX``, integer display widths, optional words (``COLUMN``, ``=``) and
the order of clauses whose order MySQL ignores. Column ``ADD``/``MODIFY``/``CHANGE`` clauses
and partitioning clauses keep their order, because positions (``AFTER x``) depend on it.
Anything that cannot be read fails closed: ``canonical_statement`` raises ``PlannerError``
and ``statements_equivalent`` answers False.
"""

from __future__ import annotations

import re

from services.planner.api import Flavour, PlannerError
from services.planner.build import parse_column_definition, parse_table_element
from services.planner.lexer import Token, escape_string, split_top_level, unescape_string
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import Check, Column, ForeignKey, Index, Table
from services.planner.parse import TableParseError, parse_table
from services.planner.partition import parse_partitioning
from services.planner.prepass import PrepassError, prepare_element, split_statements

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ORDERED_STARTS = ("ADD COLUMN", "MODIFY", "CHANGE", "PARTITION BY", "REMOVE PARTITIONING")
_DEFAULT_ACTIONS = ("RESTRICT", "NO ACTION")  # InnoDB's default referential action
_INDEX_WORDS = {"PRIMARY", "UNIQUE", "INDEX", "KEY", "FULLTEXT", "SPATIAL"}


def canonical_statement(ddl: str, flavour: Flavour) -> str:
    """A formatting-independent form of one CREATE/ALTER/DROP TABLE statement."""
    try:
        statements = split_statements(ddl)
    except Exception as exc:  # the lexer never raises; kept for symmetry with parsing
        raise PlannerError(f"cannot read statement: {exc}") from None
    if len(statements) != 1:
        raise PlannerError(f"expected exactly one statement, found {len(statements)}")
    tokens = statements[0]
    head = [t.text.upper() for t in tokens[:2] if t.kind == "word"]
    try:
        if head == ["CREATE", "TABLE"]:
            return _create(ddl, flavour)
        if head == ["DROP", "TABLE"] and len(tokens) == 3:
            return f"DROP TABLE {_name(tokens[2])}"
        if head == ["ALTER", "TABLE"] and len(tokens) > 3:
            return _alter(tokens)
    except (TableParseError, PrepassError, ValueError, IndexError) as exc:
        raise PlannerError(f"cannot canonicalise statement: {exc}") from None
    raise PlannerError("not a CREATE TABLE, ALTER TABLE or DROP TABLE statement")


def statements_equivalent(a: str, b: str, flavour: Flavour) -> bool:
    """True when ``a`` and ``b`` make the same change; False when either cannot be read."""
    try:
        return canonical_statement(a, flavour) == canonical_statement(b, flavour)
    except PlannerError:
        return False


def _name(token: Token) -> str:
    return "`" + name_of(token) + "`"


# --- CREATE TABLE --------------------------------------------------------------------------


def _create(ddl: str, flavour: Flavour) -> str:
    table = parse_table(ddl.strip().rstrip(";"), flavour)
    return _table_text(table)


def _table_text(table: Table) -> str:
    parts = [_column_text(column) for column in table.columns]
    parts += sorted(_index_text(index) for index in table.indexes)
    parts += sorted(_constraint_text(c) for c in (*table.checks, *table.foreign_keys))
    options = table.options
    option_text = repr((options.charset, options.collation, options.comment or None))
    partition = repr(table.partitioning)
    return f"CREATE TABLE `{table.name}` ({', '.join(parts)}) {option_text} {partition}"


def _column_text(column: Column) -> str:
    default = column.default_key
    return repr(
        (
            column.name.lower(),
            column.type,
            column.args,
            column.unsigned,
            column.zerofill,
            column.charset,
            column.collation,
            column.nullable,
            None if column.generated_key else default,
            column.on_update,
            column.generated_key,
            column.stored if column.generated_key else None,
            column.srid,
            column.auto_increment,
            column.comment,
            column.check_key,
        )
    )


def _index_text(index: Index) -> str:
    parts = tuple(part.key for part in index.parts)
    return repr(
        (
            "INDEX",
            index.name,
            index.kind,
            parts,
            index.using,
            index.key_block_size,
            index.parser,
            index.comment,
            index.visible,
        )
    )


def _constraint_text(constraint: Check | ForeignKey) -> str:
    if isinstance(constraint, Check):
        return repr(("CHECK", constraint.name, constraint.key, constraint.enforced))
    return repr(
        (
            "FOREIGN KEY",
            constraint.name,
            tuple(c.lower() for c in constraint.columns),
            constraint.ref_table,
            tuple(c.lower() for c in constraint.ref_columns),
            None if constraint.on_delete in _DEFAULT_ACTIONS else constraint.on_delete,
            None if constraint.on_update in _DEFAULT_ACTIONS else constraint.on_update,
        )
    )


# --- ALTER TABLE ---------------------------------------------------------------------------


def _alter(tokens: list[Token]) -> str:
    ordered: list[str] = []
    unordered: list[str] = []
    for clause in _split_partitioning(split_top_level(tokens[3:])):
        if not clause:
            raise ValueError("empty clause")
        text = _clause(clause)
        (ordered if text.startswith(_ORDERED_STARTS) else unordered).append(text)
    return f"ALTER TABLE {_name(tokens[2])} " + " | ".join(ordered + sorted(unordered))


def _split_partitioning(clauses: list[list[Token]]) -> list[list[Token]]:
    """Split ``… PARTITION BY …`` / ``… REMOVE PARTITIONING`` written after another clause
    without a comma (the form MariaDB needs) into two clauses."""
    result: list[list[Token]] = []
    for clause in clauses:
        depth = 0
        for index, token in enumerate(clause):
            if token.kind == "op" and token.text in ("(", ")"):
                depth += 1 if token.text == "(" else -1
            elif (
                depth == 0
                and 0 < index < len(clause) - 1
                and (
                    (token.is_word("PARTITION") and clause[index + 1].is_word("BY"))
                    or (token.is_word("REMOVE") and clause[index + 1].is_word("PARTITIONING"))
                )
            ):
                result += [clause[:index], clause[index:]]
                break
        else:
            result.append(clause)
    return result


def _words(clause: list[Token], count: int) -> list[str]:
    return [t.text.upper() if t.kind == "word" else t.text for t in clause[:count]]


def _clause(clause: list[Token]) -> str:
    words = _words(clause, 3)
    first = words[0]
    if first == "ADD":
        rest = clause[1:]
        if rest and rest[0].is_word("COLUMN"):
            return "ADD COLUMN " + _column_clause(rest[1:])
        if rest and (rest[0].is_word(*_INDEX_WORDS, "CONSTRAINT", "CHECK", "FOREIGN")):
            return "ADD " + _element_clause(rest)
        if rest and rest[0].is_word("PARTITION"):
            return _generic(clause)
        return "ADD COLUMN " + _column_clause(rest)
    if first == "MODIFY":
        rest = clause[1:]
        if rest and rest[0].is_word("COLUMN"):
            rest = rest[1:]
        return "MODIFY " + _column_clause(rest)
    if first == "CHANGE":
        rest = clause[1:]
        if rest and rest[0].is_word("COLUMN"):
            rest = rest[1:]
        return f"CHANGE {name_of(rest[0]).lower()} " + _column_clause(rest[1:])
    if first == "DROP":
        return _drop(clause)
    if first == "ALTER" and words[1] == "INDEX":
        state = " ".join(_words(clause[3:], 2))
        visible = {"VISIBLE": "VISIBLE", "NOT IGNORED": "VISIBLE"}.get(state, "INVISIBLE")
        if state not in ("VISIBLE", "INVISIBLE", "IGNORED", "NOT IGNORED"):
            raise ValueError(f"unsupported ALTER INDEX {state}")
        return f"ALTER INDEX {_name(clause[2])} {visible}"
    if first == "PARTITION" and words[1] == "BY":
        return "PARTITION BY " + repr(parse_partitioning(clause))
    option = _table_option(clause)
    if option is not None:
        return option
    return _generic(clause)


def _column_clause(tokens: list[Token]) -> str:
    position = ""
    if len(tokens) >= 2 and tokens[-2].is_word("AFTER"):
        position = f" AFTER {name_of(tokens[-1]).lower()}"
        tokens = tokens[:-2]
    elif tokens and tokens[-1].is_word("FIRST"):
        position = " FIRST"
        tokens = tokens[:-1]
    column, indexes, checks = parse_column_definition(prepare_element(tokens))
    extra = [_index_text(i) for i in indexes] + [_constraint_text(c) for c in checks]
    return _column_text(column) + "".join(f" {e}" for e in extra) + position


def _element_clause(tokens: list[Token]) -> str:
    element = parse_table_element(prepare_element(tokens))
    if isinstance(element, Index):
        return _index_text(element)
    return _constraint_text(element)


def _drop(clause: list[Token]) -> str:
    words = _words(clause, 3)
    if words[1] == "PRIMARY":
        return "DROP PRIMARY KEY"
    if words[1] in ("INDEX", "KEY"):
        return f"DROP INDEX {_name(clause[2])}"
    if words[1] in ("CHECK", "CONSTRAINT"):
        return f"DROP CHECK {_name(clause[2])}"
    if words[1] == "FOREIGN":
        return f"DROP FOREIGN KEY {_name(clause[3])}"
    if words[1] == "COLUMN":
        return f"DROP COLUMN {name_of(clause[2]).lower()}"
    if len(clause) == 2:
        return f"DROP COLUMN {name_of(clause[1]).lower()}"
    return _generic(clause)


def _table_option(clause: list[Token]) -> str | None:
    tokens = [t for t in clause if not (t.kind == "op" and t.text == "=")]
    words = _words(tokens, 3)
    if words[0] == "DEFAULT":
        tokens, words = tokens[1:], words[1:]
    if not words:
        return None
    if words[0] == "CHARACTER" and len(words) > 1 and words[1] == "SET":
        tokens, words = tokens[1:], ["CHARSET", *words[2:]]
    if words[0] in ("CHARSET", "COLLATE", "ENGINE", "ROW_FORMAT") and len(tokens) == 2:
        value = name_of(tokens[1])
        return f"OPTION {words[0]}={value.lower() if words[0] != 'ENGINE' else value}"
    if words[0] == "COMMENT" and len(tokens) == 2 and tokens[1].kind == "str":
        return f"OPTION COMMENT={escape_string(unescape_string(tokens[1].text))}"
    return None


def _generic(clause: list[Token]) -> str:
    out = []
    for token in clause:
        if token.kind == "word":
            out.append(token.text.upper())
        elif token.kind == "qid":
            name = name_of(token)
            out.append(name.upper() if _PLAIN.match(name) else _name(token))
        elif token.kind == "str":
            out.append(escape_string(unescape_string(token.text)))
        else:
            out.append(token.text)
    return " ".join(out)
