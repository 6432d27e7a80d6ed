"""A column definition is read once per process: the same text after the name, under the same
rules, reads to the same column in any table, and no column takes another's name or errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.planner import Flavour, columns
from services.planner.parse import TableParseError, clear_cache, parse_table
from services.planner.prepass import Element
from services.planner.spirit_level import LevelRules, SpiritLevel

M, MARIA = Flavour.MYSQL, Flavour.MARIADB


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every column whose definition is read (nothing is known at first)."""
    clear_cache()
    names: list[str] = []
    real = columns._read_shape

    def counting(name: str, element: Element, rules: LevelRules) -> object:
        names.append(name)
        return real(name, element, rules)

    monkeypatch.setattr(columns, "_read_shape", counting)
    return names


def test_a_definition_seen_in_one_table_is_not_read_again_in_another(reads: list[str]) -> None:
    first = parse_table(
        "CREATE TABLE a (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, note text)", M
    )
    second = parse_table(
        "CREATE TABLE b (uid bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, memo text)", M
    )
    assert reads == ["id", "note"]
    assert [c.name for c in second.columns] == ["uid", "memo"]
    assert second.columns[0].auto_increment and second.columns[0].unsigned
    assert not second.columns[0].nullable
    assert [(i.name, [p.column for p in i.parts]) for i in second.indexes] == [("PRIMARY", ["uid"])]
    assert [replace(c, name="x") for c in first.columns] == [
        replace(c, name="x") for c in second.columns
    ]


def test_inline_keys_and_column_checks_go_to_the_column_that_reuses_a_definition(
    reads: list[str],
) -> None:
    parse_table("CREATE TABLE a (n int, one int UNIQUE CHECK (n > 0))", MARIA)
    table = parse_table("CREATE TABLE b (n int, two int UNIQUE CHECK (n > 0))", MARIA)
    assert reads == ["n", "one"]
    two = table.columns[1]
    assert two.name == "two" and two.check_key is not None and "n" in two.check_key.lower()
    assert [(i.name, i.kind, [p.column for p in i.parts]) for i in table.indexes] == [
        ("two", "UNIQUE", ["two"])
    ]


def test_the_rules_and_the_prepass_flags_are_part_of_what_is_reused(reads: list[str]) -> None:
    august = parse_table("CREATE TABLE a (v vector(3))", M, SpiritLevel.AUGUST_2026)
    assert august.columns[0].type == "vector"
    with pytest.raises(TableParseError, match="column w: VECTOR needs Spirit level 2026-08"):
        parse_table("CREATE TABLE b (w vector(3))", M, SpiritLevel.JULY_2026)
    enforced = parse_table("CREATE TABLE c (n int CHECK (n > 0))", M)
    loose = parse_table("CREATE TABLE d (n int CHECK (n > 0) NOT ENFORCED)", M)
    assert [c.enforced for c in enforced.checks] == [True]
    assert [c.enforced for c in loose.checks] == [False]
    assert reads == ["v", "w", "n", "n"]


def test_a_refused_definition_names_its_own_column_every_time(reads: list[str]) -> None:
    for table, column in (("a", "first"), ("b", "second")):
        with pytest.raises(TableParseError, match=f"column {column}: DEFAULT NULL on a NOT NULL"):
            parse_table(f"CREATE TABLE {table} ({column} int NOT NULL DEFAULT NULL)", M)
    assert reads == ["first", "second"]  # a refusal is not remembered


def test_the_memo_is_bounded(reads: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "SHAPES_LIMIT", 2)
    table = parse_table("CREATE TABLE a (p int, q bigint, r text, s date)", M)
    assert [c.type for c in table.columns] == ["int", "bigint", "text", "date"]
    assert 0 < len(columns._shapes) <= 2
    clear_cache()
    assert not columns._shapes
