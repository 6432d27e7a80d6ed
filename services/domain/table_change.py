"""One planned statement for one table: what the planner returns and ``plans.ddl_changes`` holds.

Its own module so the planner's processes (``plan``, the grammar gate's child) do not build the
storage row classes of ``services.domain.models`` (every dataclass compiles its methods at
import: the 16 there cost 25-30 ms of each plan's start on the bench machine).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TableChange:
    """One planned statement for one table (an element of ``plans.ddl_changes``)."""

    table: str
    ddl: str
    operation: str
    namespace: str = ""
    is_unsafe: bool = False
    unsafe_reason: str = ""
