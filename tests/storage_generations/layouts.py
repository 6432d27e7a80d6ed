"""Build a SchemaBot storage of one generation and dialect from the DDL files next to this.

``ddl/<layout>/<table>.sql`` were written from upstream SchemaBot's own schema files (each names
its source file and commit); a storage is those statements run in a fresh database.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

DDL_ROOT = Path(__file__).parent / "ddl"
LAYOUTS = ("g1_mysql", "g2_mysql", "g2_postgres")


def statements(layout: str) -> list[str]:
    """Every DDL statement of a layout, comment lines removed, in table-name order."""
    found: list[str] = []
    for path in sorted((DDL_ROOT / layout).glob("*.sql")):
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("--")]
        found += [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
    return found


def tables(layout: str) -> list[str]:
    """The table names of a layout (one file per table)."""
    return sorted(p.stem for p in (DDL_ROOT / layout).glob("*.sql"))


def build(url: str, layout: str) -> str:
    """Create the layout's tables in the (empty) database at ``url``; return ``url``."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements(layout):
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
    return url
