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
