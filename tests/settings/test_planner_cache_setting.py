"""``redrive_console.planner_cache`` and ``--no-cache``: what switches the disk cache off."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import build_parser
from app.service_factory import build_service
from app.settings import ConfigError, load_settings
from services.planner import disk_cache
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage


@pytest.fixture(autouse=True)
def _restore_cache_switch() -> Iterator[None]:
    yield
    disk_cache.configure(enabled=True)


def _config(tmp_path: Path, console: str, storage: str) -> str:
    path = tmp_path / "schemabot.yaml"
    body = f'storage: {{dsn: "{storage}"}}\n' + textwrap.dedent(console)
    path.write_text(body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("value", "enabled"), [("false", False), ("true", True), (None, True)])
def test_the_setting_switches_the_cache_for_the_service(
    tmp_path: Path, sqlite_url: str, value: str | None, enabled: bool
) -> None:
    engine = create_storage_engine(sqlite_url)
    init_storage(engine)
    engine.dispose()
    console = f"redrive_console:\n  planner_cache: {value}\n" if value else ""
    config = _config(tmp_path, console, sqlite_url)
    assert load_settings(config, None).planner_cache is enabled
    service = build_service(argparse.Namespace(config=config, storage_url=None))
    service.storage.engine.dispose()
    assert disk_cache.enabled() is enabled


def test_no_cache_wins_over_the_setting(tmp_path: Path, sqlite_url: str) -> None:
    engine = create_storage_engine(sqlite_url)
    init_storage(engine)
    engine.dispose()
    config = _config(tmp_path, "redrive_console:\n  planner_cache: true\n", sqlite_url)
    args = argparse.Namespace(config=config, storage_url=None, no_cache=True)
    build_service(args).storage.engine.dispose()
    assert disk_cache.enabled() is False


@pytest.mark.parametrize("value", ["maybe", "1", "[true]"])
def test_a_bad_value_names_the_key(tmp_path: Path, value: str) -> None:
    config = _config(tmp_path, f"redrive_console:\n  planner_cache: {value}\n", "sqlite:///x.db")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, None)
    assert str(raised.value).startswith("redrive_console.planner_cache")


@pytest.mark.parametrize("command", ["plan", "review", "redrive"])
def test_every_planning_command_takes_no_cache(command: str) -> None:
    parser = build_parser(command)
    sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    assert any("--no-cache" in action.option_strings for action in sub._actions)
