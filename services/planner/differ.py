"""Spirit's table differ, ported by hand: one primary ALTER plus extra statements.

Clause groups run in a fixed order (columns, indexes, constraints, table options,
partitioning); each group's clauses are sorted by the byte order of the whole clause string.
"""

from __future__ import annotations

from dataclasses import replace

from services.planner.api import Flavour
from services.planner.emit import (
    format_add_check,
    format_add_foreign_key,
    format_add_index,
    format_column,
)
from services.planner.lexer import escape_string, quote_identifier
from services.planner.model import Check, Column, ForeignKey, Index, Table
from services.planner.partition import format_partitioning, partitioning_key
from services.planner.spirit_level import DEFAULT_LEVEL, LevelRules, SpiritLevel, rules_for

MARIADB_DEFAULT_COLLATIONS = {
    "utf8mb4": "utf8mb4_general_ci",
    "utf8mb3": "utf8mb3_general_ci",
    "utf8": "utf8mb3_general_ci",
    "latin1": "latin1_swedish_ci",
    "ascii": "ascii_general_ci",
    "ucs2": "ucs2_general_ci",
    "utf16": "utf16_general_ci",
    "utf32": "utf32_general_ci",
    "cp1251": "cp1251_general_ci",
    "binary": "binary",
}


def diff_tables(
    current: Table,
    desired: Table,
    flavour: Flavour,
    level: SpiritLevel = DEFAULT_LEVEL,
    *,
    foreign_key_drops_apart: bool = False,
) -> list[str]:
    """ALTER statements (without ``;``) turning ``current`` into ``desired``; [] if equal.

    ``foreign_key_drops_apart`` puts the ``DROP FOREIGN KEY`` clauses in a first statement of
    their own (the plan runs it before the ALTER of the table they referenced).
    """
    mariadb = flavour is Flavour.MARIADB
    if mariadb:
        current, desired = _pair_column_checks(current, desired)
        desired, current = _pair_column_checks(desired, current)
    recreated = _recreated_columns(current, desired) if mariadb else set()
    clauses = _column_clauses(current, desired, mariadb, recreated)
    index_clauses, extra = _index_clauses(current, desired, mariadb, recreated)
    clauses += index_clauses
    constraint_clauses, readded_keys = _constraint_clauses(current, desired, mariadb)
    head = f"ALTER TABLE {quote_identifier(desired.name)} "
    leading: list[str] = []
    if foreign_key_drops_apart:
        fk_drops = [c for c in constraint_clauses if c.startswith("DROP FOREIGN KEY")]
        constraint_clauses = [c for c in constraint_clauses if c not in fk_drops]
        leading = [head + ", ".join(fk_drops)] if fk_drops else []
    clauses += constraint_clauses
    extra += [[clause] for clause in readded_keys]
    clauses += _option_clauses(current, desired)
    partition_clauses, partition_extra = _partition_clauses(current, desired, rules_for(level))
    if mariadb and clauses and partition_clauses:
        primary = _mariadb_with_partitioning(head, clauses, partition_clauses[0])
    else:
        merged = clauses + partition_clauses
        primary = [head + ", ".join(merged)] if merged else []
    return leading + primary + [head + ", ".join(group) for group in partition_extra + extra]


def _mariadb_with_partitioning(head: str, clauses: list[str], partition: str) -> list[str]:
    """MariaDB 10.11 takes PARTITION BY / REMOVE PARTITIONING after other clauses only without
    a comma, and ADD/COALESCE PARTITION only on their own (measured: error 1064 otherwise)."""
    primary = head + ", ".join(clauses)
    if partition.startswith(("ADD PARTITION", "COALESCE PARTITION")):
        return [primary, head + partition]
    return [f"{primary} {partition}"]


# --- columns -------------------------------------------------------------------------------


