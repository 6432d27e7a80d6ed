"""The client against the real-HTTP double: fields, error codes, timeouts, retries, the token."""

from __future__ import annotations

import logging
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.errors import (
    ERROR_MEANINGS,
    SchemaBotAPIError,
    SchemaBotConfigError,
    SchemaBotUnavailableError,
)
from services.schemabot_api.wire import ApplyRequest, PlanRequest
from services.storage.store import Storage
from tests.schemabot_api.double import SchemaBotDouble
from tests.schemabot_api.support import DESIRED, TOKEN, endpoint_of
from tests.storage.factories import insert_apply, insert_lock

PLAN = PlanRequest(database="testdb", environment="staging", type="mysql", schema_files=DESIRED)


def client_of(double: SchemaBotDouble, **kw: object) -> SchemaBotClient:
    return SchemaBotClient(endpoint_of(double.url, **kw))


def test_plan_sends_exactly_the_documented_fields_and_reads_the_changes(
    double: SchemaBotDouble,
) -> None:
    with client_of(double) as client:
        plan = client.plan(PLAN)
    (sent,) = double.routed("POST /api/plan")
    assert sent.body == {
        "database": "testdb",
        "environment": "staging",
        "type": "mysql",
        "schema_files": {"testdb": {"files": DESIRED["testdb"]}},
    }
    assert plan.plan_id.startswith("plan-")
    (change,) = plan.changes
    (table,) = change.table_changes
    assert (change.namespace, table.table_name, table.change_type) == ("testdb", "users", "alter")
    assert table.ddl == "ALTER TABLE `users` ADD COLUMN `email` varchar(255) NULL;"


def test_the_double_rejects_an_unknown_field_like_upstream(double: SchemaBotDouble) -> None:
    body = PLAN.body() | {"deployment": "default"}
    response = httpx.post(f"{double.url}/api/plan", json=body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_request"
    assert 'unknown field "deployment"' in response.json()["error"]


@pytest.mark.parametrize("route", ["POST /api/plan", "POST /api/apply", "GET /api/status"])
def test_every_error_code_becomes_a_clear_message(double: SchemaBotDouble, route: str) -> None:
    calls = {
        "POST /api/plan": lambda c: c.plan(PLAN),
        "POST /api/apply": lambda c: c.apply(ApplyRequest(plan_id="plan-x", environment="staging")),
        "GET /api/status": lambda c: c.status(),
    }
    with client_of(double) as client:
        for code in sorted(ERROR_MEANINGS):  # one server for all codes: each setup costs a DB
            wire_code = "" if code == "unknown" else code
            status = 409 if code == "active_apply_exists" else 400
            double.fail(route, status, wire_code, "server says no")
            with pytest.raises(SchemaBotAPIError) as raised:
                calls[route](client)
            assert raised.value.code == code
            assert str(raised.value).startswith(ERROR_MEANINGS[code]), code
            assert f"HTTP {status}" in str(raised.value) and "server says no" in str(raised.value)


def test_unknown_plan_is_not_found_from_the_route_itself(double: SchemaBotDouble) -> None:
    with client_of(double) as client, pytest.raises(SchemaBotAPIError) as raised:
        client.apply(ApplyRequest(plan_id="plan-missing", environment="staging"))
    assert (raised.value.code, raised.value.http_status) == ("not_found", 404)


def test_a_stalled_answer_times_out_within_the_client_timeout(double: SchemaBotDouble) -> None:
    double.stalled.add("GET /api/status")
    started = time.monotonic()
    with client_of(double, timeout=0.3) as client, pytest.raises(SchemaBotUnavailableError) as e:
        client.status()
    assert time.monotonic() - started < 3.0
    assert "within 0.3s" in str(e.value)


def test_a_get_is_retried_once_after_a_connection_reset(double: SchemaBotDouble) -> None:
    double.resets["GET /api/locks"] = 1
    with client_of(double) as client:
        assert client.locks() == ()
    assert len(double.routed("GET /api/locks")) == 2


def test_a_get_reset_twice_fails_after_one_retry(double: SchemaBotDouble) -> None:
    double.resets["GET /api/locks"] = 2
    with client_of(double) as client, pytest.raises(SchemaBotUnavailableError):
        client.locks()
    assert len(double.routed("GET /api/locks")) == 2


def test_a_post_is_never_retried(double: SchemaBotDouble) -> None:
    double.resets["POST /api/plan"] = 1
    with client_of(double) as client, pytest.raises(SchemaBotUnavailableError):
        client.plan(PLAN)
    assert len(double.routed("POST /api/plan")) == 1


def test_the_token_is_sent_but_never_shown(make_double, caplog: pytest.LogCaptureFixture) -> None:
    double = make_double(token=TOKEN)
    caplog.set_level(logging.DEBUG)
    double.fail("POST /api/plan", 400, "invalid_request", f"bad token {TOKEN} in header")
    with client_of(double, token=TOKEN) as client:
        with pytest.raises(SchemaBotAPIError) as raised:
            client.plan(PLAN)
        shown = [str(raised.value), repr(raised.value), repr(client), repr(client.endpoint)]
        client.status()
    assert double.requests[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    double.resets["GET /api/status"] = 2
    with client_of(double, token=TOKEN) as client, pytest.raises(SchemaBotUnavailableError) as e:
        client.status()
    shown += [str(e.value), repr(e.value), caplog.text]
    assert e.value.__cause__ is None and raised.value.__cause__ is None
    assert all(TOKEN not in text for text in shown)
    assert "<redacted>" in str(raised.value)


def test_a_wrong_token_is_refused_by_the_server(make_double) -> None:
    double = make_double(token=TOKEN)
    with client_of(double, token="other") as client, pytest.raises(SchemaBotAPIError) as raised:
        client.status()
    assert (raised.value.code, raised.value.http_status) == ("unknown", 401)


def test_status_and_locks_read_the_servers_storage(
    double: SchemaBotDouble, api_storage: Storage
) -> None:
    with api_storage.engine.begin() as conn:
        insert_apply(conn, database_name="testdb", environment="staging", state="running",
                     apply_identifier="apply-busy", caller="bob", completed_at=None)  # fmt: skip
        insert_lock(conn, database_name="testdb", owner="acme/orders-schema#42")
    with client_of(double) as client:
        status, locks = client.status(), client.locks()
    assert status.active_count == 1
    assert [(a.apply_id, a.state, a.caller) for a in status.applies] == [
        ("apply-busy", "running", "bob")
    ]
    assert [(lock.database, lock.database_type, lock.owner) for lock in locks] == [
        ("testdb", "mysql", "acme/orders-schema#42")
    ]


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no system trust store knows."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_tls_is_verified_and_a_ca_file_makes_a_private_certificate_trusted(
    make_double, self_signed: tuple[Path, Path]
) -> None:
    double = make_double(tls=self_signed)
    assert double.url.startswith("https://127.0.0.1:")
    with client_of(double) as client, pytest.raises(SchemaBotUnavailableError) as raised:
        client.status()
    assert "CERTIFICATE_VERIFY_FAILED" in str(raised.value)
    assert double.requests == []
    trusted = replace(endpoint_of(double.url), ca_file=self_signed[0])
    with SchemaBotClient(trusted) as client:
        assert client.status().active_count == 0
    assert len(double.routed("GET /api/status")) == 1


def test_an_unreadable_ca_file_is_a_config_error(tmp_path: Path) -> None:
    endpoint = replace(endpoint_of("https://127.0.0.1:1"), ca_file=tmp_path / "missing.pem")
    with pytest.raises(SchemaBotConfigError, match=r"missing\.pem"):
        SchemaBotClient(endpoint)
