"""``redrive_console.preflight_deep`` / ``preflight_size_threshold_rows`` and ``--deep``: what the
service every command and the console build (``build_service``) runs its pre-flights with."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.cli import build_parser
from app.service_factory import build_service
from app.settings import ConfigError, load_settings
from services.preflight import PreflightLimits
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage


def _config(tmp_path: Path, sqlite_url: str, console: str) -> str:
    engine = create_storage_engine(sqlite_url)
    init_storage(engine)
    engine.dispose()
    path = tmp_path / "schemabot.yaml"
    path.write_text(f'storage: {{dsn: "{sqlite_url}"}}\n{console}', encoding="utf-8")
    return str(path)


def _limits(config: str, args: argparse.Namespace) -> PreflightLimits:
    service = build_service(args, load_settings(config, None))
    try:
        return service.preflight_limits()
    finally:
        service.storage.engine.dispose()


def test_the_console_takes_the_depth_and_threshold_from_the_config(tmp_path, sqlite_url):
    console = "redrive_console:\n  preflight_deep: true\n  preflight_size_threshold_rows: 250\n"
    config = _config(tmp_path, sqlite_url, console)
    limits = _limits(config, argparse.Namespace())  # the TUI builds it without arguments
    assert (limits.deep, limits.size_threshold_rows) == (True, 250)


@pytest.mark.parametrize("command", ["review", "redrive"])
def test_deep_turns_it_on_over_a_config_without_it(tmp_path, sqlite_url, command):
    config = _config(tmp_path, sqlite_url, "")
    base = [command, "apply-x", "-e", "staging", "--config", config]
    plain = build_parser(command).parse_args(base)
    deep = build_parser(command).parse_args([*base, "--deep"])
    assert _limits(config, plain) == PreflightLimits()
    assert _limits(config, deep) == PreflightLimits(deep=True)


@pytest.mark.parametrize(
    ("console", "message"),
    [
        ("  preflight_deep: sometimes\n", "redrive_console.preflight_deep"),
        ("  preflight_size_threshold_rows: -1\n", "must be a whole number of rows, 0 or more"),
        ("  preflight_size_threshold_rows: 1.5\n", "must be a whole number of rows, 0 or more"),
        ("  preflight_size_threshold_rows: .nan\n", "must be a whole number of rows, 0 or more"),
        ("  preflight_size_threshold_rows: .inf\n", "must be a whole number of rows, 0 or more"),
        ("  preflight_size_threshold_rows: many\n", "redrive_console.preflight_size_threshold"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path, sqlite_url, console, message):
    config = _config(tmp_path, sqlite_url, f"redrive_console:\n{console}")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, None)