def _pair_column_checks(columns_side: Table, checks_side: Table) -> tuple[Table, Table]:
    """MariaDB: a column CHECK on one side equals a table CHECK with the same expression on
    the other side (neither name is chosen by the user); both leave the comparison."""
    if all(column.check_key is None for column in columns_side.columns):
        return columns_side, checks_side  # nothing to pair (most tables)
    named = {check.name for check in columns_side.checks if check.name}
    other_columns = {c.name.lower(): c for c in checks_side.columns}
    checks = list(checks_side.checks)
    columns = list(columns_side.columns)
    for position, column in enumerate(columns):
        other = other_columns.get(column.name.lower())
        if column.check_key is None or (other is not None and other.check_key == column.check_key):
            continue
        match = next((c for c in checks if c.key == column.check_key and c.name not in named), None)
        if match is not None:
            checks.remove(match)
            columns[position] = replace(column, check=None, check_key=None)
    return (
        replace(columns_side, columns=tuple(columns)),
        replace(checks_side, checks=tuple(checks)),
    )


def _is_virtual(column: Column) -> bool:
    return column.generated is not None and not column.stored


def _recreated_columns(current: Table, desired: Table) -> set[str]:
    """MariaDB columns turning virtual <-> stored or virtual <-> regular.

    MariaDB 10.11 refuses such a MODIFY ("This is not yet supported for generated columns"),
    so the column is dropped and added again at its place in the same ALTER.
    """
    source = {c.name.lower(): c for c in current.columns}
    return {
        column.name.lower()
        for column in desired.columns
        if column.name.lower() in source
        and _is_virtual(source[column.name.lower()]) != _is_virtual(column)
    }


def _column_clauses(
    current: Table, desired: Table, mariadb: bool, recreated: set[str]
) -> list[str]:
    source = {c.name.lower(): c for c in current.columns}
    target = {c.name.lower(): c for c in desired.columns}
    drops = sorted(
        f"DROP COLUMN {quote_identifier(c.name)}"
        for c in current.columns
        if c.name.lower() not in target or c.name.lower() in recreated
    )
    explicit = _explicit_positions(current, desired, source, target)
    kept = [c.name.lower() for c in current.columns if c.name.lower() in target]
    kept = [name for name in kept if name not in recreated]
    wanted = [c.name.lower() for c in desired.columns]
    if _simulate(kept, wanted, explicit, recreated) != wanted:
        explicit = _converging_positions(kept, wanted, recreated)
    dropped_pk = _columns_losing_primary_key(current, desired)
    clauses = list(drops)
    previous = ""
    last = len(desired.columns) - 1
    for position, column in enumerate(desired.columns):
        lowered = column.name.lower()
        old = source.get(lowered)
        if old is None or lowered in recreated:
            clause = f"ADD COLUMN {format_column(column, mariadb=mariadb)}"
            if not previous:
                clause += " FIRST"
            elif position != last:
                clause += f" AFTER {quote_identifier(previous)}"
            clauses.append(clause)
        else:
            moved = explicit.get(lowered, False)
            changed = not _columns_equal(old, column, current, desired, mariadb, dropped_pk)
            if changed or moved:
                clause = f"MODIFY COLUMN {format_column(column, mariadb=mariadb)}"
                if moved:
                    clause += f" AFTER {quote_identifier(previous)}" if previous else " FIRST"
                clauses.append(clause)
        previous = column.name
    return clauses


def _explicit_positions(
    current: Table, desired: Table, source: dict[str, Column], target: dict[str, Column]
) -> dict[str, bool]:
    """Which existing columns need FIRST/AFTER: a real predecessor change, plus the cascade."""
    current_previous: dict[str, str] = {}
    earlier = ""
    for column in current.columns:
        current_previous[column.name.lower()] = earlier
        earlier = column.name.lower()
    explicit: dict[str, bool] = {}
    previous = ""
    for column in desired.columns:
        lowered = column.name.lower()
        if lowered not in source:
            explicit[lowered] = True
        else:
            old_previous = current_previous[lowered]
            implicit = (
                (previous == "" and old_previous == "")
                or (previous and previous not in source)
                or (old_previous and old_previous not in target)
            )
            if implicit:
                pass
            elif previous == old_previous:
                if previous and explicit.get(previous) and previous in source:
                    explicit[lowered] = True
            else:
                explicit[lowered] = True
        previous = lowered
    return explicit


def _place(order: list[str], name: str, previous: str, append: bool) -> None:
    """Put ``name`` where ``ADD|MODIFY ... FIRST|AFTER previous`` (or a bare ADD) puts it."""
    if name in order:
        order.remove(name)
    if append:
        order.append(name)
    else:
        order.insert(order.index(previous) + 1 if previous else 0, name)


