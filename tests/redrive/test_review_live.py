"""``run_review`` against a live MariaDB schema (``Target.url``): the fresh plan comes from the
real server, so a change made by hand to the live schema turns a match into a mismatch."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, make_url, text

from services.planner import plan_schema
from services.planner.sources import LiveSchemaSource
from services.redrive.model import TableStatus, Verdict
from services.redrive.review import run_review
from services.targets import Target
from tests.redrive.review_storage_support import open_storage, seed

USERS = "CREATE TABLE users (id bigint NOT NULL, email varchar(255) NULL, PRIMARY KEY (id))"


class LiveTargets:
    def __init__(self, url: str) -> None:
        self.url = url

    def resolve(self, database: str, environment: str) -> Target:
        return Target(database, environment, "mysql", "default", "testdb", url=self.url)


@pytest.fixture
def live_url(mysql_database_url: str):
    engine = create_engine(mysql_database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id bigint NOT NULL, PRIMARY KEY (id))"))
    yield mysql_database_url, engine
    engine.dispose()


def test_live_schema_changed_by_hand_turns_match_into_mismatch(live_url, sqlite_url) -> None:
    url, live = live_url
    schema_name = make_url(url).database
    desired = {schema_name: {"users.sql": USERS}}
    server = make_url(url).set(database=None).render_as_string(hide_password=False)
    source = LiveSchemaSource(server)
    planned = plan_schema(desired, source)
    source.dispose()
    plan_data = {
        schema_name: {
            "tables": [
                {"table": c.table, "ddl": c.ddl, "operation": c.operation} for c in planned.changes
            ]
        }
    }
    storage = open_storage(sqlite_url)
    seeded = seed(
        storage,
        desired=desired,
        plan_data=plan_data,
        tasks=[{"table_name": "users", "state": "failed", "namespace": schema_name}],
    )
    targets = LiveTargets(server)

    first = run_review(storage, targets, seeded.apply_identifier, "staging", "bob")
    assert first.verdict is Verdict.MATCH, first.reason

    with live.begin() as conn:
        conn.execute(text("ALTER TABLE users ADD COLUMN email varchar(255) NULL"))
    second = run_review(storage, targets, seeded.apply_identifier, "staging", "bob")
    assert second.verdict is Verdict.MISMATCH
    assert [c.status for c in second.comparisons] == [TableStatus.ONLY_STORED]
    assert second.fingerprint == first.fingerprint, "the stored side did not change"
    storage.engine.dispose()
