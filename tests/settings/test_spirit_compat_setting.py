"""``redrive_console.spirit_compat``: the Spirit level review and redrive plan at."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from app.settings import ConfigError, load_settings
from services.planner.spirit_level import SpiritLevel


def _config(tmp_path: Path, console: str) -> str:
    path = tmp_path / "schemabot.yaml"
    body = 'storage: {dsn: "sqlite:///x.db"}\n' + textwrap.dedent(console)
    path.write_text(body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("value", "level"), [("2026-07", SpiritLevel.JULY_2026), ('"2026-08"', SpiritLevel.AUGUST_2026)]
)
def test_spirit_compat_is_read(tmp_path: Path, value: str, level: SpiritLevel) -> None:
    config = _config(tmp_path, f"redrive_console:\n  spirit_compat: {value}\n")
    assert load_settings(config, None).spirit_compat is level


def test_spirit_compat_absent_means_by_generation(tmp_path: Path) -> None:
    config = _config(tmp_path, "redrive_console:\n  read_only: true\n")
    assert load_settings(config, None).spirit_compat is None


@pytest.mark.parametrize("value", ["2026-09", "july", "7", "[2026-07]"])
def test_bad_spirit_compat_names_the_key(tmp_path: Path, value: str) -> None:
    config = _config(tmp_path, f"redrive_console:\n  spirit_compat: {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(config, None)
    assert str(raised.value).startswith("redrive_console.spirit_compat: ")
