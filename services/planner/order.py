"""Statement order across tables, so a foreign key never points at a key that does not exist.

SchemaBot orders CREATEs, then ALTERs, then DROPs, each group by table name. With foreign keys
between the tables of one plan that order can fail on the server: a new ``child`` created
before the new ``parent`` it references, or a child's new key added before the parent's
ALTER creates the referenced key. Within each group the name order is kept except where a
reference needs another table first:

- CREATE: a referenced new table comes before the tables referencing it;
- ALTER: a table whose ALTER adds a foreign key comes after the ALTER of the table it
  references; a table dropping a foreign key comes before the ALTER of the table it
  referenced (which may drop the key it pointed at). When both hold (a primary key moves and
  the foreign key follows it), the child's ``DROP FOREIGN KEY`` clauses run first as a
  statement of their own.

Without references between the tables of a plan the order is exactly SchemaBot's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.planner.model import ForeignKey, Table


def _key(fk: ForeignKey) -> tuple[object, ...]:
    none_if_default = {"RESTRICT": None, "NO ACTION": None}
    return (
        fk.name.lower(),
        tuple(c.lower() for c in fk.columns),
        fk.ref_table,
        tuple(c.lower() for c in fk.ref_columns),
        none_if_default.get(fk.on_delete or "", fk.on_delete),
        none_if_default.get(fk.on_update or "", fk.on_update),
    )


def added_references(current: Table | None, desired: Table) -> set[str]:
    """Tables referenced by foreign keys ``desired`` has and ``current`` lacks."""
    existing = {_key(fk) for fk in current.foreign_keys} if current else set()
    return {fk.ref_table for fk in desired.foreign_keys if _key(fk) not in existing}


def dropped_references(current: Table, desired: Table) -> set[str]:
    """Tables referenced by foreign keys ``current`` has and ``desired`` lacks."""
    kept = {_key(fk) for fk in desired.foreign_keys}
    return {fk.ref_table for fk in current.foreign_keys if _key(fk) not in kept}


def topological(names: Iterable[str], after: Mapping[str, set[str]]) -> list[str]:
    """``names`` in name order, except each comes after the names in ``after[name]``.

    A cycle cannot be ordered; its tables keep name order (the server decides then).
    """
    pending = sorted(set(names))
    placed: list[str] = []
    done: set[str] = set()
    while pending:
        ready = next(
            (n for n in pending if not ((after.get(n, set()) & set(pending)) - {n} - done)),
            pending[0],
        )
        pending.remove(ready)
        placed.append(ready)
        done.add(ready)
    return placed


def order_creates(desired: Mapping[str, Table]) -> list[str]:
    """New tables, each after the new tables it references."""
    after = {name: added_references(None, table) & set(desired) for name, table in desired.items()}
    return topological(desired, after)


def order_alters(
    current: Mapping[str, Table],
    desired: Mapping[str, Table],
    statements: Mapping[str, list[str]],
) -> tuple[list[str], set[str]]:
    """Altered tables in a safe order, and the tables whose FK drops run first on their own.

    ``statements`` are each table's ALTERs: only a table whose ALTER adds (or drops) a key
    can be needed before (or after) the tables referencing it.
    """
    names = set(statements)
    adding = {n for n in names if any(_adds_key(s) for s in statements[n])}
    dropping = {n for n in names if any(_drops_key(s) for s in statements[n])}
    adds = {n: added_references(current[n], desired[n]) & adding - {n} for n in names}
    drops = {n: dropped_references(current[n], desired[n]) & dropping - {n} for n in names}
    split = {n for n in names if adds[n] & drops[n]}
    after: dict[str, set[str]] = {n: set(adds[n]) for n in names}
    for name in names - split:
        for referenced in drops[name]:
            after[referenced].add(name)
    return topological(names, after), split


def _adds_key(statement: str) -> bool:
    return any(word in statement for word in ("ADD PRIMARY KEY", "ADD UNIQUE INDEX", "ADD INDEX"))


def _drops_key(statement: str) -> bool:
    return "DROP PRIMARY KEY" in statement or "DROP INDEX" in statement
