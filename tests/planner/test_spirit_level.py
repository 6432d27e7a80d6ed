"""The two Spirit levels: choosing one, and each behaviour that differs, planned both ways."""

from __future__ import annotations

import pytest

from services.planner import PlannerError, plan_schema
from services.planner.api import Flavour
from services.planner.sources import StaticSchemaSource
from services.planner.spirit_level import (
    DEFAULT_LEVEL,
    RULES,
    SpiritLevel,
    level_for_generation,
    parse_level,
)

JULY, AUGUST = SpiritLevel.JULY_2026, SpiritLevel.AUGUST_2026
BASE = "CREATE TABLE t (id bigint NOT NULL, a int, b varchar(20), PRIMARY KEY (id)"
A = "ALTER TABLE `t` "


def test_generation_picks_the_level() -> None:
    assert level_for_generation("g1") is JULY
    assert level_for_generation("G2") is AUGUST
    assert level_for_generation("unknown") is DEFAULT_LEVEL is AUGUST
    with pytest.raises(ValueError, match="g3"):
        level_for_generation("g3")


def test_parse_level_names_the_choices() -> None:
    assert parse_level(" 2026-07 ") is JULY
    with pytest.raises(ValueError, match="2026-07, 2026-08"):
        parse_level("2026-06")


def test_the_levels_differ_in_every_documented_rule() -> None:
    july, august = RULES[JULY], RULES[AUGUST]
    assert (july.spirit_commit, august.spirit_commit) == ("9dd2b80e44ca", "e4b69b6e")
    for rule in ("canonical_parentheses", "function_aliases", "partition_comments", "vector_type"):
        assert (getattr(july, rule), getattr(august, rule)) == (False, True), rule


def plan(current: str, desired: str, level: SpiritLevel, flavour: Flavour) -> list[str]:
    source = StaticSchemaSource({"ns": {"t": current}}, flavour)
    result = plan_schema({"ns": {"t.sql": desired}}, source, level=level)
    return [change.ddl for change in result.changes]


BOTH_FLAVOURS = pytest.mark.parametrize("flavour", list(Flavour))

# (current, desired, July plan, August plan): each yields different text at the two levels.
DIFFERING = {
    "check_parentheses": (
        BASE + ")",
        BASE + ", CONSTRAINT c CHECK (((a > 0) AND (b <> '')) OR (a IS NULL)))",
        [A + "ADD CONSTRAINT `c` CHECK (((`a`>0) AND (`b`!='')) OR (`a` IS NULL));"],
        [A + "ADD CONSTRAINT `c` CHECK (`a`>0 AND `b`!='' OR `a` IS NULL);"],
    ),
    "check_parentheses_needed_kept": (
        BASE + ")",
        BASE + ", CONSTRAINT c CHECK (((a + 1) * 2 > a - (a - 1))))",
        [A + "ADD CONSTRAINT `c` CHECK (((`a`+1)*2>`a`-(`a`-1)));"],
        [A + "ADD CONSTRAINT `c` CHECK ((`a`+1)*2>`a`-(`a`-1));"],
    ),
    "generated_parentheses": (
        BASE + ")",
        BASE + ", g int AS ((a * (2)) + (1)) VIRTUAL)",
        [A + "ADD COLUMN `g` int GENERATED ALWAYS AS ((`a`*(2))+(1)) VIRTUAL NULL;"],
        [A + "ADD COLUMN `g` int GENERATED ALWAYS AS (`a`*2+1) VIRTUAL NULL;"],
    ),
    "check_function_alias": (
        BASE + ")",
        BASE + ", CONSTRAINT c CHECK (CHARACTER_LENGTH(b) > 0))",
        [A + "ADD CONSTRAINT `c` CHECK (CHARACTER_LENGTH(`b`)>0);"],
        [A + "ADD CONSTRAINT `c` CHECK (CHAR_LENGTH(`b`)>0);"],
    ),
    "generated_function_alias": (
        BASE + ")",
        BASE + ", g varchar(20) AS (LCASE(SUBSTRING(b, 1, 3))) STORED)",
        [
            A + "ADD COLUMN `g` varchar(20) GENERATED ALWAYS AS (LCASE(SUBSTRING(`b`, 1, 3)))"
            " STORED NULL;"
        ],
        [
            A + "ADD COLUMN `g` varchar(20) GENERATED ALWAYS AS (LOWER(SUBSTR(`b`, 1, 3)))"
            " STORED NULL;"
        ],
    ),
    "default_function_alias": (
        BASE + ")",
        BASE + ", d varchar(20) DEFAULT (UCASE('x')))",
        [A + "ADD COLUMN `d` varchar(20) NULL DEFAULT (ucase('x'));"],
        [A + "ADD COLUMN `d` varchar(20) NULL DEFAULT (upper('x'));"],
    ),
}


