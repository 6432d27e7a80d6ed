"""Which existing values a column change rejects, as a bound SQL condition on the column.

A change is narrowing when some value the current type holds does not fit the new one: a
shorter CHAR/VARCHAR/BINARY length, fewer integer digits in a DECIMAL, a smaller or unsigned
integer, ENUM/SET members removed; and NULL → NOT NULL. Widening changes give no condition.
Type changes outside these families are reported as not checked rather than guessed at.
(DECIMAL scale reductions only round, so they are not counted.)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from services.planner.model import Column
from services.planner.types import INTEGER_TYPES
from services.preflight.session import ident

_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}
_STRING_TYPES = frozenset(
    {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"}
)
_BYTE_TYPES = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})
_NUMBER_TYPES = INTEGER_TYPES | {"decimal", "float", "double"}


@dataclass(frozen=True, slots=True)
class Offending:
    """Rows of ``column`` the new definition rejects: ``predicate`` with ``params`` bound."""

    check: str
    cause: str
    column: str
    predicate: str
    params: tuple[object, ...] = ()


def offending_conditions(current: Column, new: Column) -> tuple[list[Offending], list[str]]:
    """The conditions for NULLs and for values that no longer fit, and notes on what is not
    checked."""
    found: list[Offending] = []
    notes: list[str] = []
    name = current.name
    if current.nullable and not new.nullable:
        found.append(
            Offending(
                f"NULLs in {name} (becomes NOT NULL)",
                "invalid_null",
                name,
                f"{ident(name)} IS NULL",
            )
        )
    narrowed = _narrowing(current, new)
    if isinstance(narrowed, str):
        notes.append(narrowed)
    elif narrowed is not None:
        found.append(narrowed)
    return found, notes


def integer_range(type_name: str, unsigned: bool) -> tuple[int, int]:
    """The values an integer type holds."""
    bits = _INTEGER_BITS[type_name]
    if unsigned:
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _narrowing(current: Column, new: Column) -> Offending | str | None:
    name = current.name
    column = ident(name)
    shown = f"{name} {_type_text(current)} → {_type_text(new)}"
    if new.type in ("char", "varchar") and new.args:
        limit = int(new.args[0])
        if current.type in ("char", "varchar") and int(current.args[0]) <= limit:
            return None
        return Offending(
            f"values longer than {limit} characters in {shown}",
            "truncation",
            name,
            f"CHAR_LENGTH({column}) > %s",
            (limit,),
        )
    if new.type in ("binary", "varbinary") and new.args:
        limit = int(new.args[0])
        if current.type in ("binary", "varbinary") and int(current.args[0]) <= limit:
            return None
        return Offending(
            f"values longer than {limit} bytes in {shown}",
            "truncation",
            name,
            f"LENGTH({column}) > %s",
            (limit,),
        )
    if new.type in INTEGER_TYPES:
        return _integer(current, new, shown)
    if new.type == "decimal":
        return _decimal(current, new, shown)
    if new.type in ("enum", "set") and current.type == new.type:
        return _members(current, new, shown)
    if (current.type, current.args, current.unsigned) == (new.type, new.args, new.unsigned):
        return None
    if _family(current.type) == _family(new.type) != "other" and _is_wider_text(current, new):
        return None
    return f"type change {shown} not checked"


def _integer(current: Column, new: Column, shown: str) -> Offending | str | None:
    low, high = integer_range(new.type, new.unsigned)
    if current.type in INTEGER_TYPES:
        old_low, old_high = integer_range(current.type, current.unsigned)
        if low <= old_low and old_high <= high:
            return None
    elif current.type not in _NUMBER_TYPES:
        return f"type change {shown} not checked"
    column = ident(current.name)
    return Offending(
        f"values outside [{low}, {high}] in {shown}",
        "truncation",
        current.name,
        f"({column} < %s OR {column} > %s)",
        (low, high),
    )


def _decimal(current: Column, new: Column, shown: str) -> Offending | str | None:
    precision, scale = (int(part) for part in new.args)
    digits = precision - scale
    column = ident(current.name)
    if current.type == "decimal":
        old_precision, old_scale = (int(part) for part in current.args)
        if old_precision - old_scale <= digits and (new.unsigned <= current.unsigned):
            return None
    elif current.type in INTEGER_TYPES:
        low, high = integer_range(current.type, current.unsigned)
        if max(abs(low), high) < 10**digits and (not new.unsigned or low >= 0):
            return None
    elif current.type not in _NUMBER_TYPES:
        return f"type change {shown} not checked"
    bound = Decimal(10) ** digits
    predicate = f"ABS({column}) >= %s"
    params: tuple[object, ...] = (bound,)
    if new.unsigned:
        predicate = f"({predicate} OR {column} < 0)"
    return Offending(
        f"values with more than {digits} integer digits in {shown}",
        "truncation",
        current.name,
        predicate,
        params,
    )


def _members(current: Column, new: Column, shown: str) -> Offending | None:
    removed = [value for value in current.args if value not in new.args]
    if not removed:
        return None
    column = ident(current.name)
    listed = ", ".join(removed)
    if new.type == "enum":
        marks = ", ".join(["%s"] * len(removed))
        return Offending(
            f"removed ENUM members ({listed}) in {shown}",
            "truncation",
            current.name,
            f"{column} IN ({marks})",
            tuple(removed),
        )
    predicate = " OR ".join([f"FIND_IN_SET(%s, {column}) > 0"] * len(removed))
    return Offending(
        f"removed SET members ({listed}) in {shown}",
        "truncation",
        current.name,
        f"({predicate})",
        tuple(removed),
    )


_TEXT_SIZES = {"tinytext": 1, "text": 2, "mediumtext": 3, "longtext": 4}
_BLOB_SIZES = {"tinyblob": 1, "blob": 2, "mediumblob": 3, "longblob": 4}


def _family(type_name: str) -> str:
    if type_name in _STRING_TYPES:
        return "string"
    if type_name in _BYTE_TYPES:
        return "bytes"
    return "other"


def _is_wider_text(current: Column, new: Column) -> bool:
    """TEXT/BLOB sizes only grow, or a CHAR/VARCHAR becomes a TEXT type; otherwise False."""
    sizes = {**_TEXT_SIZES, **_BLOB_SIZES}
    if new.type in sizes and current.type in sizes:
        return sizes[current.type] <= sizes[new.type]
    return new.type in sizes and current.type in ("char", "varchar", "binary", "varbinary")


def _type_text(column: Column) -> str:
    args = (
        f"({','.join(column.args)})" if column.args and column.type not in ("enum", "set") else ""
    )
    return f"{column.type}{args}{' unsigned' if column.unsigned else ''}"
