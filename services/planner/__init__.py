"""Re-planning a desired schema against a current one, in SchemaBot/Spirit's DDL format.

The public names load on first use (PEP 562), so importing a light submodule such as
``services.planner.disk_cache`` to switch the cache off does not load sqlglot and the parser:
the console's first paint stays free of the planner.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.planner.api import Flavour, PlannerError, PlanResult, SchemaSource
    from services.planner.canonical import canonical_statement, statements_equivalent
    from services.planner.parse import PLANNER_VERSION
    from services.planner.plan import plan_schema
    from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel, level_for_generation

_HOME = {
    "DEFAULT_LEVEL": "spirit_level",
    "PLANNER_VERSION": "parse",
    "Flavour": "api",
    "PlanResult": "api",
    "PlannerError": "api",
    "SchemaSource": "api",
    "SpiritLevel": "spirit_level",
    "canonical_statement": "canonical",
    "level_for_generation": "spirit_level",
    "plan_schema": "plan",
    "statements_equivalent": "canonical",
}

__all__ = [
    "DEFAULT_LEVEL",
    "PLANNER_VERSION",
    "Flavour",
    "PlanResult",
    "PlannerError",
    "SchemaSource",
    "SpiritLevel",
    "canonical_statement",
    "level_for_generation",
    "plan_schema",
    "statements_equivalent",
]


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` on first access, then cache the name here."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