def _simulate(
    kept: list[str], wanted: list[str], explicit: dict[str, bool], recreated: set[str]
) -> list[str]:
    """The column order the server ends with after the planned clauses, applied in order."""
    order = list(kept)
    previous = ""
    for position, name in enumerate(wanted):
        if name not in kept or name in recreated:
            _place(order, name, previous, append=bool(previous) and position == len(wanted) - 1)
        elif explicit.get(name):
            _place(order, name, previous, append=False)
        previous = name
    return order


def _converging_positions(
    kept: list[str], wanted: list[str], recreated: set[str]
) -> dict[str, bool]:
    """Positions for every column the server would otherwise leave out of place.

    Spirit's predecessor rule can miss a move next to an added or dropped column (the plan
    would not converge); then each existing column not already at its place gets FIRST/AFTER.
    """
    explicit: dict[str, bool] = {}
    order = list(kept)
    previous = ""
    for position, name in enumerate(wanted):
        if name not in kept or name in recreated:
            _place(order, name, previous, append=bool(previous) and position == len(wanted) - 1)
        elif order.index(name) != position:
            explicit[name] = True
            _place(order, name, previous, append=False)
        previous = name
    return explicit


def _columns_losing_primary_key(current: Table, desired: Table) -> set[str]:
    def pk_columns(table: Table) -> set[str]:
        for index in table.indexes:
            if index.kind == "PRIMARY":
                return {p.column.lower() for p in index.parts if p.column}
        return set()

    return pk_columns(current) - pk_columns(desired)


def _charset_pair(column: Column, table: Table, mariadb: bool) -> tuple[str | None, str | None]:
    """Column charset/collation, each unset when it equals its own table's default."""
    charset, collation = column.charset, column.collation
    if mariadb and charset and collation == MARIADB_DEFAULT_COLLATIONS.get(charset):
        collation = None
    if charset is not None and charset == table.options.charset:
        charset = None
    if collation is not None and collation == table.options.collation:
        collation = None
    return charset, collation


def _columns_equal(
    old: Column,
    new: Column,
    current: Table,
    desired: Table,
    mariadb: bool,
    dropped_pk: set[str],
) -> bool:
    if (old.type, old.args, old.unsigned, old.zerofill) != (
        new.type,
        new.args,
        new.unsigned,
        new.zerofill,
    ):
        return False
    if old.nullable != new.nullable:
        relaxing_dropped_pk = not old.nullable and new.nullable and old.name.lower() in dropped_pk
        if not relaxing_dropped_pk:
            return False
    old_default = old.default_key
    new_default = new.default_key
    if old.generated is not None or new.generated is not None:
        old_default = new_default = None
    if old_default != new_default:
        return False
    if (old.on_update, old.generated_key, old.stored, old.srid) != (
        new.on_update,
        new.generated_key,
        new.stored,
        new.srid,
    ):
        return False
    if old.auto_increment != new.auto_increment or old.comment != new.comment:
        return False
    if old.check_key != new.check_key:
        return False
    return _charset_pair(old, current, mariadb) == _charset_pair(new, desired, mariadb)


# --- indexes -------------------------------------------------------------------------------


def _parts_key(index: Index) -> tuple[object, ...]:
    return (index.kind, tuple(part.key for part in index.parts))


def _index_key(index: Index, *, visibility: bool = True) -> tuple[object, ...]:
    key = (
        _parts_key(index),
        index.using,
        index.key_block_size,
        index.parser,
        index.comment,
    )
    return (*key, index.visible) if visibility else key


def _covers(index: Index, columns: tuple[str, ...]) -> bool:
    """True when ``index`` can serve a foreign key on ``columns`` (they lead the index)."""
    leading = [part.column.lower() if part.column else None for part in index.parts]
    return leading[: len(columns)] == [c.lower() for c in columns]


