"""The names of the tables Spirit keeps beside a table it migrates.

Spirit names them ``_<table><suffix>`` with the suffixes ``_new`` (the shadow copy), ``_old``
(the table renamed away at cutover) and ``_chkpnt`` (the checkpoint). When the name would
exceed MySQL's 64-character identifier limit, the table-name part is cut to
``64 - 1 - len(suffix)`` bytes, so the suffix always survives; two long names sharing a
prefix can therefore map to the same auxiliary name (Spirit records the original name in the
checkpoint to notice). Spirit cuts bytes; a cut through a multi-byte character drops that
character here, since a partial character cannot name a table. One fixed table,
``_spirit_sentinel``, holds a deferred cutover until an operator drops it.
"""

from __future__ import annotations

MAX_NAME_BYTES = 64
NEW_SUFFIX = "_new"
OLD_SUFFIX = "_old"
CHECKPOINT_SUFFIX = "_chkpnt"
SENTINEL_TABLE = "_spirit_sentinel"


def auxiliary_name(table: str, suffix: str) -> str:
    """``_<table><suffix>``, the table part cut so the whole fits in 64 bytes."""
    room = MAX_NAME_BYTES - 1 - len(suffix.encode())
    cut = table.encode()[: max(room, 0)].decode("utf-8", "ignore")
    return f"_{cut}{suffix}"


def new_table_name(table: str) -> str:
    return auxiliary_name(table, NEW_SUFFIX)


def old_table_name(table: str) -> str:
    return auxiliary_name(table, OLD_SUFFIX)


def checkpoint_table_name(table: str) -> str:
    return auxiliary_name(table, CHECKPOINT_SUFFIX)
