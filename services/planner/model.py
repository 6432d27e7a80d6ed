"""The planner's normalised table model, built from both sides before diffing.

Every field is normalised already (types, defaults, options), so the differ compares fields and
the emitter prints them. ``*_key`` fields hold the comparison form of expressions; the plain
fields hold the text the emitter prints. Every class is frozen and slotted, and is built
through its slots directly (``slot_init``: a plan builds about 40 of them per table).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.planner.api import Flavour
from services.planner.slot_init import direct_init


@direct_init
@dataclass(frozen=True, slots=True)
class Default:
    """A column default: ``kind`` is string, literal, timestamp or expr; ``text`` its value.

    ``key`` is the comparison form (numeric value on numeric columns, lowercased function).
    """

    kind: str
    text: str
    key: str


@direct_init
@dataclass(frozen=True, slots=True)
class Column:
    """A column; ``default`` keeps the written form (``DEFAULT NULL`` included) for printing."""

    name: str
    type: str
    args: tuple[str, ...] = ()
    unsigned: bool = False
    zerofill: bool = False
    charset: str | None = None
    collation: str | None = None
    nullable: bool = True
    default: Default | None = None
    on_update: str | None = None
    generated: str | None = None
    generated_key: str | None = None
    stored: bool = False
    srid: int | None = None
    auto_increment: bool = False
    comment: str | None = None
    primary_key: bool = False
    check: str | None = None  # MariaDB keeps a column CHECK on the column
    check_key: str | None = None

    @property
    def default_key(self) -> str | None:
        """The default as compared: ``DEFAULT NULL`` equals no default (alike in Spirit)."""
        if self.default is None or self.default.kind == "null":
            return None
        return self.default.key


@direct_init
@dataclass(frozen=True, slots=True)
class KeyPart:
    """One index key part: a column (with optional prefix length) or an expression."""

    column: str | None
    expression: str | None = None
    expression_key: str | None = None
    length: int | None = None
    desc: bool = False

    @property
    def key(self) -> tuple[object, ...]:
        column = self.column.lower() if self.column is not None else None
        return (column, self.expression_key, self.length, self.desc)


@direct_init
@dataclass(frozen=True, slots=True)
class Index:
    """A PRIMARY / UNIQUE / FULLTEXT / SPATIAL / plain index (``kind`` "" for plain)."""

    name: str
    kind: str
    parts: tuple[KeyPart, ...]
    using: str | None = None
    key_block_size: int | None = None
    parser: str | None = None
    comment: str | None = None
    visible: bool = True
    inline: bool = False


@direct_init
@dataclass(frozen=True, slots=True)
class Check:
    name: str
    expression: str
    key: str
    enforced: bool = True


@direct_init
@dataclass(frozen=True, slots=True)
class ForeignKey:
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str | None = None
    on_update: str | None = None


@direct_init
@dataclass(frozen=True, slots=True)
class Options:
    """Table options as written; ``None`` means "not given" (don't care: the live value is kept)."""

    engine: str | None = None
    charset: str | None = None
    collation: str | None = None
    comment: str | None = None
    row_format: str | None = None


@direct_init
@dataclass(frozen=True, slots=True)
class SubpartitionDef:
    """A named subpartition; only its comment carries meaning (its engine is the table's)."""

    name: str
    comment: str | None = None


@direct_init
@dataclass(frozen=True, slots=True)
class PartitionDef:
    name: str
    values: str | None
    comment: str | None = None
    subpartitions: tuple[SubpartitionDef, ...] = ()


@direct_init
@dataclass(frozen=True, slots=True)
class Partitioning:
    """``PARTITION BY`` as a whole; ``definitions`` empty when only a count is given."""

    linear: bool
    method: str  # RANGE | LIST | HASH | KEY | RANGE COLUMNS | LIST COLUMNS
    expression: str | None
    expression_key: str | None
    columns: tuple[str, ...]
    count: int | None
    definitions: tuple[PartitionDef, ...] = ()
    subpartition: str | None = None
    subpartition_key: str | None = None


@direct_init
@dataclass(frozen=True, slots=True)
class Table:
    name: str
    flavour: Flavour
    columns: tuple[Column, ...]
    indexes: tuple[Index, ...] = ()
    checks: tuple[Check, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    options: Options = field(default_factory=Options)
    partitioning: Partitioning | None = None
