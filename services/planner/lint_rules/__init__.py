"""Spirit's error-capable lint rules, re-implemented over the planner's table model.

An error from any of them marks the change unsafe.

Each rule module exposes ``NAME`` (Spirit's linter name, which orders the messages) and
``lint(view) -> list[Violation]`` in Spirit's emission order. ``rename_column`` is absent on
purpose: the declarative differ never emits ``CHANGE COLUMN`` or ``RENAME COLUMN``.
"""

from __future__ import annotations

from services.planner.lint_rules import (
    auto_inc_capacity,
    has_timestamp,
    invisible_index,
    primary_key,
    unsafe,
)
from services.planner.lint_rules.view import Severity, TableView, Violation

RULES = (auto_inc_capacity, has_timestamp, invisible_index, primary_key, unsafe)

__all__ = ["RULES", "Severity", "TableView", "Violation"]
