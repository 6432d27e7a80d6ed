"""``review`` / ``redrive --planner local|remote|both`` end to end: the CLI, the real-HTTP
SchemaBot double and real MariaDB storage; the local planner reads a schema snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from services.storage.store import Storage
from tests.redrive.review_storage_support import write_snapshot
from tests.schemabot_api.double import SchemaBotDouble
from tests.schemabot_api.support import LIVE, LIVE_WITH_PHONE, seed_failed_apply
from tests.schemabot_api.test_resubmit_cli import local_rows

PLANNING_NOTE = "Planning on the SchemaBot server created a plan record there and nothing else."


@pytest.fixture
def conn_args(tmp_path: Path, mysql_database_url: str) -> list[str]:
    """A config whose testdb/staging target is a snapshot of ``LIVE`` (deployment default)."""
    write_snapshot(tmp_path / "live", LIVE)
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        "databases:\n  testdb:\n    type: mysql\n    environments:\n      staging:\n"
        "        deployment: default\n        target: testdb\n        schema_snapshot: live\n"
    )
    return ["--config", str(config), "--storage-url", mysql_database_url]


def review(capsys, conn_args: list[str], apply_id: str, *args: str) -> tuple[int, Any]:
    code = main(["review", apply_id, "-e", "staging", "--operator", "alice", *conn_args, *args])
    out, _err = capsys.readouterr()
    return code, json.loads(out) if "--json" in args else out


def test_remote_planner_match(
    capsys, conn_args, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    before = local_rows(api_storage.engine)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json",
                       "--planner", "remote", "--endpoint", double.url)  # fmt: skip
    assert code == 0, doc
    assert doc["planner"] == "remote" and doc["verdict"] == "match"
    assert doc["verdicts"] == {"stored_vs_local": "match", "stored_vs_server": "match",
                               "server_vs_local": None, "disagreeing_tables": []}  # fmt: skip
    assert len(double.routed("POST /api/plan")) == 1 and double.routed("POST /api/apply") == []
    assert local_rows(api_storage.engine) == before

    code, out = review(capsys, conn_args, seeded.apply_identifier,
                       "--planner", "remote", "--endpoint", double.url)  # fmt: skip
    assert code == 0 and "stored vs server: MATCH" in out and PLANNING_NOTE in out


def test_remote_planner_mismatch_is_refused(
    capsys, conn_args, api_storage: Storage, make_double
) -> None:
    double = make_double(live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(api_storage)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json",
                       "--planner", "remote", "--endpoint", double.url)  # fmt: skip
    assert code == 3
    # the top-level verdict stays the local one, which the reopen re-checks
    assert doc["verdict"] == "match"
    assert doc["verdicts"]["stored_vs_server"] == "mismatch"

    before = local_rows(api_storage.engine)
    code = main(["redrive", seeded.apply_identifier, "-e", "staging", "--yes", "--json",
                 "--planner", "remote", "--endpoint", double.url, *conn_args])  # fmt: skip
    out, _err = capsys.readouterr()
    assert code == 3 and json.loads(out)["reason_code"] == "server_plan_mismatch"
    assert local_rows(api_storage.engine) == before


def test_both_names_the_tables_where_server_and_local_disagree(
    capsys, conn_args, api_storage: Storage, make_double
) -> None:
    double = make_double(live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(api_storage)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json",
                       "--planner", "both", "--endpoint", double.url)  # fmt: skip
    assert code == 3
    assert doc["planner"] == "both"
    assert doc["verdicts"] == {"stored_vs_local": "match", "stored_vs_server": "mismatch",
                               "server_vs_local": "mismatch",
                               "disagreeing_tables": ["testdb.users"]}  # fmt: skip

    code, out = review(capsys, conn_args, seeded.apply_identifier,
                       "--planner", "both", "--endpoint", double.url)  # fmt: skip
    assert "!! PLANNER FIDELITY: server and local planner disagree on testdb.users" in out
    assert PLANNING_NOTE in out


def test_the_default_is_both_with_an_endpoint_and_local_without(
    capsys, conn_args, api_storage: Storage, double: SchemaBotDouble, monkeypatch
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json")
    assert (code, doc["planner"], doc["verdicts"]["stored_vs_server"]) == (0, "local", None)
    assert double.requests == []
    monkeypatch.setenv("SCHEMABOT_ENDPOINT", double.url)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json")
    assert (code, doc["planner"], doc["verdicts"]["server_vs_local"]) == (0, "both", "match")


def test_remote_without_an_endpoint_is_bad_input(capsys, conn_args, api_storage: Storage) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json", "--planner", "remote")
    assert code == 2 and doc["reason_code"] == "endpoint_required"


def redrive_json(capsys, conn_args: list[str], apply_id: str, *args: str) -> tuple[int, Any]:
    code = main(["redrive", apply_id, "-e", "staging", "--yes", "--json", "--operator", "alice",
                 *conn_args, *args])  # fmt: skip
    return code, json.loads(capsys.readouterr().out)


def test_redrive_json_carries_the_planner_verdicts(
    capsys, conn_args, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    code, doc = redrive_json(capsys, conn_args, seeded.apply_identifier,
                             "--planner", "both", "--endpoint", double.url)  # fmt: skip
    assert (code, doc["status"]) == (0, "redriven"), doc
    assert doc["planner"] == "both"
    assert doc["verdicts"] == {"stored_vs_local": "match", "stored_vs_server": "match",
                               "server_vs_local": "match", "disagreeing_tables": []}  # fmt: skip
    (plan_request,) = double.routed("POST /api/plan")
    assert doc["server_plan_id"].startswith("plan-") and plan_request.body["database"] == "testdb"


def test_redrive_json_of_a_planner_refusal_names_the_verdicts(
    capsys, conn_args, api_storage: Storage, make_double
) -> None:
    double = make_double(live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(api_storage)
    before = local_rows(api_storage.engine)
    code, doc = redrive_json(capsys, conn_args, seeded.apply_identifier,
                             "--planner", "both", "--endpoint", double.url)  # fmt: skip
    assert (code, doc["reason_code"]) == (3, "server_plan_mismatch")
    assert doc["verdicts"]["disagreeing_tables"] == ["testdb.users"]
    assert doc["verdicts"]["stored_vs_server"] == "mismatch"
    assert local_rows(api_storage.engine) == before


def test_redrive_json_refused_before_the_planners_has_null_verdicts(
    capsys, conn_args, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    wrong = ("--expect-fingerprint", "0" * 16)
    code, doc = redrive_json(capsys, conn_args, seeded.apply_identifier, "--planner", "both",
                             "--endpoint", double.url, *wrong)  # fmt: skip
    assert code == 3 and doc["status"] == "rejected"
    assert (doc["planner"], doc["verdicts"], doc["server_plan_id"]) == (None, None, None)
    assert double.requests == []


def test_the_config_names_the_planner_and_the_flag_wins(
    capsys, tmp_path: Path, conn_args, api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    config = Path(conn_args[1])
    config.write_text(config.read_text() + "redrive_console:\n  planner: remote\n  api:\n"
                      f"    endpoint: {double.url}\n")  # fmt: skip
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json")
    assert (code, doc["planner"], doc["verdicts"]["server_vs_local"]) == (0, "remote", None)
    code, doc = review(capsys, conn_args, seeded.apply_identifier, "--json", "--planner", "local")
    assert (code, doc["planner"]) == (0, "local")
    assert len(double.routed("POST /api/plan")) == 1


def test_an_unknown_planner_in_the_config_is_refused(
    capsys, conn_args, api_storage: Storage
) -> None:
    seeded = seed_failed_apply(api_storage)
    config = Path(conn_args[1])
    config.write_text(config.read_text() + "redrive_console:\n  planner: server\n")
    code = main(["review", seeded.apply_identifier, "-e", "staging", *conn_args])
    assert code == 2
    assert "redrive_console.planner: must be one of local, remote, both" in capsys.readouterr().err
