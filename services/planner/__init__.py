"""Re-planning a desired schema against a current one, in SchemaBot/Spirit's DDL format."""

from services.planner.api import Flavour, PlannerError, PlanResult, SchemaSource
from services.planner.canonical import canonical_statement, statements_equivalent
from services.planner.parse import PLANNER_VERSION
from services.planner.plan import plan_schema

__all__ = [
    "PLANNER_VERSION",
    "Flavour",
    "PlanResult",
    "PlannerError",
    "SchemaSource",
    "canonical_statement",
    "plan_schema",
    "statements_equivalent",
]
