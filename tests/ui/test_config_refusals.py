"""Unknown keymap ids, themes and config keys are refused before the console opens."""

from __future__ import annotations

from app.cli import main
from app.tui import binding_ids


def _config(tmp_path, body: str) -> str:
    path = tmp_path / "schemabot.yaml"
    path.write_text("storage:\n  dsn: sqlite://\n" + body)
    return str(path)


def test_an_unknown_keymap_id_is_refused_with_the_known_ids(tmp_path, capsys) -> None:
    config = _config(tmp_path, "redrive_console:\n  keymap:\n    triage.refrsh: f5\n")
    assert main(["ui", "--config", config]) == 2
    err = capsys.readouterr().err
    assert "unknown binding id(s) triage.refrsh" in err
    assert "triage.refresh" in err and "list.down" in err and "app.quit" in err


def test_an_unknown_theme_is_refused_with_the_known_themes(capsys) -> None:
    assert main(["ui", "--theme", "no-such-theme", "--storage-url", "sqlite://"]) == 2
    err = capsys.readouterr().err
    assert "unknown theme 'no-such-theme'" in err and "ansi-dark" in err and "textual-dark" in err


def test_an_unknown_config_key_is_refused_with_the_known_keys(tmp_path, capsys) -> None:
    config = _config(tmp_path, "redrive_console:\n  keympa: {}\n")
    assert main(["ui", "--config", config]) == 2
    err = capsys.readouterr().err
    assert "redrive_console.keympa: unknown key" in err and "keymap" in err


def test_every_binding_of_the_console_has_an_id() -> None:
    assert {
        "app.help",
        "app.quit",
        "app.quit-now",
        "triage.review",
        "list.page-down",
        "review.resubmit",
        "resubmit.cancel",
        "resubmit.confirm",
        "resubmit-outcome.back",
        "resubmit-outcome.refresh",
        "resubmit-outcome.logs",
        "resubmit-outcome.copy-id",
    } <= binding_ids()
