"""The demo on the real MariaDB (``demo --live-target``): the duplicate-key apply's pre-flight
proves ``will_fail_again`` from the demo's own rows, the lock-wait apply's is
``likely_to_succeed`` and resumes from Spirit's checkpoint; the rest of the demo is unchanged,
and the demo replaces only databases it wrote itself.
"""

from __future__ import annotations

import argparse
import json

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.cli import main
from app.service_factory import build_service
from services.demo import SCENARIOS, DemoBuildError, build_demo
from services.demo.timeline import hex_id
from services.preflight import Resume
from services.redrive.model import Verdict
from tests.conftest import MYSQL_URL, require_mysql_server, unique_database_name

LIVE = {spec.key: spec for spec in SCENARIOS if spec.live}


@pytest.fixture
def live_url():
    """A server URL naming a fresh database prefix; every database under it dropped after."""
    require_mysql_server()
    prefix = unique_database_name()
    yield make_url(MYSQL_URL).set(database=prefix).render_as_string(hide_password=False)
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        names = conn.execute(
            text("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE :p"),
            {"p": f"{prefix}\\_%"},
        ).scalars()
        for name in list(names):
            conn.execute(text(f"DROP DATABASE `{name}`"))
    admin.dispose()


def service_for(config_path):
    args = argparse.Namespace(config=str(config_path), storage_url=None, operator="cli:me@demo")
    return build_service(args)


def test_the_live_scenarios_reach_their_live_verdicts(live_url, tmp_path):
    demo = build_demo(tmp_path / "demo", live_target=live_url)
    prefix = make_url(live_url).database
    assert sorted(demo.live_databases) == [f"{prefix}_accounts", f"{prefix}_payments"]
    service = service_for(demo.config_path)

    duplicate = service.review(demo.applies["lock_held"], "production")
    assert duplicate.verdict is Verdict.MATCH and duplicate.lock.held_by_other, duplicate.reason
    assert duplicate.preflight is not None
    assert duplicate.preflight.verdict.value == LIVE["lock_held"].live.verdict == "will_fail_again"
    (users,) = duplicate.preflight.tables
    assert (users.classification.cause, users.classification.error_code) == ("duplicate_key", 1062)
    assert users.decisive is not None and users.decisive.count == 1
    assert [(e.values, e.rows) for e in users.decisive.examples] == [(("ops@acme.example",), 2)]

    lock_wait = service.review(demo.applies["redrivable"], "production")
    assert lock_wait.verdict is Verdict.MATCH and lock_wait.lock.free, lock_wait.reason
    assert lock_wait.preflight is not None
    assert lock_wait.preflight.verdict.value == LIVE["redrivable"].live.verdict
    assert lock_wait.preflight.verdict.value == "likely_to_succeed"
    (intents,) = lock_wait.preflight.tables
    assert intents.classification.cause == "lock_wait_timeout"
    assert intents.resume.resume is Resume.RESUME, intents.resume.detail
    assert intents.resume.rows_copied_estimate == 2400 * 63 // 100  # the task stopped at 63%
    assert intents.resume.leftovers == ("_payment_intents_new", "_payment_intents_chkpnt")

    snapshot = service.review(demo.applies["drift"], "staging")  # the others stay snapshots
    assert snapshot.verdict is Verdict.MISMATCH
    service.storage.engine.dispose()


def test_the_cli_demo_and_review_json_on_a_live_target(live_url, tmp_path, capsys):
    folder = tmp_path / "demo"
    assert main(["demo", "--no-ui", "--dir", str(folder), "--live-target", live_url]) == 0
    config = capsys.readouterr().out.strip()

    def review(key: str) -> dict:
        ident = f"apply-{hex_id('demo', key)}"
        assert main(["review", ident, "-e", "production", "--config", config, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    duplicate, lock_wait = review("lock_held"), review("redrivable")
    assert duplicate["preflight_verdict"] == "will_fail_again"
    assert (duplicate["preflight"][0]["count"], duplicate["preflight"][0]["examples"]) == (
        1,
        [{"values": ["ops@acme.example"], "rows": 2}],
    )
    assert lock_wait["preflight_verdict"] == "likely_to_succeed"
    assert lock_wait["preflight"][0]["resume"] == "resume"

    ident = f"apply-{hex_id('demo', 'lock_held')}"
    redrive = ["redrive", ident, "-e", "production", "--config", config, "--yes", "--json"]
    assert main(redrive) == 3
    refused = json.loads(capsys.readouterr().out)
    assert (refused["status"], refused["reason_code"]) == ("rejected", "preflight_fails")


def test_a_foreign_database_of_a_demo_name_is_refused_untouched(live_url, tmp_path):
    foreign = f"{make_url(live_url).database}_accounts"
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{foreign}`"))
        conn.execute(text(f"CREATE TABLE `{foreign}`.keep (id int)"))
    with pytest.raises(DemoBuildError, match=f"database {foreign} exists .* not written by"):
        build_demo(tmp_path / "demo", live_target=live_url)
    with admin.connect() as conn:
        tables = conn.execute(text(f"SHOW TABLES FROM `{foreign}`")).scalars().all()
    admin.dispose()
    assert tables == ["keep"]
    assert not (tmp_path / "demo").exists(), "nothing written when refused"


def test_rebuilding_replaces_the_demos_own_databases(live_url, tmp_path):
    build_demo(tmp_path / "first", live_target=live_url)
    demo = build_demo(tmp_path / "second", live_target=live_url)
    engine = create_engine(MYSQL_URL)
    with engine.connect() as conn:
        users = conn.execute(
            text(f"SELECT COUNT(*) FROM `{make_url(live_url).database}_accounts`.users")
        ).scalar_one()
    engine.dispose()
    assert users == len(LIVE["lock_held"].live.rows), "replaced, not appended to"
    assert demo.live_databases
