"""load_settings on SchemaBot config files: secrets, dsn_from, targets, console extras."""

from __future__ import annotations

import re
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.settings import CONFIG_ENV, ConfigError, load_settings

PASSWORD = "p@ss:w/rd@x"  # contains @, : and /


def write_config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "schemabot.yaml"
    path.write_text(textwrap.dedent(body))
    return str(path)


def secret_file(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def test_storage_dsn_from_env_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEMABOT_DSN", f"schemabot:{PASSWORD}@tcp(db.internal:3306)/schemabot")
    settings = load_settings(write_config(tmp_path, 'storage: {dsn: "env:SCHEMABOT_DSN"}'), None)
    url = make_url(settings.storage_url)
    assert (url.username, url.password, url.host, url.database) == (
        "schemabot", PASSWORD, "db.internal", "schemabot",
    )  # fmt: skip


def test_storage_dsn_from_file_reference_trims_the_newline(tmp_path):
    dsn = secret_file(tmp_path, "dsn", f"u:{PASSWORD}@tcp(h:3306)/sb\n")
    settings = load_settings(write_config(tmp_path, f'storage: {{dsn: "file:{dsn}"}}'), None)
    assert make_url(settings.storage_url).password == PASSWORD
    assert make_url(settings.storage_url).database == "sb"


def test_plain_value_is_the_dsn_itself(tmp_path):
    settings = load_settings(write_config(tmp_path, 'storage: {dsn: "u:pw@tcp(h)/sb"}'), None)
    assert make_url(settings.storage_url).host == "h"


def test_user_named_env_is_a_dsn_not_a_reference(tmp_path):
    settings = load_settings(write_config(tmp_path, 'storage: {dsn: "env:pw@tcp(h)/sb"}'), None)
    assert make_url(settings.storage_url).username == "env"


@pytest.mark.parametrize("scheme", ["secretsmanager", "vault", "ssm"])
def test_other_secret_schemes_are_refused_by_name(tmp_path, scheme):
    config = write_config(tmp_path, f'storage: {{dsn: "{scheme}:prod/db-dsn"}}')
    with pytest.raises(ConfigError, match=f"storage.dsn: .*'{scheme}:' is not supported"):
        load_settings(config, None)


def test_missing_env_var_and_missing_file_are_named(tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE_DSN", raising=False)
    with pytest.raises(
        ConfigError, match=r"storage\.dsn: environment variable NOPE_DSN is not set"
    ):
        load_settings(write_config(tmp_path, 'storage: {dsn: "env:NOPE_DSN"}'), None)
    with pytest.raises(ConfigError, match=r"storage\.dsn: cannot read secret file /nonexistent"):
        load_settings(write_config(tmp_path, 'storage: {dsn: "file:/nonexistent/x"}'), None)


def test_storage_dsn_from_without_config_paths(tmp_path):
    ref = secret_file(tmp_path, "storage.yaml", "host: db.internal\ndatabase: schemabot\n")
    pw = secret_file(tmp_path, "pw", PASSWORD + "\n")
    config = write_config(
        tmp_path,
        f"""
        storage:
          dsn_from:
            config_ref: "file:{ref}"
            username: schemabot_user
            password_ref: "file:{pw}"
            params:
              parseTime: true
              timeout: 5s
        """,
    )
    url = make_url(load_settings(config, None).storage_url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "schemabot_user", PASSWORD, "db.internal", 3306, "schemabot",
    )  # fmt: skip
    assert dict(url.query) == {"connect_timeout": "5"}


def test_environment_dsn_from_with_config_paths(tmp_path, monkeypatch):
    ref = secret_file(
        tmp_path,
        "mydb.yaml",
        "databases:\n  mydb:\n    host: mydb.internal\n    port: 3307\n    database: mydb\n",
    )
    monkeypatch.setenv("MYDB_PASSWORD", PASSWORD)
    config = write_config(
        tmp_path,
        f"""
        storage: {{dsn: "sqlite:///{tmp_path}/s.db"}}
        databases:
          mydb:
            type: mysql
            environments:
              staging:
                dsn_from:
                  config_ref: "file:{ref}"
                  username: mydb_user
                  password_ref: "env:MYDB_PASSWORD"
                  config_paths:
                    host: databases.mydb.host
                    port: databases.mydb.port
                    database: databases.mydb.database
        """,
    )
    target = load_settings(config, None).targets.resolve("mydb", "staging")
    url = make_url(target.url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "mydb_user", PASSWORD, "mydb.internal", 3307, "mydb",
    )  # fmt: skip
    assert (target.deployment, target.target, target.unsupported_reason) == ("mydb", "mydb", None)


def test_dsn_from_config_path_not_found_is_named(tmp_path):
    ref = secret_file(tmp_path, "mydb.yaml", "databases: {}\n")
    config = write_config(
        tmp_path,
        f"""
        storage:
          dsn_from:
            config_ref: "file:{ref}"
            config_paths: {{host: databases.mydb.host}}
        """,
    )
    with pytest.raises(ConfigError, match=r"path databases\.mydb\.host not found"):
        load_settings(config, None)


SCHEMABOT_EXAMPLE = """
storage:
  dsn: "sqlite:///{tmp}/storage.db"
databases:
  mydb:
    type: mysql
    environments:
      staging:
        dsn: "env:STAGING_DSN"
      production:
        dsn: "secretsmanager:prod/mydb-dsn"
  payments:
    type: mysql
    environments:
      staging:
        schema_snapshot: snapshots/payments/staging
      production:
        target: "payments-production"
        deployment: tenant1
      canary:
        target: "payments-canary"
        deployment: tenant1
        dsn: "u:pw@tcp(canary.internal)/"
  ledger:
    type: vitess
    environments:
      production:
        deployments:
          tenant2: {{target: "ledger-production"}}
  reports:
    type: postgres
    environments:
      production: {{dsn: "postgresql://r@h/reports"}}
tern_deployments:
  tenant1:
    production: "tern-production:9090"
environment_order: [staging, canary, production]
"""


@pytest.fixture
def example(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_DSN", f"mydb:{PASSWORD}@tcp(staging.internal:3306)/")
    (tmp_path / "snapshots/payments/staging").mkdir(parents=True)
    return load_settings(write_config(tmp_path, SCHEMABOT_EXAMPLE.format(tmp=tmp_path)), None)


def test_local_mode_target_is_the_database_name(example):
    target = example.targets.resolve("mydb", "staging")
    assert (target.deployment, target.target, target.database_type) == ("mydb", "mydb", "mysql")
    url = make_url(target.url)
    assert (url.host, url.database, url.password) == ("staging.internal", None, PASSWORD)
    assert target.unsupported_reason is None


def test_unsupported_secret_scheme_on_an_environment_is_a_reason_not_a_crash(example):
    target = example.targets.resolve("mydb", "production")
    assert target.url is None
    assert "'secretsmanager:' is not supported" in target.unsupported_reason
    assert "databases.mydb.environments.production.dsn" in target.unsupported_reason


def test_schema_snapshot_is_relative_to_the_config_folder(example, tmp_path):
    target = example.targets.resolve("payments", "staging")
    assert target.snapshot_dir == (tmp_path / "snapshots/payments/staging").resolve()
    assert target.url is None and target.unsupported_reason is None
    assert (target.deployment, target.target) == ("payments", "payments")


def test_grpc_mode_without_console_source_is_unsupported(example):
    target = example.targets.resolve("payments", "production")
    assert (target.deployment, target.target) == ("tenant1", "payments-production")
    assert target.url is None and target.snapshot_dir is None
    assert "gRPC mode" in target.unsupported_reason


def test_grpc_mode_with_a_console_dsn_keeps_configured_deployment(example):
    target = example.targets.resolve("payments", "canary")
    assert (target.deployment, target.target) == ("tenant1", "payments-canary")
    assert make_url(target.url).host == "canary.internal"
    assert target.unsupported_reason is None


def test_single_entry_deployments_map(example):
    target = example.targets.resolve("ledger", "production")
    assert (target.deployment, target.target, target.database_type) == (
        "tenant2", "ledger-production", "vitess",
    )  # fmt: skip
    assert "gRPC mode" in target.unsupported_reason


def test_postgres_and_unknown_names_get_reasons(example):
    assert "postgres" in example.targets.resolve("reports", "production").unsupported_reason
    unknown_db = example.targets.resolve("nope", "staging")
    assert unknown_db.unsupported_reason == "database 'nope' is not in the SchemaBot config"
    unknown_env = example.targets.resolve("mydb", "qa")
    assert "environment 'qa' of database 'mydb' is not configured" in (
        unknown_env.unsupported_reason
    )


def test_environment_order_and_defaults(example):
    assert example.environment_order == ("staging", "canary", "production")
    assert example.redrive_window == timedelta(hours=24)
    assert example.read_only is False and example.keymap == {} and example.operator is None


def test_allowed_environments_marks_others_unsupported(tmp_path):
    config = write_config(
        tmp_path,
        """
        storage: {dsn: "sqlite:///x.db"}
        allowed_environments: [production]
        databases:
          mydb:
            environments:
              staging: {dsn: "u@tcp(s)/"}
              production: {dsn: "u@tcp(p)/"}
        """,
    )
    settings = load_settings(config, None)
    assert settings.allowed_environments == ("production",)
    assert settings.targets.resolve("mydb", "production").unsupported_reason is None
    assert "allowed_environments" in settings.targets.resolve("mydb", "staging").unsupported_reason


def test_multi_entry_deployments_map_is_refused(tmp_path):
    config = write_config(
        tmp_path,
        """
        storage: {dsn: "sqlite:///x.db"}
        databases:
          mydb:
            environments:
              production:
                deployments: {a: {target: ta}, b: {target: tb}}
        """,
    )
    with pytest.raises(
        ConfigError, match=r"databases\.mydb\.environments\.production\.deployments: only a single"
    ):
        load_settings(config, None)


def test_console_section(tmp_path):
    config = write_config(
        tmp_path,
        """
        storage: {dsn: "sqlite:///x.db"}
        redrive_console:
          keymap: {redrive: "ctrl+r", refresh: "f5"}
          read_only: true
          redrive_window_hours: 12
          operator: "cli:oncall@bastion"
        """,
    )
    settings = load_settings(config, None)
    assert settings.keymap == {"redrive": "ctrl+r", "refresh": "f5"}
    assert settings.read_only is True
    assert settings.redrive_window == timedelta(hours=12)
    assert settings.operator == "cli:oncall@bastion"


@pytest.mark.parametrize(
    ("section", "path"),
    [
        ("keymap: [a]", "redrive_console.keymap: expected a mapping"),
        ("keymap: {redrive: 5}", "redrive_console.keymap.redrive: expected a string"),
        ("read_only: yes please", "redrive_console.read_only: expected true or false"),
        ("redrive_window_hours: -1", "redrive_console.redrive_window_hours: must be a number"),
        ("redrive_window_hours: soon", "redrive_console.redrive_window_hours: expected a number"),
        ("colour: blue", "redrive_console.colour: unknown key"),
    ],
)
def test_console_section_errors_name_the_key(tmp_path, section, path):
    config = write_config(
        tmp_path, f'storage: {{dsn: "sqlite:///x.db"}}\nredrive_console:\n  {section}\n'
    )
    with pytest.raises(ConfigError, match=path):
        load_settings(config, None)


def test_storage_url_overrides_the_file(tmp_path, monkeypatch):
    config = write_config(tmp_path, 'storage: {dsn: "secretsmanager:never-read"}')
    settings = load_settings(config, "sqlite:////tmp/override.db")
    assert settings.storage_url == "sqlite:////tmp/override.db"
    go = load_settings(config, f"u:{PASSWORD}@tcp(h:3306)/sb")
    assert make_url(go.storage_url).password == PASSWORD
    monkeypatch.setenv("OVERRIDE_DSN", "sqlite:////tmp/env.db")
    assert load_settings(None, "env:OVERRIDE_DSN").storage_url == "sqlite:////tmp/env.db"


def test_config_file_from_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(CONFIG_ENV, write_config(tmp_path, 'storage: {dsn: "sqlite:///e.db"}'))
    assert load_settings(None, None).storage_url == "sqlite:///e.db"


def test_nothing_configured(monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    with pytest.raises(ConfigError, match="no storage configured"):
        load_settings(None, None)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("storage: {dsn: [a, b]}", "storage.dsn: expected a string, got a list"),
        ("storage: {}", "storage.dsn or storage.dsn_from is required"),
        ("storage: {dsn: x, dsn_from: {}}", "storage: dsn and dsn_from are mutually exclusive"),
        (
            'storage: {dsn: "sqlite:///x"}\ndatabases: {mydb: {environments: {staging: {dsn: 5}}}}',
            "databases.mydb.environments.staging.dsn: expected a string, got a number",
        ),
        (
            'storage: {dsn: "sqlite:///x"}\ndatabases: {mydb: {environments: {staging: {}}}}',
            "databases.mydb.environments.staging: needs dsn",
        ),
        (
            'storage: {dsn: "sqlite:///x"}\n'
            "databases: {mydb: {environments: {staging: {dsn: a, dsn_from: {}}}}}",
            "databases.mydb.environments.staging: dsn and dsn_from are mutually exclusive",
        ),
        (
            'storage: {dsn: "sqlite:///x"}\ndatabases: {mydb: {environments: {prod: {target: t}}}}',
            "databases.mydb.environments.prod.deployment: expected a string, got nothing",
        ),
        (
            'storage: {dsn: "sqlite:///x"}\ndatabases: {mydb: {type: oracle, environments: {}}}',
            "databases.mydb.type: unknown database type",
        ),
        (
            'storage: {dsn: "sqlite:///x"}\nenvironment_order: staging',
            "environment_order: expected",
        ),
        ("- just\n- a list", "expected a mapping"),
        ('storage: {dsn: "unterminated', "malformed YAML at line 1"),
    ],
)
def test_malformed_config_names_the_key(tmp_path, body, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(write_config(tmp_path, body), None)


def test_passwords_never_appear_in_repr_str_or_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_DSN", f"mydb:{PASSWORD}@tcp(staging.internal:3306)/")
    config = write_config(
        tmp_path,
        f"""
        storage: {{dsn: "schemabot:{PASSWORD}@tcp(db.internal:3306)/schemabot"}}
        databases:
          mydb:
            environments:
              staging: {{dsn: "env:STAGING_DSN"}}
        """,
    )
    settings = load_settings(config, None)
    target = settings.targets.resolve("mydb", "staging")
    assert make_url(settings.storage_url).password == PASSWORD == make_url(target.url).password
    for text in (repr(settings), str(settings), repr(target), str(target),
                 repr(settings.targets), settings.storage_display):  # fmt: skip
        assert PASSWORD not in text
        assert "p%40ss" not in text
    assert "***" in settings.storage_display
    bad = write_config(
        tmp_path, f'storage: {{dsn: "schemabot:{PASSWORD}@tcp(db:3306)/sb?bogus=1"}}'
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(bad, None)
    assert PASSWORD not in str(caught.value) and "bogus" in str(caught.value)
    malformed = write_config(tmp_path, f'storage:\n  dsn: "u:{PASSWORD}@tcp(h)/d\n  x: [')
    with pytest.raises(ConfigError) as caught:
        load_settings(malformed, None)
    assert PASSWORD not in str(caught.value)


def test_postgres_dsn_is_neither_parsed_nor_resolved(tmp_path, monkeypatch):
    monkeypatch.delenv("REPORTS_DSN", raising=False)
    config = """
storage: {dsn: "sqlite:///x.db"}
databases:
  reports:
    type: postgres
    environments:
      staging: {dsn: "host=pg.internal port=5432 dbname=reports"}
      production: {dsn: "env:REPORTS_DSN"}
"""
    settings = load_settings(write_config(tmp_path, config), None)
    for environment in ("staging", "production"):
        target = settings.targets.resolve("reports", environment)
        assert target.url is None
        assert "postgres" in target.unsupported_reason
