"""Bad settings through the real CLI: exit 2, one line naming the key, no traceback, no write.

Covers an out-of-range ``redrive_window_hours`` and SQLAlchemy URL parameters the driver does
not take (the same clean refusal a Go DSN gets for an unknown parameter).
"""

from __future__ import annotations

import pytest

from app.cli import main

PASSWORD = "Zq9-secret"
WINDOW_KEY = "redrive_console.redrive_window_hours"


def _fails_cleanly(capsys, argv: list[str], *expected: str) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert PASSWORD not in err
    for text in expected:
        assert text in err
    return err


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be a number of hours from 1 to 720"),
        ("-5", "must be a number of hours from 1 to 720"),
        ("0.5", "must be a number of hours from 1 to 720"),
        ("721", "must be a number of hours from 1 to 720"),
        ("1.0e+300", "must be a number of hours from 1 to 720"),
        (".inf", "must be a number of hours from 1 to 720"),
        (".nan", "must be a number of hours from 1 to 720"),
        ("soon", "expected a number, got a string"),
        ("true", "expected a number, got a boolean"),
        ("[24]", "expected a number, got a list"),
    ],
)
def test_out_of_range_redrive_window_is_refused(tmp_path, capsys, value, message) -> None:
    storage = tmp_path / "storage.db"
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        f'storage: {{dsn: "sqlite:///{storage}"}}\nredrive_console:\n'
        f"  redrive_window_hours: {value}\n"
    )
    _fails_cleanly(capsys, ["list", "--config", str(config)], f"{WINDOW_KEY}: {message}")
    assert not storage.exists()


@pytest.mark.parametrize("hours", ["1", "720", "36.5"])
def test_window_bounds_are_inclusive(tmp_path, hours) -> None:
    from app.settings import load_settings

    config = tmp_path / "schemabot.yaml"
    config.write_text(
        f'storage: {{dsn: "sqlite:///x.db"}}\nredrive_console:\n  redrive_window_hours: {hours}\n'
    )
    assert load_settings(str(config), None).redrive_window.total_seconds() == float(hours) * 3600


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("bogus=1", "URL parameter 'bogus' is not supported for mysql"),
        ("local_infile=1", "URL parameter 'local_infile' is not supported for mysql"),
        ("connect_timeout=soon", "URL parameter 'connect_timeout' must be a whole number"),
        ("connect_timeout=0", "URL parameter 'connect_timeout' must be a whole number"),
        ("read_timeout=1&read_timeout=2", "URL parameter 'read_timeout' is given more than once"),
        ("ssl_check_hostname=maybe", "URL parameter 'ssl_check_hostname' must be true or false"),
        ("ssl_disabled=false", "URL parameter 'ssl_disabled' takes only true"),
    ],
)
@pytest.mark.parametrize("command", ["list", "review"])
def test_unknown_or_malformed_url_parameters_are_refused(capsys, query, message, command) -> None:
    url = f"mysql+pymysql://ops:{PASSWORD}@127.0.0.1:3306/schemabot?{query}"
    argv = [command, "--storage-url", url]
    if command == "review":
        argv[1:1] = ["apply-1", "-e", "staging"]
    _fails_cleanly(capsys, argv, f"--storage-url: {message}")


def test_unknown_sqlite_url_parameter_is_refused_not_ignored(tmp_path, capsys) -> None:
    storage = tmp_path / "storage.db"
    argv = ["list", "--storage-url", f"sqlite:///{storage}?journal=off"]
    _fails_cleanly(capsys, argv, "URL parameter 'journal' is not supported for sqlite")
    assert not storage.exists()


def test_supported_url_parameters_still_pass(tmp_path) -> None:
    from app.settings import load_settings

    url = "mysql+pymysql://u@h/db?connect_timeout=3&charset=utf8mb4&ssl_check_hostname=false"
    assert load_settings(None, url).storage_url == url
