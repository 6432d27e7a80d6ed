"""Canonical comparison where clause order and option-value case decide the answer.

Column position clauses (``AFTER x`` / ``FIRST``) on ``MODIFY``, ``CHANGE`` and ``ADD COLUMN``
are applied left to right, so two statements with the same clauses in another order can lay
the table out differently: they must compare different (comparing them equal would let a
redrive through on a plan that no longer matches). Option values whose case MySQL ignores
(character sets, collations, row formats, ``ALGORITHM``/``LOCK``) compare equal in any case;
values whose case is data (comments, string defaults) do not.
"""

from __future__ import annotations

import pytest

from services.planner import statements_equivalent
from services.planner.api import Flavour

A = "ALTER TABLE `t` "

REORDERED_POSITIONS = {
    "modify_after": (
        A + "MODIFY COLUMN `a` int NULL AFTER `b`, MODIFY COLUMN `b` int NULL AFTER `c`",
        A + "MODIFY COLUMN `b` int NULL AFTER `c`, MODIFY COLUMN `a` int NULL AFTER `b`",
    ),
    "change_after_and_first": (
        A + "CHANGE COLUMN `a` `a` int NULL AFTER `b`, CHANGE COLUMN `b` `b` int NULL FIRST",
        A + "CHANGE COLUMN `b` `b` int NULL FIRST, CHANGE COLUMN `a` `a` int NULL AFTER `b`",
    ),
    "modify_first_then_add_after": (
        A + "MODIFY COLUMN `a` int NULL FIRST, ADD COLUMN `z` int NULL AFTER `a`",
        A + "ADD COLUMN `z` int NULL AFTER `a`, MODIFY COLUMN `a` int NULL FIRST",
    ),
}

CASE_IGNORED = {
    "algorithm": (
        A + "ADD INDEX `i` (`a`), ALGORITHM=INPLACE",
        A + "ADD INDEX `i` (`a`), ALGORITHM=inplace",
    ),
    "lock": (A + "ADD INDEX `i` (`a`), LOCK=NONE", A + "ADD INDEX `i` (`a`), lock=none"),
    "charset": (A + "DEFAULT CHARSET=LATIN1", A + "DEFAULT CHARSET=latin1"),
    "collation": (A + "COLLATE=UTF8MB4_BIN", A + "COLLATE=utf8mb4_bin"),
    "row_format": (A + "ROW_FORMAT=DYNAMIC", A + "ROW_FORMAT=dynamic"),
}

CASE_KEPT = {
    "table_comment": (A + "COMMENT='Users'", A + "COMMENT='users'"),
    "set_default_string": (
        A + "ALTER COLUMN `s` SET DEFAULT 'A'",
        A + "ALTER COLUMN `s` SET DEFAULT 'a'",
    ),
}


@pytest.mark.parametrize(("a", "b"), REORDERED_POSITIONS.values(), ids=REORDERED_POSITIONS)
def test_reordered_position_clauses_compare_different(a: str, b: str) -> None:
    assert statements_equivalent(a, a, Flavour.MYSQL)
    assert not statements_equivalent(a, b, Flavour.MYSQL)
    assert not statements_equivalent(b, a, Flavour.MYSQL)


@pytest.mark.parametrize(("a", "b"), CASE_IGNORED.values(), ids=CASE_IGNORED)
def test_option_values_mysql_reads_case_insensitively_compare_equal(a: str, b: str) -> None:
    assert statements_equivalent(a, b, Flavour.MYSQL)


@pytest.mark.parametrize(("a", "b"), CASE_KEPT.values(), ids=CASE_KEPT)
def test_string_values_keep_their_case(a: str, b: str) -> None:
    assert not statements_equivalent(a, b, Flavour.MYSQL)
