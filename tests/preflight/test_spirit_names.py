"""Spirit's auxiliary table names, including its cut of long table names."""

from __future__ import annotations

from services.preflight.spirit_names import (
    SENTINEL_TABLE,
    checkpoint_table_name,
    new_table_name,
    old_table_name,
)


def test_short_names_get_a_leading_underscore_and_the_suffix():
    assert new_table_name("users") == "_users_new"
    assert old_table_name("users") == "_users_old"
    assert checkpoint_table_name("users") == "_users_chkpnt"
    assert SENTINEL_TABLE == "_spirit_sentinel"


def test_long_names_are_cut_so_the_suffix_survives_within_64_bytes():
    name = "t" * 64
    assert new_table_name(name) == "_" + "t" * 59 + "_new"
    assert old_table_name(name) == "_" + "t" * 59 + "_old"
    assert checkpoint_table_name(name) == "_" + "t" * 56 + "_chkpnt"
    assert all(len(f(name)) == 64 for f in (new_table_name, old_table_name, checkpoint_table_name))


def test_a_name_that_just_fits_is_not_cut():
    name = "a" * 56
    assert checkpoint_table_name(name) == f"_{name}_chkpnt"
    assert checkpoint_table_name(name + "b") == f"_{name}_chkpnt"  # cut: same as the shorter


def test_a_cut_through_a_multibyte_character_drops_the_partial_character():
    name = "a" * 55 + "é"  # 57 bytes; the checkpoint name keeps 56 of them
    assert checkpoint_table_name(name) == "_" + "a" * 55 + "_chkpnt"
