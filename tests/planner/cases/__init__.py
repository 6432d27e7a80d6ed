"""Planner case tables: current CREATE TABLE texts -> desired files -> exact expected plan."""

from __future__ import annotations

from . import charsets, columns, defaults, edges, fidelity, indexes, keys, noop, options, tables
from .model import Case, Stmt, table_name

ALL_CASES: tuple[Case, ...] = tuple(
    columns.CASES
    + defaults.CASES
    + charsets.CASES
    + indexes.CASES
    + keys.CASES
    + options.CASES
    + tables.CASES
    + noop.CASES
    + edges.CASES
    + fidelity.CASES
)

__all__ = [
    "ALL_CASES",
    "Case",
    "Stmt",
    "table_name",
]
