"""The fast paths: unchanged tables are not parsed, parsed models are cached by content."""

from __future__ import annotations

import pytest

import services.planner.parse as parse_module
from services.planner import Flavour, PlannerError, plan_schema
from services.planner.sources import StaticSchemaSource
from services.planner.spirit_level import SpiritLevel

LIVE = (
    "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  PRIMARY KEY (`id`)\n)"
    " ENGINE=InnoDB AUTO_INCREMENT=9"
)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every uncached parse, in order (the cache is emptied first)."""
    parse_module.clear_cache()
    calls: list[str] = []
    real = parse_module.parse_table_uncached

    def counting(sql: str, flavour: Flavour, validate: bool, level: SpiritLevel):
        calls.append(sql)
        return real(sql, flavour, validate, level)

    monkeypatch.setattr(parse_module, "parse_table_uncached", counting)
    return calls


def plan(desired: str) -> list[str]:
    source = StaticSchemaSource({"ns": {"t": LIVE}}, server_text=True)
    return [c.ddl for c in plan_schema({"ns": {"t.sql": desired}}, source).changes]


@pytest.mark.parametrize(
    "same",
    [
        LIVE.replace(" AUTO_INCREMENT=9", "") + ";\n",
        LIVE.replace("=9", "=12345"),
        "CREATE TABLE `t` (`id` bigint NOT NULL, PRIMARY KEY (`id`))\n\tENGINE=InnoDB",
    ],
    ids=["show_create_text", "other_counter", "other_whitespace"],
)
def test_unchanged_text_is_not_parsed(same: str, parses: list[str]) -> None:
    assert plan(same) == []
    assert parses == []


def test_changed_table_is_parsed_once_then_cached(parses: list[str]) -> None:
    desired = "CREATE TABLE t (id bigint NOT NULL PRIMARY KEY, n int)"
    expected = ["ALTER TABLE `t` ADD COLUMN `n` int NULL;"]
    assert plan(desired) == expected
    assert len(parses) == 2  # desired and live
    assert plan(desired) == expected
    assert len(parses) == 2


def test_snapshot_text_is_always_parsed(parses: list[str]) -> None:
    """A snapshot is not server output: an invalid file equal to it is still refused."""
    bad = "CREATE TABLE t (id bigint) TABLESPACE x"
    with pytest.raises(PlannerError, match="TABLESPACE"):
        plan_schema({"ns": {"t.sql": bad}}, StaticSchemaSource({"ns": {"t": bad}}))


def test_a_commented_copy_is_parsed_and_still_unchanged(parses: list[str]) -> None:
    assert plan("-- owner: team x\n" + LIVE) == []
    assert len(parses) == 2


def test_a_token_level_change_is_never_taken_for_unchanged(parses: list[str]) -> None:
    desired = LIVE.replace("bigint", "BIGINT").replace(" AUTO_INCREMENT=9", "")
    assert plan(desired) == []
    assert len(parses) == 2
    assert plan(LIVE.replace("bigint NOT NULL", "bigint unsigned NOT NULL")) == [
        "ALTER TABLE `t` MODIFY COLUMN `id` bigint unsigned NOT NULL;"
    ]