@BOTH_FLAVOURS
@pytest.mark.parametrize("name", sorted(DIFFERING))
def test_behaviour_differs_between_levels(name: str, flavour: Flavour) -> None:
    current, desired, july, august = DIFFERING[name]
    if flavour is Flavour.MARIADB:
        july = [
            s.replace(" VIRTUAL NULL", " VIRTUAL").replace(" STORED NULL", " STORED") for s in july
        ]
        august = [
            s.replace(" VIRTUAL NULL", " VIRTUAL").replace(" STORED NULL", " STORED")
            for s in august
        ]
    assert plan(current, desired, JULY, flavour) == july
    assert plan(current, desired, AUGUST, flavour) == august
    # Each level's plan is stable: its own desired text never differs from itself.
    for level in SpiritLevel:
        assert plan(desired, desired, level, flavour) == []


# Live text as the server prints it, against the authored form: equal only at 2026-08.
CONVERGING = {
    "mysql_fully_parenthesised_check": (
        Flavour.MYSQL,
        BASE + ", CONSTRAINT `c` CHECK (((`a` > 0) and (`b` <> _utf8mb4''))))",
        BASE + ", CONSTRAINT c CHECK (a > 0 AND b <> ''))",
    ),
    "generated_function_spelling": (
        Flavour.MYSQL,
        BASE + ", `g` int GENERATED ALWAYS AS (dayofmonth(`b`)) VIRTUAL)",
        BASE + ", g int AS (DAY(b)) VIRTUAL)",
    ),
    "ceil_alias": (
        Flavour.MYSQL,
        BASE + ", CONSTRAINT `c` CHECK ((ceiling(`a`) > 0)))",
        BASE + ", CONSTRAINT c CHECK (CEIL(a) > 0))",
    ),
}


@pytest.mark.parametrize("name", sorted(CONVERGING))
def test_server_spelling_converges_only_at_august(name: str) -> None:
    flavour, live, desired = CONVERGING[name]
    assert plan(live, desired, AUGUST, flavour) == []
    assert plan(live, desired, JULY, flavour) != []


VECTOR_TABLE = "CREATE TABLE t (id bigint NOT NULL, v vector, PRIMARY KEY (id))"


def test_vector_is_refused_at_july_and_planned_at_august() -> None:
    current = "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))"
    with pytest.raises(PlannerError, match="VECTOR needs Spirit level 2026-08"):
        plan(current, VECTOR_TABLE, JULY, Flavour.MYSQL)
    assert plan(current, VECTOR_TABLE, AUGUST, Flavour.MYSQL) == [
        A + "ADD COLUMN `v` vector(2048) NULL;"
    ]
    live = (
        "CREATE TABLE `t` (`id` bigint NOT NULL, `v` vector(2048) DEFAULT NULL, PRIMARY KEY (`id`))"
    )
    assert plan(live, VECTOR_TABLE, AUGUST, Flavour.MYSQL) == []


SUBPARTITIONED = (
    "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
    " PARTITION BY RANGE (YEAR(d)) SUBPARTITION BY HASH (TO_DAYS(d)) (PARTITION p0 VALUES LESS"
    " THAN (2020) COMMENT 'old' (SUBPARTITION s0, SUBPARTITION s1 COMMENT 'own'),"
    " PARTITION p1 VALUES LESS THAN MAXVALUE (SUBPARTITION s2, SUBPARTITION s3))"
)


@BOTH_FLAVOURS
def test_partition_comment_on_named_subpartitions(flavour: Flavour) -> None:
    """Both levels carry SUBPARTITION BY and the named subpartitions; 2026-08 prints comments
    and pushes the partition comment down onto subpartitions without one."""
    current = "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
    head = A + "PARTITION BY RANGE (YEAR(`d`)) SUBPARTITION BY HASH (TO_DAYS(`d`)) ("
    assert plan(current, SUBPARTITIONED, JULY, flavour) == [
        head + "PARTITION `p0` VALUES LESS THAN (2020) (SUBPARTITION `s0`, SUBPARTITION `s1`),"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE (SUBPARTITION `s2`, SUBPARTITION `s3`));"
    ]
    assert plan(current, SUBPARTITIONED, AUGUST, flavour) == [
        head + "PARTITION `p0` VALUES LESS THAN (2020) (SUBPARTITION `s0` COMMENT = 'old',"
        " SUBPARTITION `s1` COMMENT = 'own'), PARTITION `p1` VALUES LESS THAN MAXVALUE"
        " (SUBPARTITION `s2`, SUBPARTITION `s3`));"
    ]
