"""How fast this machine runs pure Python at the moment, printed with a bench's table.

The bench machines are VMs whose speed moves by 2-3x within an hour, and a floor is mostly the
server's time while a plan is mostly the interpreter's, so their ratio moves with it. A number
only the interpreter's speed moves (measured before and after the run) tells two runs apart.
"""

from __future__ import annotations

import time

ADDITIONS = 1_000_000


def probe() -> float:
    """Seconds for ``ADDITIONS`` integer additions in a Python loop (best of three)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(ADDITIONS):
            total += number
        best = min(best, time.perf_counter() - started)
    return best


def describe(before: float, after: float) -> str:
    """The probe's two results as one sentence of a bench's header."""
    return (
        f"Pure-Python speed probe ({ADDITIONS:,} integer additions, best of 3):"
        f" {before * 1000:.0f} ms before, {after * 1000:.0f} ms after."
    )
