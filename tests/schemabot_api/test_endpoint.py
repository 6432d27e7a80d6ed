"""Endpoint and token resolution, in SchemaBot CLI order, with tokens bound to their endpoint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from services.schemabot_api.endpoint import ConfiguredApi, EndpointRequest, resolve_endpoint
from services.schemabot_api.errors import SchemaBotConfigError

PROFILE_URL = "https://schemabot.internal"
CONFIG_URL = "https://console-config.internal"


def write_profiles(home: Path, text: str, mode: int = 0o600) -> Path:
    path = home / ".schemabot" / "config.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


PROFILES = f"""
default_profile: work
profiles:
  work:
    endpoint: {PROFILE_URL}/
    token: profile-token-111
  other:
    endpoint: https://other.internal
"""


def resolve(home: Path, env: dict[str, str] | None = None, config: ConfiguredApi | None = None,
            **request: str):  # fmt: skip
    return resolve_endpoint(EndpointRequest(**request), config, environ=env or {}, home=home)


def token_header(resolved) -> str | None:
    return resolved.token.header() if resolved and resolved.token else None


def test_nothing_configured_is_none(tmp_path: Path) -> None:
    assert resolve(tmp_path) is None


def test_endpoint_order_flag_env_profile_config(tmp_path: Path) -> None:
    write_profiles(tmp_path, PROFILES)
    config = ConfiguredApi(endpoint=CONFIG_URL)
    env = {"SCHEMABOT_ENDPOINT": "https://env.internal/"}
    assert resolve(tmp_path, env, config, endpoint="https://flag.internal").url == (
        "https://flag.internal"
    )
    assert resolve(tmp_path, env, config).url == "https://env.internal"
    assert resolve(tmp_path, {}, config).url == PROFILE_URL  # trailing slash dropped
    assert resolve(tmp_path, {}, config, profile="other").url == "https://other.internal"
    write_profiles(tmp_path, "profiles: {}\n")
    assert resolve(tmp_path, {}, config).url == CONFIG_URL


def test_profile_token_goes_only_to_the_profiles_own_endpoint(tmp_path: Path) -> None:
    write_profiles(tmp_path, PROFILES)
    assert token_header(resolve(tmp_path)) == "Bearer profile-token-111"
    same = resolve(tmp_path, {"SCHEMABOT_ENDPOINT": PROFILE_URL})
    assert token_header(same) == "Bearer profile-token-111"
    elsewhere = resolve(tmp_path, endpoint="https://attacker.example")
    assert elsewhere.token is None
    assert token_header(resolve(tmp_path, {"SCHEMABOT_ENDPOINT": "https://x.example"})) is None


def test_explicit_tokens_win_for_any_endpoint(tmp_path: Path) -> None:
    write_profiles(tmp_path, PROFILES)
    env = {"SCHEMABOT_TOKEN": "env-token"}
    assert token_header(resolve(tmp_path, env, endpoint="https://x.example")) == "Bearer env-token"
    flagged = resolve(tmp_path, env, endpoint="https://x.example", token="flag-token")
    assert token_header(flagged) == "Bearer flag-token"


def test_config_token_is_bound_to_the_config_endpoint(tmp_path: Path) -> None:
    config = ConfiguredApi(endpoint=CONFIG_URL + "/", token="config-token")
    assert token_header(resolve(tmp_path, config=config)) == "Bearer config-token"
    assert resolve(tmp_path, config=config, endpoint="https://x.example").token is None


def test_a_profile_file_caching_a_token_must_be_private(tmp_path: Path) -> None:
    path = write_profiles(tmp_path, PROFILES, mode=0o644)
    with pytest.raises(SchemaBotConfigError, match="chmod 600") as raised:
        resolve(tmp_path)
    assert str(path) in str(raised.value) and "profile-token-111" not in str(raised.value)


def test_the_profile_file_is_not_read_when_flags_supply_everything(tmp_path: Path) -> None:
    write_profiles(tmp_path, PROFILES, mode=0o644)  # would be refused if it were read
    resolved = resolve(tmp_path, endpoint="https://x.example", token="t")
    assert resolved.url == "https://x.example"


def test_an_explicitly_named_missing_profile_is_an_error(tmp_path: Path) -> None:
    write_profiles(tmp_path, PROFILES)
    with pytest.raises(SchemaBotConfigError, match="unknown SchemaBot profile 'nope'"):
        resolve(tmp_path, {"SCHEMABOT_PROFILE": "nope"})
    with pytest.raises(SchemaBotConfigError, match="'gone'"):
        resolve(tmp_path / "empty", profile="gone")


@pytest.mark.parametrize(
    "url", ["ftp://x", "schemabot.internal", "https://u:p@x.example", "https://x.example?a=1"]
)
def test_malformed_endpoints_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(SchemaBotConfigError, match="--endpoint"):
        resolve(tmp_path, endpoint=url)


def test_a_token_is_never_sent_over_plain_http_except_to_loopback(tmp_path: Path) -> None:
    with pytest.raises(SchemaBotConfigError, match="plain http") as raised:
        resolve(tmp_path, endpoint="http://schemabot.internal", token="secret-t")
    assert "secret-t" not in str(raised.value)
    assert resolve(tmp_path, endpoint="http://127.0.0.1:8080", token="t").token is not None
    assert resolve(tmp_path, endpoint="http://schemabot.internal").token is None


def test_the_token_never_appears_in_a_repr(tmp_path: Path) -> None:
    config = ConfiguredApi(endpoint=CONFIG_URL, token="config-token")
    resolved = resolve(tmp_path, config=config)
    request = EndpointRequest(token="flag-token")
    shown = repr(resolved) + repr(config) + repr(request) + str(resolved.token)
    assert "config-token" not in shown and "flag-token" not in shown


def test_a_token_spanning_lines_is_a_config_error_that_does_not_show_it(tmp_path: Path) -> None:
    with pytest.raises(SchemaBotConfigError, match="SCHEMABOT_TOKEN") as raised:
        resolve(tmp_path, {"SCHEMABOT_TOKEN": "abc\r\nX-Evil: 1"}, endpoint="https://x.example")
    assert "abc" not in str(raised.value)