def _foreign_key_owned(current: Table, desired: Table) -> set[str]:
    """Live indexes that exist only for a foreign key the desired table keeps.

    MySQL and MariaDB create an index for a foreign key that no index serves, named after
    the constraint, and refuse to drop the only index serving one. So a live index serving a
    kept foreign key that no desired index serves belongs to the key: it is neither dropped
    nor reported as a difference.
    """
    owned: set[str] = set()
    live_keys = {fk.name.lower() for fk in current.foreign_keys if fk.name}
    for fk in desired.foreign_keys:
        if fk.name.lower() not in live_keys:
            continue
        if any(_covers(index, fk.columns) for index in desired.indexes):
            continue
        serving = [i for i in current.indexes if _covers(i, fk.columns)]
        if serving and not any(
            index.name in {i.name for i in desired.indexes} for index in serving
        ):
            owned.add(serving[0].name)
    return owned


def _index_clauses(
    current: Table, desired: Table, mariadb: bool, recreated: set[str]
) -> tuple[list[str], list[list[str]]]:
    owned = _foreign_key_owned(current, desired)
    if owned:
        current = replace(current, indexes=tuple(i for i in current.indexes if i.name not in owned))
    source = {i.name: i for i in current.indexes}
    target = {i.name: i for i in desired.indexes}
    # An index on a re-created column goes with the column: it is dropped and added again.
    touched = {
        index.name
        for index in current.indexes
        if any((part.column or "").lower() in recreated for part in index.parts)
    }
    matched_source: set[str] = set()
    matched_target: set[str] = set()
    for old in current.indexes:
        if old.kind != "UNIQUE" or old.name in target:
            continue
        for new in desired.indexes:
            if new.kind != "UNIQUE" or new.name in source or new.name in matched_target:
                continue
            if not (old.inline or new.inline):
                continue
            if _parts_key(old) == _parts_key(new):
                matched_source.add(old.name)
                matched_target.add(new.name)
                break
    drops: list[str] = []
    extra: list[list[str]] = []
    option_only: set[str] = set()
    for old in current.indexes:
        if old.name in matched_source:
            continue
        new = target.get(old.name)
        drop = (
            "DROP PRIMARY KEY"
            if old.kind == "PRIMARY"
            else f"DROP INDEX {quote_identifier(old.name)}"
        )
        if new is None or old.name in touched:
            drops.append(drop)
        elif _index_key(old, visibility=False) != _index_key(new, visibility=False):
            if (
                old.kind != "PRIMARY"
                and _parts_key(old) == _parts_key(new)
                and (old.parser != new.parser or old.key_block_size != new.key_block_size)
            ):
                option_only.add(old.name)
                extra.append([drop])
                extra.append([format_add_index(new, mariadb=mariadb)])
            else:
                drops.append(drop)
    adds: list[str] = []
    alters: list[str] = []
    for new in desired.indexes:
        if new.name in matched_target or new.name in option_only:
            continue
        old = source.get(new.name)
        if (
            old is None
            or old.name in touched
            or _index_key(old, visibility=False) != _index_key(new, visibility=False)
        ):
            adds.append(format_add_index(new, mariadb=mariadb))
        elif old.visible != new.visible:
            if mariadb:
                word = "NOT IGNORED" if new.visible else "IGNORED"
            else:
                word = "VISIBLE" if new.visible else "INVISIBLE"
            alters.append(f"ALTER INDEX {quote_identifier(new.name)} {word}")
    return sorted(set(drops)) + sorted(adds) + sorted(alters), extra


# --- constraints ---------------------------------------------------------------------------


def _fk_action(action: str | None) -> str | None:
    """RESTRICT and NO ACTION are InnoDB's default (the same check), so they equal no action."""
    return None if action in ("RESTRICT", "NO ACTION") else action


def _constraint_key(constraint: Check | ForeignKey, mariadb: bool) -> tuple[object, ...]:
    if isinstance(constraint, Check):
        return ("CHECK", constraint.key, True if mariadb else constraint.enforced)
    return (
        "FOREIGN KEY",
        tuple(c.lower() for c in constraint.columns),
        constraint.ref_table,
        tuple(c.lower() for c in constraint.ref_columns),
        _fk_action(constraint.on_delete),
        _fk_action(constraint.on_update),
    )


