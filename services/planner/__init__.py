"""Re-planning a desired schema against a current one, in SchemaBot/Spirit's DDL format."""

from services.planner.api import Flavour, PlannerError, PlanResult, SchemaSource
from services.planner.canonical import canonical_statement, statements_equivalent
from services.planner.parse import PLANNER_VERSION
from services.planner.plan import plan_schema
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel, level_for_generation

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
