"""SchemaBot's error-severity lint rules (spec §8); their messages become ``unsafe_reason``."""

from __future__ import annotations

from services.planner.model import Table

PK_ALLOWED_TYPES = ("bigint", "binary", "varbinary")


def lint_table(statements: list[str], current: Table | None, desired: Table | None) -> str | None:
    """Error-severity violations of one table's statements, joined with ``"; "``."""
    messages: list[str] = []
    for statement in statements:
        if statement.startswith("DROP TABLE"):
            messages.append(f"unsafe: {statement}")
    return "; ".join(sorted(messages)) or None