def _constraint_clauses(
    current: Table, desired: Table, mariadb: bool
) -> tuple[list[str], list[str]]:
    """The primary ALTER's constraint clauses, and FOREIGN KEY adds needing their own ALTER."""
    old_list: list[Check | ForeignKey] = [*current.checks, *current.foreign_keys]
    new_list: list[Check | ForeignKey] = [*desired.checks, *desired.foreign_keys]
    # Constraint names compare case-insensitively (the server treats them so).
    old_names = {c.name.lower() for c in old_list if c.name}
    new_names = {c.name.lower() for c in new_list if c.name}
    pairs: list[tuple[Check | ForeignKey, Check | ForeignKey]] = []
    unmatched_old = [c for c in old_list if not c.name or c.name.lower() not in new_names]
    unmatched_new = [c for c in new_list if not c.name or c.name.lower() not in old_names]
    for old in list(unmatched_old):
        for new in unmatched_new:
            if _constraint_key(old, mariadb) == _constraint_key(new, mariadb):
                unmatched_old.remove(old)
                unmatched_new.remove(new)
                break
    by_name_new = {c.name.lower(): c for c in new_list if c.name}
    for old in old_list:
        if old.name and old.name.lower() in by_name_new:
            pairs.append((old, by_name_new[old.name.lower()]))
    drops: list[str] = []
    enforcement: list[str] = []
    adds: list[str] = []
    # MariaDB 10.11 refuses DROP + ADD of one foreign key name in one ALTER (errno 121), so
    # there the changed key is added again by a statement of its own, after the DROP.
    readded: list[str] = []
    for old in unmatched_old:
        drops.append(_drop_constraint(old, mariadb))
    for new in unmatched_new:
        adds.append(_add_constraint(new, mariadb))
    for old, new in pairs:
        if _constraint_key(old, mariadb) == _constraint_key(new, mariadb):
            continue
        if isinstance(old, Check) and isinstance(new, Check) and old.key == new.key and not mariadb:
            word = "ENFORCED" if new.enforced else "NOT ENFORCED"
            enforcement.append(f"ALTER CHECK {quote_identifier(old.name)} {word}")
            continue
        drops.append(_drop_constraint(old, mariadb))
        if mariadb and isinstance(new, ForeignKey):
            readded.append(_add_constraint(new, mariadb))
        else:
            adds.append(_add_constraint(new, mariadb))
    return sorted(drops) + sorted(enforcement) + sorted(adds), sorted(readded)


def _drop_constraint(constraint: Check | ForeignKey, mariadb: bool) -> str:
    name = quote_identifier(constraint.name)
    if isinstance(constraint, ForeignKey):
        return f"DROP FOREIGN KEY {name}"
    return f"DROP CONSTRAINT {name}" if mariadb else f"DROP CHECK {name}"


def _add_constraint(constraint: Check | ForeignKey, mariadb: bool) -> str:
    if isinstance(constraint, ForeignKey):
        return format_add_foreign_key(constraint)
    return format_add_check(constraint, mariadb=mariadb)


# --- table options and partitioning --------------------------------------------------------


def _option_clauses(current: Table, desired: Table) -> list[str]:
    old, new = current.options, desired.options
    clauses = []
    if new.charset is not None and new.charset != old.charset:
        clauses.append(f"DEFAULT CHARSET={new.charset}")
    if new.collation is not None and new.collation != old.collation:
        clauses.append(f"COLLATE={new.collation}")
    old_comment = old.comment or None
    new_comment = new.comment or None
    if old_comment != new_comment:
        clauses.append(f"COMMENT={escape_string(new_comment or '')}")
    return clauses


def _partition_clauses(
    current: Table, desired: Table, rules: LevelRules
) -> tuple[list[str], list[list[str]]]:
    old, new = current.partitioning, desired.partitioning
    if partitioning_key(old) == partitioning_key(new):
        return [], []
    if new is None:
        return ["REMOVE PARTITIONING"], []
    if old is None:
        return [format_partitioning(new, rules)], []
    same_shape = (
        old.method in ("HASH", "KEY")
        and (old.linear, old.method, old.expression_key, old.columns, old.subpartition_key)
        == (new.linear, new.method, new.expression_key, new.columns, new.subpartition_key)
        and not old.definitions
        and not new.definitions
        and old.count
        and new.count
    )
    if same_shape:
        change = (new.count or 0) - (old.count or 0)
        if change > 0:
            return [f"ADD PARTITION PARTITIONS {change}"], []
        return [f"COALESCE PARTITION {-change}"], []
    return ["REMOVE PARTITIONING"], [[format_partitioning(new, rules)]]
