"""A pause of Python's cyclic garbage collector around bursts of acyclic allocations.

Reading and comparing a big apply allocates tens of thousands of rows, dataclasses, tuples and
dicts, none of them in a reference cycle. Each burst of allocations otherwise starts
collections that walk the whole heap, and the heap of a console that has loaded the planner is
large: such a pass cost a third of a 20,000-task comparison. Reference counting still frees
everything; the collector resumes, if it ran, when the block ends (usable as a decorator).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the previous setting comes back after it."""
    was_running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_running:
            gc.enable()
