"""SchemaBot's G2 PostgreSQL tables, as upstream declares them, for ``storage init``.

PostgreSQL storage exists only in SchemaBot's later (G2) generation, so ``storage init`` on
PostgreSQL creates those tables from the SQL files shipped in ``ddl/postgres/`` (one per table,
each naming the upstream file and commit it follows) instead of the console's own G1 table
definitions.
"""

from __future__ import annotations

from importlib import resources

DDL_PACKAGE = "services.storage"
DDL_FOLDER = ("ddl", "postgres")


def table_files() -> list[tuple[str, str]]:
    """(table name, SQL text) of every shipped file, in table-name order."""
    folder = resources.files(DDL_PACKAGE).joinpath(*DDL_FOLDER)
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def statements(sql: str) -> list[str]:
    """The statements of one file: comment lines dropped, split on ``;``."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
