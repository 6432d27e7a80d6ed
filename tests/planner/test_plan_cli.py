"""``redrive-console plan``: folder layouts, text and JSON output, exit codes (issue 3 item 6)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.cli import main


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    desired = tmp_path / "desired"
    current = tmp_path / "current"
    write(desired / "shop", {"users.sql": "CREATE TABLE users (id bigint, email varchar(200));"})
    write(desired / "shop", {"items.sql": "CREATE TABLE items (id bigint PRIMARY KEY);"})
    write(current / "shop", {"users.sql": "CREATE TABLE `users` (`id` bigint, `old` int)"})
    return desired, current


def test_json_output(layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    desired, current = layout
    code = main(["plan", "--schema-dir", str(desired), "--current-dir", str(current), "--json"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload == {
        "changes": [
            {
                "namespace": "shop",
                "table": "items",
                "operation": "create",
                "ddl": "CREATE TABLE items (id bigint PRIMARY KEY);",
                "is_unsafe": False,
                "unsafe_reason": "",
            },
            {
                "namespace": "shop",
                "table": "users",
                "operation": "alter",
                "ddl": "ALTER TABLE `users` DROP COLUMN `old`,"
                " ADD COLUMN `email` varchar(200) NULL;",
                "is_unsafe": True,
                "unsafe_reason": 'Unsafe operation detected: "DROP COLUMN `old`"',
            },
        ],
        "no_changes": False,
    }


def test_text_output(layout: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    desired, current = layout
    assert main(["plan", "--schema-dir", str(desired), "--current-dir", str(current)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Schema change plan",
        "",
        "  namespace shop",
        "    + CREATE items",
        "      CREATE TABLE items (id bigint PRIMARY KEY);",
        "    ~ ALTER users",
        "      ALTER TABLE `users` DROP COLUMN `old`, ADD COLUMN `email` varchar(200) NULL;",
        "",
        "Unsafe changes (applying them needs --allow-unsafe):",
        '  shop.users: Unsafe operation detected: "DROP COLUMN `old`"',
        "",
        "Plan: 1 to create, 1 to alter, 0 to drop.",
    ]


def test_flat_folder_with_namespace_and_no_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desired = write(tmp_path / "flat", {"t.sql": "CREATE TABLE t (id bigint)"})
    current = write(tmp_path / "cur", {"t.sql": "CREATE TABLE `t` (`id` bigint(20) DEFAULT NULL)"})
    argv = ["plan", "--schema-dir", str(desired), "--current-dir", str(current), "--json"]
    assert main([*argv, "--namespace", "billing"]) == 0
    assert json.loads(capsys.readouterr().out) == {"changes": [], "no_changes": True}
    assert main(argv[:-1]) == 0
    assert "No schema changes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "files",
    [
        {"a.sql": "CREATE TABLE a (id int); CREATE TABLE b (id int);"},
        {"a.sql": "DROP TABLE a"},
        {"a.sql": "CREATE TABLE a (id int"},
    ],
)
def test_bad_schema_exits_2_with_one_line(
    tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    desired = write(tmp_path / "d" / "ns", files)
    current = write(tmp_path / "c" / "ns", {})
    code = main(["plan", "--schema-dir", str(desired.parent), "--current-dir", str(current.parent)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("plan: ns/a.sql: ") and err.count("\n") == 1


def test_bad_folders_and_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--schema-dir", str(tmp_path / "nope"), "--current-dir", "."]) == 2
    mixed = write(tmp_path / "mixed", {"a.sql": "CREATE TABLE a (id int)"})
    write(mixed / "ns", {"b.sql": "CREATE TABLE b (id int)"})
    assert main(["plan", "--schema-dir", str(mixed), "--current-dir", str(tmp_path)]) == 2
    assert main(["plan", "--schema-dir", str(mixed / "ns"), "--target-url", "::nope::"]) == 2
    assert main(["plan", "--schema-dir", str(mixed)]) == 2  # neither target given
    assert "mixes" in capsys.readouterr().err


def test_the_schema_folder_is_read_by_name_and_kind(tmp_path: Path) -> None:
    """A flat folder gives its ``*.sql`` files (not a dot file, another suffix or a folder);
    a folder of namespaces gives every file of each visible sub-folder, in name order."""
    from app.commands.plan import read_schema_dir

    flat = write(tmp_path / "flat", {"b.sql": "B", "a.sql": "A", ".sql": "x", "notes.txt": "x"})
    (flat / "dir.sql").mkdir()
    (flat / ".git").mkdir()
    assert list(read_schema_dir(flat, None)["flat"].items()) == [("a.sql", "A"), ("b.sql", "B")]
    nested = tmp_path / "nested"
    write(nested / "two", {"z.sql": "Z", "y.txt": "Y"})
    write(nested / "one", {"x.sql": "X"})
    write(nested / ".hidden", {"h.sql": "H"})
    schema = read_schema_dir(nested, None)
    assert list(schema) == ["one", "two"]
    assert list(schema["two"].items()) == [("y.txt", "Y"), ("z.sql", "Z")]
    assert read_schema_dir(nested, "one") == {"one": {"x.sql": "X"}}


def test_live_target_plans_the_schema_of_the_same_name(
    tmp_path: Path,
    mysql_engine: Engine,
    mysql_database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with mysql_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))"))
    url = make_url(mysql_database_url)
    desired = write(
        tmp_path / url.database, {"t.sql": "CREATE TABLE t (id bigint PRIMARY KEY, n int)"}
    )
    server = url.set(database=None, password="pw-never-printed")
    code = main(
        [
            "plan",
            "--schema-dir",
            str(desired),
            "--target-url",
            str(url.set(database=None)),
            "--json",
        ]
    )
    assert code == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert [c["ddl"] for c in changes] == ["ALTER TABLE `t` ADD COLUMN `n` int NULL;"]
    assert changes[0]["namespace"] == url.database
    bad = server.render_as_string(hide_password=False)
    assert main(["plan", "--schema-dir", str(desired), "--target-url", bad]) == 2
    assert "pw-never-printed" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        # 2026-07 prints the CHECK as written; 2026-08 keeps only the needed parentheses
        # and spells the function the way MySQL stores it.
        (
            "2026-07",
            "ALTER TABLE `t` ADD CONSTRAINT `c` CHECK ((`a`>0) AND (LCASE(`b`)!=''));",
        ),
        ("2026-08", "ALTER TABLE `t` ADD CONSTRAINT `c` CHECK (`a`>0 AND LOWER(`b`)!='');"),
    ],
)
def test_spirit_compat_chooses_the_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], level: str, expected: str
) -> None:
    table = "CREATE TABLE t (id bigint NOT NULL, a int, b varchar(5), PRIMARY KEY (id)"
    desired = write(
        tmp_path / "desired" / "ns",
        {"t.sql": table + ", CONSTRAINT c CHECK ((a > 0) AND (LCASE(b) <> '')))"},
    )
    current = write(tmp_path / "current" / "ns", {"t.sql": table + ")"})
    args = ["plan", "--schema-dir", str(desired.parent), "--current-dir", str(current.parent)]
    code = main([*args, "--spirit-compat", level, "--json"])
    assert code == 0
    assert [c["ddl"] for c in json.loads(capsys.readouterr().out)["changes"]] == [expected]


def test_spirit_compat_defaults_to_august_and_refuses_unknown_levels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = "CREATE TABLE t (id bigint NOT NULL, c varchar(5), PRIMARY KEY (id)"
    desired = write(tmp_path / "d" / "ns", {"t.sql": table + ", CHECK ((CEIL(id) > 0)))"})
    current = write(tmp_path / "c" / "ns", {"t.sql": table + ")"})
    args = ["plan", "--schema-dir", str(desired.parent), "--current-dir", str(current.parent)]
    assert main([*args, "--json"]) == 0
    ddl = json.loads(capsys.readouterr().out)["changes"][0]["ddl"]
    assert ddl == "ALTER TABLE `t` ADD CHECK (CEILING(`id`)>0);"
    assert main([*args, "--spirit-compat", "2026-09"]) == 2
    assert "invalid choice: '2026-09'" in capsys.readouterr().err
