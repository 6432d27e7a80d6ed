"""list / review / redrive / logs on real storages of every generation and dialect.

G1 (July 2026, MariaDB): the reopen is SchemaBot's own semantics and works as before. G2
(later SchemaBot, MariaDB and PostgreSQL): the review runs in full but the reopen is refused
with ``terminal_final`` and nothing is written; the review names the sanctioned next step.
A storage of unknown generation is read-only.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from app.cli import main
from tests.storage_generations.scenario import (
    ENVIRONMENT,
    Scenario,
    add_g2_details,
    dump_storage,
    seed_failed_apply,
)

STORAGES = {
    "g1_mysql_url": {"dialect": "mysql", "generation": "g1"},
    "g2_mysql_url": {"dialect": "mysql", "generation": "g2"},
    "g2_postgres_url": {"dialect": "postgres", "generation": "g2"},
}
G2_STORAGES = ["g2_mysql_url", "g2_postgres_url"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    capsys.readouterr()
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def _scenario(request: pytest.FixtureRequest, fixture: str, tmp_path, **apply) -> Scenario:
    return seed_failed_apply(request.getfixturevalue(fixture), tmp_path, **apply)


@pytest.mark.parametrize("fixture", list(STORAGES))
def test_list_review_and_logs_read_every_generation(fixture, request, tmp_path, capsys) -> None:
    s = _scenario(request, fixture, tmp_path)
    storage = STORAGES[fixture]
    g1 = storage["generation"] == "g1"

    code, rows = _run(capsys, "list", "--json", *s.cli)
    assert code == 0
    [row] = rows
    assert row["storage"] == storage and row["apply_id"] == s.apply_identifier
    assert row["tasks"] == {
        "failed": 1, "cancelled": 0, "completed": 0, "stopped": 0, "pending": 0, "other": 0,
        "total": 1,
    }  # fmt: skip
    assert row["redrivable"] is g1, row["reason"]
    if not g1:
        assert "declares a terminal apply final" in row["reason"]

    code, review = _run(capsys, "review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *s.cli)
    assert review["storage"] == storage
    assert [c["status"] for c in review["comparisons"]] == ["same"], review["reason"]
    assert review["fresh_fingerprint"] == review["fingerprint"] != ""
    if g1:
        assert (code, review["verdict"], review["next_step"]) == (0, "match", "")
        assert review["recovery_actions"] == ["reopen", "resubmit"]
    else:
        assert (code, review["verdict"], review["reason_code"]) == (
            3,
            "not_redrivable",
            "terminal_final",
        )
        assert "nothing may turn it back into active work" in review["reason"]
        assert review["recovery_actions"] == ["resubmit"]
        step = review["next_step"]
        assert step.startswith("plan and apply the remaining work afresh")
        assert f"database {s.database}" in step and f"environment {ENVIRONMENT}" in step
        assert "tables users" in step

    code, logs = _run(capsys, "logs", s.apply_identifier, "--json", *s.cli)
    assert code == 0
    assert [(e["event_type"], e["storage"]) for e in logs] == [("apply_failed", storage)]


def test_redrive_on_g1_reopens_the_failed_work(request, tmp_path, capsys) -> None:
    s = _scenario(request, "g1_mysql_url", tmp_path)
    argv = ("redrive", s.apply_identifier, "-e", ENVIRONMENT, "--yes", "--json", *s.cli)
    code, outcome = _run(capsys, *argv)
    assert (code, outcome["status"]) == (0, "redriven"), outcome
    assert outcome["storage"] == STORAGES["g1_mysql_url"]
    assert outcome["reopened"] == {"tasks": [s.task_id], "operations": [s.operation_id]}
    engine = create_engine(s.url)
    with engine.connect() as conn:
        state = conn.execute(text(f"SELECT state FROM applies WHERE id = {s.apply_id}")).scalar()
    engine.dispose()
    assert state == "failed_retryable"


@pytest.mark.parametrize("fixture", G2_STORAGES)
def test_redrive_on_g2_is_refused_terminal_final_and_writes_nothing(
    fixture, request, tmp_path, capsys
) -> None:
    s = _scenario(request, fixture, tmp_path)
    before = dump_storage(s.url)
    force = ("--force", "--expect-lock-owner", "someone")
    for extra in ((), force):  # no option overrides terminal_final
        argv = ("redrive", s.apply_identifier, "-e", ENVIRONMENT, "--yes", "--json", *s.cli)
        code, outcome = _run(capsys, *argv, *extra)
        assert (code, outcome["status"], outcome["reason_code"]) == (
            3,
            "rejected",
            "terminal_final",
        )
        assert outcome["storage"] == STORAGES[fixture]
    assert dump_storage(s.url) == before


@pytest.mark.parametrize("fixture", G2_STORAGES)
def test_the_locked_write_path_refuses_g2_by_the_same_policy(fixture, request, tmp_path) -> None:
    """Even with a plan that a review never produced, the reopen transaction itself re-reads the
    generation under the lock and refuses: nothing is written."""
    from services.redrive.reopen import ReopenPlan, reopen_in_transaction, writing_transaction
    from services.redrive.review import review_token
    from services.redrive.validation import RedriveRejection
    from services.storage.store import Storage

    s = _scenario(request, fixture, tmp_path)
    storage = Storage.from_url(s.url)
    bundle = storage.load_bundle(s.apply_identifier)
    assert bundle is not None
    plan = ReopenPlan(
        token=review_token(bundle, "fp"),
        primary_deployment=s.database,
        task_ids=(s.task_id,),
        operation_ids=(s.operation_id,),
        lock_id=0,
        window=timedelta(days=1),
    )
    before = dump_storage(s.url)
    with writing_transaction(storage.engine) as conn, pytest.raises(RedriveRejection) as caught:
        reopen_in_transaction(conn, plan, None, lambda _step: None)
    storage.engine.dispose()
    assert caught.value.code == "terminal_final"
    assert dump_storage(s.url) == before


@pytest.mark.parametrize("fixture", G2_STORAGES)
def test_g2_fields_are_shown_in_list_and_review(fixture, request, tmp_path, capsys) -> None:
    s = _scenario(request, fixture, tmp_path)
    add_g2_details(s.url, s, superseded_by="apply-successor")

    _, [row] = _run(capsys, "list", "--json", *s.cli)
    assert (row["superseded_by"], row["throttled_tasks"], row["pending_drops"]) == (
        "apply-successor",
        1,
        1,
    )
    _, review = _run(capsys, "review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *s.cli)
    assert review["superseded_by"] == "apply-successor"
    assert review["throttled_tasks"] == [
        {"task_id": s.task_id, "table": "users", "reason": "replica lag 12s"}
    ]
    [drop] = review["pending_drops"]
    assert (drop["table"], drop["quarantined_name"], drop["state"]) == (
        "users",
        "_users_quarantined",
        "pending",
    )
    assert "superseded by apply apply-successor" in review["next_step"]
    # the same facts are review notes, which the console's review screen shows
    assert review["notes"][0] == f"Next step: {review['next_step']}"
    assert f"Task {s.task_id} (users) is throttled: replica lag 12s." in review["notes"]
    assert (
        "Table users has a pending drop: quarantined as _users_quarantined (pending)."
        in review["notes"]
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("stopped", "start the apply: send the start control command"),
        ("failed_retryable", "wait: SchemaBot retries apply"),
    ],
)
def test_g2_next_step_of_stopped_and_retrying_applies(
    state, expected, request, tmp_path, capsys
) -> None:
    s = _scenario(request, "g2_mysql_url", tmp_path, state=state)
    retry_at = datetime(2026, 12, 24, 6, 0, 0)
    add_g2_details(s.url, s, retry_after=retry_at)
    code, review = _run(capsys, "review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *s.cli)
    assert (code, review["reason_code"]) == (3, "not_failed")
    assert review["next_step"].startswith(expected)
    assert review["retry_after"] == retry_at.isoformat()
    if state == "failed_retryable":
        assert review["next_step"].endswith(f"not before {retry_at.isoformat()}")


def test_unknown_generation_is_read_only(request, tmp_path, capsys) -> None:
    s = _scenario(request, "g1_mysql_url", tmp_path)
    engine = create_engine(s.url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE tasks DROP COLUMN ready_to_complete"))
    engine.dispose()
    before = dump_storage(s.url)
    _, [row] = _run(capsys, "list", "--json", *s.cli)
    assert row["storage"] == {"dialect": "mysql", "generation": "unknown"}
    assert row["redrivable"] is False and "read-only" in row["reason"]
    code, review = _run(capsys, "review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *s.cli)
    assert (code, review["reason_code"], review["recovery_actions"]) == (
        3,
        "unknown_generation",
        [],
    )
    argv = ("redrive", s.apply_identifier, "-e", ENVIRONMENT, "--yes", "--json", *s.cli)
    code, outcome = _run(capsys, *argv)
    assert (code, outcome["reason_code"]) == (3, "unknown_generation")
    assert dump_storage(s.url) == before


@pytest.mark.parametrize(
    ("fixture", "flag", "level"),
    [
        ("g1_mysql_url", (), "2026-07"),
        ("g2_mysql_url", (), "2026-08"),
        ("g2_postgres_url", (), "2026-08"),
        ("g1_mysql_url", ("--spirit-compat", "2026-08"), "2026-08"),
        ("g2_mysql_url", ("--spirit-compat", "2026-07"), "2026-07"),
    ],
)
def test_the_fresh_plan_follows_the_generations_spirit_level(
    fixture, flag, level, request, tmp_path, capsys, monkeypatch
) -> None:
    """The real planner runs; the level it is asked for is recorded on the way in."""
    import services.planner as planner

    asked: list[str] = []
    real = planner.plan_schema

    def recording(desired, source, *, level):
        asked.append(level.value)
        return real(desired, source, level=level)

    monkeypatch.setattr(planner, "plan_schema", recording)
    s = _scenario(request, fixture, tmp_path)
    argv = ("review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *flag, *s.cli)
    _run(capsys, *argv)
    assert asked == [level]
    asked.clear()
    argv = ("redrive", s.apply_identifier, "-e", ENVIRONMENT, "--yes", "--json", *flag, *s.cli)
    _run(capsys, *argv)
    assert asked and set(asked) == {level}, "review and the under-lock re-plan"


def test_the_spirit_compat_setting_overrides_the_generations_level(
    request, tmp_path, capsys, monkeypatch
) -> None:
    import services.planner as planner

    asked: list[str] = []
    real = planner.plan_schema

    def recording(desired, source, *, level):
        asked.append(level.value)
        return real(desired, source, level=level)

    monkeypatch.setattr(planner, "plan_schema", recording)
    s = _scenario(request, "g1_mysql_url", tmp_path)
    with s.config.open("a") as config:
        config.write('redrive_console:\n  spirit_compat: "2026-08"\n')
    _run(capsys, "review", s.apply_identifier, "-e", ENVIRONMENT, "--json", *s.cli)
    assert asked == ["2026-08"]
    asked.clear()
    argv = ("review", s.apply_identifier, "-e", ENVIRONMENT, "--json", "--spirit-compat", "2026-07")
    _run(capsys, *argv, *s.cli)
    assert asked == ["2026-07"], "the flag wins over the setting"
