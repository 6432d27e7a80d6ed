"""``redrive-console resubmit`` end to end: the CLI, the real-HTTP double, real MariaDB storage."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import Engine, select

from app.cli import main
from services.storage import schema
from services.storage.engine import create_storage_engine
from services.storage.generation import detect
from services.storage.store import Storage
from tests.redrive.writeside_support import dump_tables
from tests.schemabot_api.double import EngineStep, SchemaBotDouble
from tests.schemabot_api.support import LIVE, LIVE_WITH_PHONE, TOKEN, seed_failed_apply
from tests.storage.factories import insert_apply
from tests.storage_generations.layouts import build

WATCH = ("--watch", "--watch-interval", "0.05", "--watch-timeout", "30")  # bounded if it regresses
LOCAL_TABLES = ("applies", "tasks", "apply_logs", "apply_operations", "locks")


def run(
    capsys: pytest.CaptureFixture[str], storage_url: str, double: SchemaBotDouble, *args: str
) -> tuple[int, str, str]:
    argv = ["resubmit", *args, "-e", "staging", "--operator", "alice", "--storage-url",
            storage_url, "--endpoint", double.url]  # fmt: skip
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, storage_url, double, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _err = run(capsys, storage_url, double, *args, "--json")
    return code, json.loads(out)


def local_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the console could write locally (the double's plan rows are the server's)."""
    return {name: rows for name, rows in dump_tables(engine).items() if name in LOCAL_TABLES}


def logs_of(engine: Engine, apply_id: int) -> list[Any]:
    with engine.connect() as conn:
        query = select(schema.apply_logs).where(schema.apply_logs.c.apply_id == apply_id)
        return conn.execute(query).all()


