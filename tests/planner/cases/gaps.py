"""Known planner gaps: cases the planner does not meet yet, each with the spec rule it breaks.

Keyed by (case id, flavour). The case tests report them as strict xfail, so a fix shows up as
an unexpected pass and the entry must then be removed. Keep this list short and honest.
"""

from __future__ import annotations

from services.planner.api import Flavour

KNOWN_PLANNER_GAPS: dict[tuple[str, Flavour], str] = {}

# Reverse-direction convergence (plan from desired back to current) that cannot hold yet.
KNOWN_REVERSE_GAPS: dict[str, str] = {}
