"""The CLI on storage holding rows SchemaBot never writes (no NOT NULL, no unique index).

``list`` still lists every row and names what is unreadable or whose lock has no nameable
owner; ``review``/``redrive``/``logs`` refuse with exit 3 and a reason code, writing nothing.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import null, update

from app.cli import main
from services.storage.schema import applies, plans
from tests.redrive.writeside_support import PLAN_DATA, dump_tables, storage_engine, write_snapshot
from tests.storage.factories import default_database, insert_apply, insert_failed_apply, insert_lock
from tests.storage.hostile import allow_null, drop_unique

ENV = "production"


class Console:
    """Storage with two redrivable failed applies on one database, and the CLI over it."""

    def __init__(self, url: str, tmp_path, capsys, monkeypatch) -> None:
        self.url, self.capsys, self.monkeypatch = url, capsys, monkeypatch
        self.engine = storage_engine(url)
        self.database = default_database()
        write_snapshot(tmp_path / "snapshot")
        self.config = tmp_path / "schemabot.yaml"
        self.config.write_text(
            f"databases:\n  {self.database}:\n    type: mysql\n    environments:\n"
            f"      {ENV}:\n        schema_snapshot: snapshot\n"
        )
        route = {"database_name": self.database, "deployment": self.database}
        plan = {"plan_data": PLAN_DATA, "target": self.database, **route}
        with self.engine.begin() as conn:
            self.bad = insert_failed_apply(conn, plan=plan, apply=route)
            self.good = insert_failed_apply(conn, plan=plan, apply=route)

    def run(self, *argv: str) -> int:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(""))
        code = main([*argv, "--config", str(self.config), "--storage-url", self.url])
        self.output = self.capsys.readouterr()
        return code

    def listed(self) -> dict[str, dict]:
        assert self.run("list", "--json") == 0
        return {row["apply_id"]: row for row in json.loads(self.output.out)}

    def review_json(self, ident: str) -> dict:
        self.code = self.run("review", ident, "-e", ENV, "--json")
        return json.loads(self.output.out)


@pytest.fixture
def console(storage_url, tmp_path, capsys, monkeypatch):
    console = Console(storage_url, tmp_path, capsys, monkeypatch)
    yield console
    console.engine.dispose()


def test_a_null_deployment_is_listed_unreadable_and_refused_by_review(console) -> None:
    with console.engine.begin() as conn:
        allow_null(conn, "applies", "deployment")
        conn.execute(
            update(applies).where(applies.c.id == console.bad.apply_id).values(deployment=null())
        )
    rows = console.listed()
    bad, good = rows[console.bad.apply_identifier], rows[console.good.apply_identifier]
    assert bad["unreadable"].startswith("applies.deployment is NULL")
    assert bad["redrivable"] is False and "applies.deployment is NULL" in bad["reason"]
    assert good["unreadable"] is None and good["redrivable"] is True
    assert console.run("list") == 0
    assert "applies.deployment is NULL" in console.output.out
    assert console.good.apply_identifier in console.output.out
    before = dump_tables(console.engine)
    refusal = console.review_json(console.bad.apply_identifier)
    assert console.code == 3
    assert refusal["reason_code"] == "malformed_row"
    assert "applies.deployment is NULL" in refusal["error"]
    assert console.run("redrive", console.bad.apply_identifier, "-e", ENV, "--yes") == 3
    assert "applies.deployment is NULL" in console.output.err
    assert dump_tables(console.engine) == before


def test_a_null_plan_deployment_is_named_by_review(console) -> None:
    with console.engine.begin() as conn:
        allow_null(conn, "plans", "deployment")
        conn.execute(
            update(plans).where(plans.c.id == console.bad.plan_id).values(deployment=null())
        )
    assert set(console.listed()) == {console.bad.apply_identifier, console.good.apply_identifier}
    refusal = console.review_json(console.bad.apply_identifier)
    assert console.code == 3 and "plans.deployment is NULL" in refusal["error"]
    assert console.review_json(console.good.apply_identifier)["verdict"] == "match"


def _duplicate_locks(console) -> None:
    with console.engine.begin() as conn:
        drop_unique(conn, "locks", "idx_database")
        insert_lock(conn, database_name=console.database, owner="acme/a#1")
        insert_lock(conn, database_name=console.database, owner="acme/b#2")


def _null_owner(console) -> None:
    with console.engine.begin() as conn:
        allow_null(conn, "locks", "owner")
        insert_lock(conn, database_name=console.database, owner=None)


@pytest.mark.parametrize(
    ("make", "code", "label"),
    [
        (_duplicate_locks, "ambiguous_lock", "ambiguous (2 rows)"),
        (_null_owner, "unknown_lock_owner", "unknown (NULL owner)"),
    ],
)
def test_a_lock_without_a_nameable_owner_refuses_everywhere(console, make, code, label) -> None:
    make(console)
    rows = console.listed()
    assert len(rows) == 2
    for row in rows.values():
        assert row["lock_problem"] == label
        assert row["lock_owner"] is None
        assert row["redrivable"] is False and "unknown owner" in row["reason"]
        assert row["reason_code"] == code
    assert console.run("list") == 0 and label in console.output.out
    before = dump_tables(console.engine)
    review = console.review_json(console.good.apply_identifier)
    assert console.code == 3
    assert (review["verdict"], review["reason_code"]) == ("not_redrivable", code)
    assert review["lock"]["free"] is False
    assert console.run("review", console.good.apply_identifier, "-e", ENV) == 3
    assert f"lock:    held by an unknown owner: {label}" in console.output.out
    for force in ((), ("--force", "--expect-lock-owner", "acme/a#1")):
        exit_code = console.run(
            "redrive", console.good.apply_identifier, "-e", ENV, "--yes", "--json", *force
        )
        assert exit_code == 3
        outcome = json.loads(console.output.out)
        assert (outcome["status"], outcome["reason_code"]) == ("rejected", code)
        assert "unknown owner" in outcome["reason"]
    assert dump_tables(console.engine) == before


def test_two_applies_sharing_an_identifier_are_refused_by_every_command(console) -> None:
    ident = console.good.apply_identifier
    with console.engine.begin() as conn:
        drop_unique(conn, "applies", "idx_apply_identifier")
        insert_apply(
            conn, apply_identifier=ident, plan_id=console.good.plan_id,
            database_name=console.database, deployment=console.database,
        )  # fmt: skip
    before = dump_tables(console.engine)
    for command in (
        ("review", ident, "-e", ENV),
        ("redrive", ident, "-e", ENV, "--yes"),
        ("logs", ident),
    ):
        assert console.run(*command, "--json") == 3, command
        refusal = json.loads(console.output.out)
        assert (refusal["status"], refusal["reason_code"]) == ("rejected", "ambiguous_apply")
        assert console.run(*command) == 3, command
        assert f"apply {ident} is ambiguous" in console.output.err
    assert dump_tables(console.engine) == before
    assert console.run("list", "--json") == 0
    shared = [r for r in json.loads(console.output.out) if r["apply_id"] == ident]
    assert len(shared) == 2 and not any(r["redrivable"] for r in shared)


def test_expect_lock_owner_on_a_null_owner_lock_says_the_owner_is_unknown(console) -> None:
    """A lock row with a NULL owner is neither free nor held by "None": the review note, the
    redrive refusal and the pre-confirmation check all say the owner is unknown."""
    from argparse import Namespace

    from app.commands.redrive import _refusal_before_confirm
    from app.service_factory import build_service

    _null_owner(console)
    ident = console.good.apply_identifier
    before = dump_tables(console.engine)
    expect = ("--expect-lock-owner", "acme/a#1")
    assert console.run("redrive", ident, "-e", ENV, "--yes", *expect) == 3
    text = console.output.out + console.output.err
    assert "held by an unknown owner (unknown (NULL owner))" in text
    assert "held by None" not in text and "free" not in text
    assert console.run("redrive", ident, "-e", ENV, "--yes", "--json", *expect) == 3
    assert json.loads(console.output.out)["reason_code"] == "unknown_lock_owner"
    assert dump_tables(console.engine) == before

    args = Namespace(config=str(console.config), storage_url=console.url, no_cache=True)
    service = build_service(args)
    try:
        review = service.review(ident, ENV)
    finally:
        service.storage.engine.dispose()
    checks = Namespace(expect_fingerprint=None, expect_lock_owner="acme/a#1", force=True)
    code, reason = _refusal_before_confirm(review, checks)
    assert code == "unknown_lock_owner"
    assert "held by an unknown owner" in reason and "free" not in reason
