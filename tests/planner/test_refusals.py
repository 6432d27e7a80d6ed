"""What the planner cannot plan faithfully is refused by name, at both levels, never guessed."""

from __future__ import annotations

import pytest

from services.planner import PlannerError, plan_schema
from services.planner.api import Flavour
from services.planner.sources import StaticSchemaSource
from services.planner.spirit_level import SpiritLevel

EMPTY = "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))"


def plan(desired: str, flavour: Flavour, level: SpiritLevel) -> list[str]:
    source = StaticSchemaSource({"ns": {"t": EMPTY}}, flavour)
    return [c.ddl for c in plan_schema({"ns": {"t.sql": desired}}, source, level=level).changes]


LEVELS = pytest.mark.parametrize("level", list(SpiritLevel))
SRID = "CREATE TABLE t (id bigint NOT NULL, p point NOT NULL SRID 4326, PRIMARY KEY (id))"


@LEVELS
def test_srid_is_refused_on_mariadb_and_planned_on_mysql(level: SpiritLevel) -> None:
    with pytest.raises(PlannerError, match="column p: SRID is not supported by MariaDB"):
        plan(SRID, Flavour.MARIADB, level)
    assert plan(SRID, Flavour.MYSQL, level) == [
        "ALTER TABLE `t` ADD COLUMN `p` point NOT NULL SRID 4326;"
    ]


@LEVELS
@pytest.mark.parametrize("flavour", list(Flavour))
@pytest.mark.parametrize(
    "constraints",
    [
        "CONSTRAINT ck CHECK (id > 0), CONSTRAINT CK CHECK (id < 9)",
        "CONSTRAINT fk FOREIGN KEY (id) REFERENCES p (id), CONSTRAINT Fk CHECK (id > 0)",
    ],
    ids=["two-checks", "check-and-foreign-key"],
)
def test_duplicate_constraint_names_are_refused_by_name(
    flavour: Flavour, level: SpiritLevel, constraints: str
) -> None:
    desired = f"CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id), {constraints})"
    with pytest.raises(PlannerError, match="duplicate constraint name") as raised:
        plan(desired, flavour, level)
    assert "t.sql" in str(raised.value)


@LEVELS
def test_expression_the_canonicaliser_does_not_know_keeps_its_written_form(
    level: SpiritLevel,
) -> None:
    """INTERVAL arithmetic is not modelled: the CHECK is planned as written (never altered)."""
    desired = (
        "CREATE TABLE t (id bigint NOT NULL, d date, PRIMARY KEY (id),"
        " CONSTRAINT ck CHECK ((d > DATE '2020-01-01' + INTERVAL 1 DAY)))"
    )
    assert plan(desired, Flavour.MYSQL, level) == [
        "ALTER TABLE `t` ADD COLUMN `d` date NULL,"
        " ADD CONSTRAINT `ck` CHECK ((`d`>DATE '2020-01-01'+INTERVAL 1 DAY));"
    ]


def test_vector_is_refused_on_mariadb_at_every_level() -> None:
    desired = "CREATE TABLE t (id bigint NOT NULL, v vector(3), PRIMARY KEY (id))"
    for level in SpiritLevel:
        with pytest.raises(PlannerError, match="column v: VECTOR"):
            plan(desired, Flavour.MARIADB, level)
