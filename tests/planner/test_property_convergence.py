"""Property: for random table pairs, plan -> execute on the real MariaDB -> re-plan is empty,
and SHOW CREATE TABLE matches the desired table built from scratch.

Tables share one pool of column names, so a pair exercises ADD / DROP / MODIFY, moves,
type, nullability, default, comment and charset changes (``utf8`` and ``character varying``
aliases included), composite primary keys, stored <-> virtual <-> regular
generated columns, index changes and CHECKs written with random parentheses. Bounded
(``MAX_EXAMPLES``, no deadline) and derandomised under CI, so the suite stays fast and
repeatable.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from test_convergence import Scratch, run, schema_shape, server_for

from services.planner import plan_schema
from services.planner.sources import LiveSchemaSource

MAX_EXAMPLES = 50

TYPES = {
    "int": ("0", "7"),
    "bigint unsigned": ("0", "42"),
    "varchar(20)": ("''", "'x'"),
    "varchar(64)": ("'abc'",),
    "character varying(30)": ("'y'",),
    "decimal(10,2)": ("0.00", "1.50"),
    "date": ("'2020-01-01'",),
    "datetime": ("'2020-01-01 00:00:00'",),
    "tinyint(1)": ("0", "1"),
    "enum('a','b')": ("'a'",),
    "text": (),
}
COLUMN_NAMES = ("c1", "c2", "c3", "c4", "c5")
CHECK_FORMS = (
    "id > 0",
    "(id > 0)",
    "((id > 0) AND (id < 1000000))",
    "id > 0 AND id < 1000000",
    "(id > 0 AND (id < 1000000 OR id = 5))",
    "id >= 0 OR (id IS NULL)",
)


@st.composite
def columns(draw) -> list[tuple[str, str]]:
    """(name, definition) in a random order and subset of the pool."""
    names = draw(st.permutations(COLUMN_NAMES))
    chosen = names[: draw(st.integers(1, len(names)))]
    out = []
    for name in chosen:
        type_name = draw(st.sampled_from(sorted(TYPES)))
        parts = [name, type_name]
        if "var" in type_name and draw(st.booleans()):
            parts.append(draw(st.sampled_from(["CHARACTER SET latin1", "CHARACTER SET utf8"])))
        parts.append(draw(st.sampled_from(["NULL", "NOT NULL"])))
        defaults = TYPES[type_name]
        if defaults and draw(st.booleans()):
            parts.append(f"DEFAULT {draw(st.sampled_from(defaults))}")
        if draw(st.integers(0, 3)) == 0:
            parts.append(f"COMMENT '{draw(st.sampled_from(['note', 'other']))}'")
        out.append((name, " ".join(parts)))
    return out


@st.composite
def tables(draw) -> str:
    body = ["id bigint NOT NULL"]
    cols = draw(columns())
    body += [definition for _, definition in cols]
    generated = draw(st.sampled_from(["none", "regular", "virtual", "stored"]))
    if generated == "regular":
        body.append("g bigint")
    elif generated != "none":
        body.append(f"g bigint AS (id * 2) {generated.upper()}")
    int_columns = [name for name, definition in cols if definition.split()[1] == "int"]
    if int_columns and draw(st.booleans()):
        body.append(f"PRIMARY KEY (id, {int_columns[0]})")  # implicitly NOT NULL
    else:
        body.append("PRIMARY KEY (id)")
    indexable = [name for name, definition in cols if " text" not in f" {definition}"]
    for number in range(draw(st.integers(0, 2))):
        if not indexable:
            break
        picked = draw(st.lists(st.sampled_from(indexable), min_size=1, max_size=2, unique=True))
        kind = draw(st.sampled_from(["KEY", "UNIQUE KEY"]))
        body.append(f"{kind} idx_{number}_{'_'.join(picked)} ({', '.join(picked)})")
    if draw(st.booleans()):
        body.append(f"CONSTRAINT ck_id CHECK ({draw(st.sampled_from(CHECK_FORMS))})")
    tail = ""
    if draw(st.booleans()):
        tail = f" COMMENT='{draw(st.sampled_from(['t1', 't2']))}'"
    return f"CREATE TABLE t ({', '.join(body)}){tail}"


@pytest.fixture
def server(mysql_database_url: str) -> Engine:
    """The test server (each example works in scratch databases of its own)."""
    return server_for(mysql_database_url)


@pytest.mark.mysql
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("CI") == "true",
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(current=tables(), desired=tables())
def test_random_pair_converges_on_mariadb(server: Engine, current: str, desired: str) -> None:
    scratch = Scratch(server)
    source = LiveSchemaSource(server)
    try:
        live_db, fresh_db = scratch.database(), scratch.database()
        run(server, [current], live_db)
        files = {live_db: {"t.sql": desired}}
        plan = [change.ddl for change in plan_schema(files, source).changes]
        run(server, plan, live_db)
        assert [change.ddl for change in plan_schema(files, source).changes] == [], plan
        run(server, [desired], fresh_db)
        assert schema_shape(server, live_db) == schema_shape(server, fresh_db), plan
    finally:
        source.dispose()
        scratch.drop_all()
