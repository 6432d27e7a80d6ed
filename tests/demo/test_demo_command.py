"""``redrive-console demo``: builds the demo and prints the config path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_no_ui_prints_the_config_path(tmp_path, capsys):
    target = tmp_path / "demo"
    assert main(["demo", "--no-ui", "--dir", str(target)]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(target / "schemabot.yaml")
    assert Path(printed).is_file() and (target / "storage.db").is_file()


def test_no_ui_without_dir_keeps_a_temporary_folder(capsys):
    assert main(["demo", "--no-ui"]) == 0
    config = Path(capsys.readouterr().out.strip())
    try:
        assert config.is_file() and config.parent.name.startswith("redrive-console-demo-")
    finally:
        for path in sorted(config.parent.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        config.parent.rmdir()


def test_foreign_folder_is_refused_with_exit_2(tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["demo", "--no-ui", "--dir", str(tmp_path)]) == 2
    assert "not a redrive-console demo folder" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_subprocess_and_the_list_command_read_the_demo(tmp_path):
    target = tmp_path / "demo"
    built = subprocess.run(
        [sys.executable, "-m", "app", "demo", "--no-ui", "--dir", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert built.returncode == 0, built.stderr
    config = built.stdout.strip()
    assert config == str(target / "schemabot.yaml")
    listed = subprocess.run(
        [sys.executable, "-m", "app", "list", "--config", config, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    assert "payments" in listed.stdout and "ledger" in listed.stdout


def test_without_no_ui_opens_the_console_on_the_demo(tmp_path, monkeypatch, capsys):
    import app.commands.ui as ui

    opened = []
    monkeypatch.setattr(ui, "launch", lambda settings: opened.append(settings) or 0)
    target = tmp_path / "demo"
    assert main(["demo", "--dir", str(target)]) == 0
    (settings,) = opened
    assert settings.storage_url == f"sqlite:///{target / 'storage.db'}"
    assert settings.targets.resolve("payments", "production").snapshot_dir == (
        target / "targets" / "payments" / "production"
    )
    assert str(target) in capsys.readouterr().err
