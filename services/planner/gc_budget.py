"""Fewer garbage collections while planning: parsing allocates many small, long-lived objects.

CPython starts a young-generation collection every 700 net allocations, and every few of those
walk the older generations too, so parsing thousands of tables spends a large share of its time
re-scanning models that stay alive anyway. ``freeze_imports`` moves everything loaded so far
(modules, classes) out of the collector's sight for good; ``planning_collections`` raises the
young threshold for the duration of a plan and restores it after (nesting and threads share one
count). Cycles are still collected, just in larger, rarer batches.

A process that ends once its command is done (``keep_planning_threshold``) does not restore
it: the first allocation after the restore would collect the young generation, which then
holds nearly everything the plan built (the count it is sized by drops whenever an older object
is freed), for nothing: 44 ms after a 1,000-table plan, with no object freed, just before the
process ends without freeing anything.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

PLANNING_GEN0_THRESHOLD = 50_000

_lock = Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None
_kept = False  # this process keeps the planning threshold after its plans


def freeze_imports() -> None:
    """Exempt every object alive now (what the imports built) from future collections."""
    gc.collect()
    gc.freeze()


def keep_planning_threshold() -> None:
    """This process ends after its command: from its first plan on, the raised threshold stays."""
    global _kept
    _kept = True


@contextmanager
def planning_collections() -> Iterator[None]:
    """A higher young-generation threshold while the body runs."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(PLANNING_GEN0_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None and not _kept:
                gc.set_threshold(*_saved)
