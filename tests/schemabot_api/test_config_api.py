"""``redrive_console.api`` in the config: endpoint, a token reference bound to that endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from services.storage.store import Storage
from tests.schemabot_api.support import TOKEN, seed_failed_apply


def write_config(tmp_path: Path, storage_url: str, api: str) -> Path:
    path = tmp_path / "schemabot.yaml"
    path.write_text(f"storage:\n  dsn: {storage_url}\nredrive_console:\n  api:\n{api}")
    return path


def test_a_file_token_reference_is_sent_to_the_configured_endpoint_only(
    capsys, tmp_path: Path, mysql_database_url: str, api_storage: Storage, make_double
) -> None:
    configured, elsewhere = make_double(token=TOKEN), make_double()
    (tmp_path / "token").write_text(TOKEN + "\n")
    api = f"    endpoint: {configured.url}/\n    token: file:{tmp_path}/token\n"
    config = write_config(tmp_path, mysql_database_url, api)
    seeded = seed_failed_apply(api_storage)
    argv = ["resubmit", seeded.apply_identifier, "-e", "staging", "--yes", "--json",
            "--config", str(config)]  # fmt: skip

    assert main([*argv, "--read-only"]) == 0, capsys.readouterr()
    assert {r.headers.get("Authorization") for r in configured.requests} == {f"Bearer {TOKEN}"}
    capsys.readouterr()
    assert main([*argv, "--read-only", "--endpoint", elsewhere.url]) == 3  # active apply now
    assert elsewhere.requests and all("Authorization" not in r.headers for r in elsewhere.requests)
    assert TOKEN not in capsys.readouterr().out


HTTPS = "    endpoint: https://x.example\n"


@pytest.mark.parametrize(
    ("api", "message"),
    [
        (HTTPS + "    tokn: env:T\n", "redrive_console.api.tokn: unknown key"),
        (HTTPS + "    timeout_seconds: 0\n", "timeout_seconds: must be"),
        (HTTPS + "    token: env:RC_UNSET_TOKEN_VAR\n", "RC_UNSET_TOKEN_VAR is not set"),
        ("    endpoint: ftp://x.example\n", "http:// or https://"),
    ],
)
def test_bad_api_settings_are_exit_2_and_send_nothing(
    capsys, tmp_path: Path, mysql_database_url: str, api: str, message: str
) -> None:
    config = write_config(tmp_path, mysql_database_url, api)
    code = main(["resubmit", "apply-x", "-e", "staging", "--json", "--config", str(config)])
    doc = json.loads(capsys.readouterr().out)
    assert (code, doc["status"]) == (2, "invalid")
    assert message in doc["error"]