def test_resubmit_on_g1_storage_applies_the_server_plan_and_logs_the_new_apply(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    with api_storage.engine.connect() as conn:
        assert detect(conn).generation == "g1"
    seeded = seed_failed_apply(api_storage)
    failed_before = api_storage.load_bundle(seeded.apply_identifier).apply

    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")

    assert code == 0, doc
    assert doc["status"] == "resubmitted" and doc["matches"] is True
    caller = f"redrive-console:alice resubmits {seeded.apply_identifier}"
    (apply_request,) = double.routed("POST /api/apply")
    assert apply_request.body == {
        "plan_id": doc["plan_id"], "environment": "staging", "caller": caller
    }  # fmt: skip
    new = api_storage.load_progress(doc["new_apply_id"])
    assert (new.apply.caller, new.apply.state, len(new.tasks)) == (caller, "pending", 1)
    assert doc["new_apply"] == {"state": "pending", "tasks": 1}
    assert api_storage.load_bundle(seeded.apply_identifier).apply == failed_before
    (log,) = logs_of(api_storage.engine, seeded.apply_id)
    assert doc["new_apply_id"] in log.message and "alice" in log.message
    metadata = log.metadata
    assert metadata["new_apply_id"] == doc["new_apply_id"]
    assert metadata["plan_id"] == doc["plan_id"] and metadata["resubmit"] is True


def test_text_output_shows_the_server_plan_beside_the_stored_work(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, out, _err = run(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")
    assert code == 0
    assert "MATCHES the stored remaining work" in out
    assert "  stored: ALTER TABLE `users` ADD COLUMN `email`" in out
    assert "  server: ALTER TABLE `users` ADD COLUMN `email`" in out
    assert "Planning created a plan record on the server and nothing else." in out
    assert "apply_logs row written on the failed apply" in out


def test_a_mismatch_is_refused_and_nothing_is_written_locally(
    capsys, mysql_database_url: str, api_storage: Storage, make_double
) -> None:
    double = make_double(live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(api_storage)
    before = local_rows(api_storage.engine)

    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")

    assert code == 3
    assert doc["reason_code"] == "plan_mismatch" and doc["matches"] is False
    assert "--expect-fingerprint " + doc["fingerprint"][:16] in doc["reason"]
    assert double.routed("POST /api/apply") == []
    assert local_rows(api_storage.engine) == before


def test_a_mismatch_confirmed_by_the_shown_fingerprint_is_applied(
    capsys, mysql_database_url: str, api_storage: Storage, make_double
) -> None:
    double = make_double(live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(api_storage)
    _code, shown = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")
    prefix = shown["fingerprint"][:16]

    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                         "--expect-fingerprint", prefix)  # fmt: skip

    assert code == 0, doc
    assert doc["fingerprint"] == shown["fingerprint"] and doc["matches"] is False
    assert len(logs_of(api_storage.engine, seeded.apply_id)) == 1


def test_a_fingerprint_that_is_not_the_shown_plans_is_refused(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                         "--expect-fingerprint", "0" * 16)  # fmt: skip
    assert (code, doc["reason_code"]) == (3, "fingerprint_mismatch")
    assert double.routed("POST /api/apply") == []


def test_active_apply_exists_is_a_refusal_with_the_servers_reason(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    with api_storage.engine.begin() as conn:
        insert_apply(conn, database_name="testdb", environment="staging", state="running",
                     apply_identifier="apply-busy", completed_at=None)  # fmt: skip
    before = local_rows(api_storage.engine)

    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")

    assert (code, doc["status"], doc["reason_code"]) == (3, "rejected", "active_apply_exists")
    assert "apply apply-busy is already active" in doc["reason"]
    assert local_rows(api_storage.engine) == before


@pytest.mark.parametrize("route", ["POST /api/plan", "POST /api/apply"])
@pytest.mark.parametrize("code", ["engine_unavailable", "storage_error", "invalid_request"])
def test_every_server_refusal_is_exit_3_and_writes_nothing(
    capsys, mysql_database_url, api_storage: Storage, double: SchemaBotDouble, route, code
) -> None:
    seeded = seed_failed_apply(api_storage)
    double.fail(route, 503 if code == "engine_unavailable" else 400, code, "refused here")
    before = local_rows(api_storage.engine)
    exit_code, out, err = run(capsys, mysql_database_url, double, seeded.apply_identifier,
                              "--yes", "--json")  # fmt: skip
    doc = json.loads(out)
    assert (exit_code, doc["reason_code"]) == (3, code), err
    assert "refused here" in (doc.get("reason") or doc.get("error"))
    assert local_rows(api_storage.engine) == before


def test_no_answer_to_the_apply_says_the_outcome_is_unknown_and_writes_nothing(
    capsys, mysql_database_url: str, api_storage: Storage, make_double, tmp_path
) -> None:
    double = make_double()
    double.stalled.add("POST /api/apply")
    config = tmp_path / "schemabot.yaml"
    config.write_text(f"storage:\n  dsn: {mysql_database_url}\n"
                      f"redrive_console:\n  api:\n    endpoint: {double.url}\n"
                      "    timeout_seconds: 0.5\n")  # fmt: skip
    seeded = seed_failed_apply(api_storage)
    before = local_rows(api_storage.engine)
    code = main(["resubmit", seeded.apply_identifier, "-e", "staging", "--yes",
                 "--config", str(config)])  # fmt: skip
    _out, err = capsys.readouterr()
    assert code == 1
    assert "within 0.5s" in err and "may or may not have created the new apply" in err
    assert local_rows(api_storage.engine) == before


def test_read_only_mode_writes_no_log_row(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                         "--read-only")  # fmt: skip
    assert code == 0 and doc["log_written"] is False
    assert logs_of(api_storage.engine, seeded.apply_id) == []


def test_declining_the_confirmation_sends_no_apply(
    capsys, monkeypatch, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("n\n"))
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier)
    assert (code, doc["reason_code"]) == (3, "declined")
    assert double.routed("POST /api/apply") == []


def test_watch_follows_the_new_apply_to_completed(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    double.engine_script = [
        EngineStep("running", "running", rows_copied=500, rows_total=1000, eta_seconds=125),
        EngineStep("completed", "completed", rows_copied=1000, rows_total=1000),
    ]
    seeded = seed_failed_apply(api_storage)
    code, out, _err = run(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                          *WATCH)  # fmt: skip
    assert code == 0, out
    assert "  users: running 50% (500/1000 rows, ETA 2m05s)" in out
    assert out.rstrip().splitlines()[-2].endswith(": completed")
    polls = [r for r in double.requests if r.path.startswith("/api/progress/apply/apply-")]
    assert len(polls) == 2


def test_watch_to_failed_shows_the_error_and_exits_1(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    double.engine_script = [
        EngineStep("failed", "failed", rows_copied=10, rows_total=1000,
                   error_message="Error 1062: Duplicate entry 'x'"),
    ]  # fmt: skip
    seeded = seed_failed_apply(api_storage)
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                         *WATCH)  # fmt: skip
    assert code == 1
    assert doc["status"] == "resubmitted"
    assert doc["watch"]["state"] == "failed" and doc["watch"]["timed_out"] is False
    assert doc["watch"]["error_message"] == "Error 1062: Duplicate entry 'x'"
    assert doc["watch"]["tables"][0]["percent_complete"] == 1
    assert api_storage.load_progress(doc["new_apply_id"]).apply.state == "failed"


def test_watch_gives_up_at_its_timeout(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    watch = ("--watch", "--watch-interval", "0.05", "--watch-timeout", "0.3")
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes",
                         *watch)  # fmt: skip
    assert code == 1
    assert doc["watch"]["timed_out"] is True and doc["watch"]["state"] == "pending"
    assert 2 <= doc["watch"]["polls"] <= 10


def test_the_token_never_reaches_output_or_logs(
    capsys, caplog, monkeypatch, mysql_database_url: str, api_storage: Storage, make_double
) -> None:
    caplog.set_level(logging.DEBUG)
    double = make_double(token=TOKEN)
    monkeypatch.setenv("SCHEMABOT_TOKEN", TOKEN)
    seeded = seed_failed_apply(api_storage)
    outputs = []
    for extra in ((), ("--json",)):
        double.fail("POST /api/apply", 400, "invalid_request", f"token {TOKEN} not allowed")
        code, out, err = run(capsys, mysql_database_url, double, seeded.apply_identifier,
                             "--yes", *extra)  # fmt: skip
        assert code == 3
        outputs += [out, err]
    code, out, err = run(capsys, mysql_database_url, double, seeded.apply_identifier, "--yes")
    assert code == 0
    assert double.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert all(TOKEN not in text for text in [*outputs, out, err, caplog.text])
    assert "<redacted>" in outputs[0] + outputs[1]


def test_bad_input_is_exit_2(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier,
                         "--expect-fingerprint", "xyz")  # fmt: skip
    assert (code, doc["reason_code"]) == (2, "invalid_fingerprint")
    code = main(["resubmit", seeded.apply_identifier, "-e", "staging", "--json",
                 "--storage-url", mysql_database_url])  # fmt: skip
    assert code == 2 and json.loads(capsys.readouterr().out)["reason_code"] == "endpoint_required"
    assert double.requests == []


def test_an_unknown_apply_or_another_environment_is_refused(
    capsys, mysql_database_url: str, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = run_json(capsys, mysql_database_url, double, "apply-nope", "--yes")
    assert (code, doc["reason_code"]) == (3, "apply_not_found")
    argv = ["resubmit", seeded.apply_identifier, "-e", "production", "--yes", "--json",
            "--storage-url", mysql_database_url, "--endpoint", double.url]  # fmt: skip
    assert main(argv) == 3
    assert json.loads(capsys.readouterr().out)["reason_code"] == "environment_mismatch"
    assert double.requests == []


@pytest.mark.parametrize("layout", ["g1_mysql", "g2_mysql"])
def test_resubmit_on_storage_built_from_upstream_ddl(
    capsys, mysql_database_url: str, layout: str
) -> None:
    """On storages built from upstream SchemaBot's own DDL: G1 (reopen era) and G2, where a
    terminal apply is final and a fresh apply is the only sanctioned recovery."""
    storage = Storage(create_storage_engine(build(mysql_database_url, layout)))
    try:
        with storage.engine.connect() as conn:
            assert detect(conn).generation == layout[:2]
        double = SchemaBotDouble(storage.engine, live=LIVE, database_types={"testdb": "mysql"})
        try:
            seeded = seed_failed_apply(storage)
            code, doc = run_json(capsys, mysql_database_url, double, seeded.apply_identifier,
                                 "--yes")  # fmt: skip
        finally:
            double.shutdown()
        assert code == 0, doc
        assert storage.load_progress(doc["new_apply_id"]).apply.state == "pending"
        assert len(logs_of(storage.engine, seeded.apply_id)) == 1
        assert double.crashes == []
    finally:
        storage.engine.dispose()
