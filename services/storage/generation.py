"""Which SchemaBot storage this is: its dialect and its generation, from the catalog alone.

SchemaBot's storage comes in two layouts. G1 (up to July 2026, MySQL only) still has
``tasks.ready_to_complete``, and reopening a failed apply is SchemaBot's own semantics. G2 (later,
MySQL or PostgreSQL) declares a terminal apply final; it is recognised by any one of its additions
below, and every PostgreSQL storage is G2 because SchemaBot only supports PostgreSQL there. A
storage with neither sign is ``unknown``: read what can be read, write nothing.

One catalog statement per dialect lists the columns of SchemaBot's tables, and which of them
the storage declares NOT NULL (such a column never holds NULL, so a read need not test it);
``classify`` is pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import Connection, TextClause, bindparam, text

from services.storage.schema import metadata

Dialect = Literal["mysql", "postgres", "sqlite"]
Generation = Literal["g1", "g2", "unknown"]

# The legacy ``apply_target_locks`` is in our table definitions for ``storage init`` only.
UNUSED_TABLES = frozenset({"apply_target_locks"})

# The columns of our table definitions (the G1 layout) that the console may read.
USED_COLUMNS: Mapping[str, frozenset[str]] = {
    table.name: frozenset(c.name for c in table.columns)
    for table in metadata.sorted_tables
    if table.name not in UNUSED_TABLES
}

# Later SchemaBot columns the console reads where they exist (see ``column_plan``).
OPTIONAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "applies": ("retry_after", "superseded_by"),
    "tasks": ("throttled", "throttle_reason"),
}

G2_MARKER_COLUMNS = (
    ("applies", "retry_after"),
    ("applies", "superseded_by"),
    ("applies", "expected_operation_keys"),
    ("apply_operations", "already_converged"),
)
G2_MARKER_TABLES = ("pending_drops", "merge_gate_requests")
G1_MARKER_COLUMN = ("tasks", "ready_to_complete")
# SchemaBot supports PostgreSQL storage only in G2, so the dialect alone is a G2 marker.
G2_ONLY_DIALECTS = frozenset({"postgres"})

# SchemaBot tables whose presence the catalog query reports: ours plus the G2 marker tables.
CATALOG_TABLES = (*USED_COLUMNS, *G2_MARKER_TABLES)


@dataclass(frozen=True, slots=True)
class _DialectCatalog:
    """What varies per dialect: the name the console reports and its one catalog statement."""

    name: Dialect
    columns_query: TextClause


def _catalog(sql: str) -> TextClause:
    return text(sql).bindparams(bindparam("tables", expanding=True))


_CATALOGS: Mapping[str, _DialectCatalog] = {
    "mysql": _DialectCatalog(
        "mysql",
        _catalog(
            "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name, "
            "IS_NULLABLE = 'NO' AS not_null FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN :tables"
        ),
    ),
    "postgresql": _DialectCatalog(
        "postgres",
        _catalog(
            "SELECT table_name, column_name, is_nullable = 'NO' AS not_null "
            "FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name IN :tables"
        ),
    ),
    "sqlite": _DialectCatalog(
        "sqlite",
        _catalog(
            'SELECT m.name AS table_name, p.name AS column_name, p."notnull" AS not_null '
            "FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p "
            "WHERE m.type = 'table' AND m.name IN :tables"
        ),
    ),
}
_CATALOGS = {**_CATALOGS, "mariadb": _CATALOGS["mysql"]}


@dataclass(frozen=True, slots=True)
class StorageGeneration:
    """The storage's dialect and generation, and what its catalog says about our columns.

    ``present`` maps each SchemaBot table found to its columns (lower case), so readers can
    ask ``has(table, column)`` before selecting an optional column; ``not_null`` to those of
    its columns declared NOT NULL (``declares_not_null``).
    """

    dialect: Dialect
    generation: Generation
    markers: tuple[str, ...]
    present: Mapping[str, frozenset[str]]
    not_null: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def has(self, table: str, column: str | None = None) -> bool:
        """True if ``table`` (and, when given, its ``column``) exists in the storage."""
        columns = self.present.get(table.lower())
        if columns is None:
            return False
        return column is None or column.lower() in columns

    def declares_not_null(self, table: str, column: str) -> bool:
        """True if the storage declares ``table.column`` NOT NULL: it can never hold NULL."""
        return column.lower() in self.not_null.get(table.lower(), ())

    @property
    def missing_used_columns(self) -> tuple[str, ...]:
        """``table.column`` the console reads that this storage lacks (missing tables too)."""
        return tuple(
            f"{table}.{column}"
            for table, columns in USED_COLUMNS.items()
            for column in sorted(columns)
            if not self.has(table, column)
        )

    @property
    def extra_ignored_columns(self) -> tuple[str, ...]:
        """``table.column`` of the console's tables that it does not read (later additions)."""
        return tuple(
            f"{table}.{column}"
            for table, used in USED_COLUMNS.items()
            for column in sorted(
                self.present.get(table, frozenset()) - used - set(OPTIONAL_COLUMNS.get(table, ()))
            )
        )

    def as_json(self) -> dict[str, object]:
        """The ``storage inspect --json`` document (also carries ``storage: {…}``)."""
        return {
            "storage": {"dialect": self.dialect, "generation": self.generation},
            "dialect": self.dialect,
            "generation": self.generation,
            "markers": list(self.markers),
            "missing_used_columns": list(self.missing_used_columns),
            "extra_ignored_columns": list(self.extra_ignored_columns),
        }


def classify(
    dialect: Dialect,
    pairs: Iterable[tuple[str, str]],
    not_null: Iterable[tuple[str, str]] = (),
) -> StorageGeneration:
    """Classify from the (table, column) pairs present, and the pairs declared NOT NULL; a pure
    function of the catalog."""
    present = _by_table(pairs)
    markers = [f"{t}.{c}" for t, c in G2_MARKER_COLUMNS if c in present.get(t, ())]
    markers += [t for t in G2_MARKER_TABLES if t in present]
    if dialect in G2_ONLY_DIALECTS:
        markers.append(f"{dialect} storage")
    g1_table, g1_column = G1_MARKER_COLUMN
    generation: Generation
    if markers:
        generation = "g2"
    elif g1_column in present.get(g1_table, ()):
        generation = "g1"
        markers.append(f"{g1_table}.{g1_column}")
    else:
        generation = "unknown"
    return StorageGeneration(dialect, generation, tuple(markers), present, _by_table(not_null))


def _by_table(pairs: Iterable[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """(table, column) pairs as each table's columns, lower case."""
    found: dict[str, set[str]] = {}
    for table, column in pairs:
        found.setdefault(table.lower(), set()).add(column.lower())
    return {table: frozenset(columns) for table, columns in found.items()}


def dialect_of(conn: Connection) -> Dialect:
    """The console's name for the connection's dialect; ``ValueError`` for any other backend."""
    return _catalog_of(conn).name


def detect(conn: Connection) -> StorageGeneration:
    """Read the catalog (one statement) and classify the storage."""
    catalog = _catalog_of(conn)
    rows = conn.execute(catalog.columns_query, {"tables": list(CATALOG_TABLES)}).all()
    pairs = [(str(table), str(column)) for table, column, _ in rows]
    declared = [pair for pair, (_, _, not_null) in zip(pairs, rows, strict=True) if not_null]
    return classify(catalog.name, pairs, declared)


def _catalog_of(conn: Connection) -> _DialectCatalog:
    try:
        return _CATALOGS[conn.dialect.name]
    except KeyError:
        raise ValueError(f"unsupported storage dialect {conn.dialect.name!r}") from None
