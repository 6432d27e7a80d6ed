"""Canonical comparison of two DDL statements for the same table (spec §3.2)."""

from __future__ import annotations

from services.planner.api import Flavour, PlannerError


def canonical_statement(ddl: str, flavour: Flavour) -> str:
    """A formatting-independent form of one DDL statement; raises ``PlannerError``."""
    text = " ".join(ddl.split()).rstrip(";").strip()
    if not text:
        raise PlannerError("empty statement")
    return text


def statements_equivalent(a: str, b: str, flavour: Flavour) -> bool:
    """True when ``a`` and ``b`` make the same change; False when either cannot be read."""
    try:
        return canonical_statement(a, flavour) == canonical_statement(b, flavour)
    except PlannerError:
        return False
