"""``--no-cache`` of plan, review and redrive, and the ``redrive_console.planner_cache`` setting.

Both switch off the persistent planner cache (``services.planner.disk_cache``) for one run:
nothing is read from it or written to it, every statement is parsed.
"""

from __future__ import annotations

import argparse
import sys


def add_no_cache_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the planner cache in $XDG_CACHE_HOME/redrive-console",
    )


def apply_cache_option(args: argparse.Namespace, setting: bool = True) -> None:
    """The cache is on unless ``--no-cache`` was given or the setting (``setting``) is false.

    The cache starts enabled when it is first imported, so turning it on needs no import
    while it is not loaded yet: the console's first paint does not load the planner's model.
    """
    enabled = setting and not getattr(args, "no_cache", False)
    if enabled and "services.planner.disk_cache" not in sys.modules:
        return
    from services.planner import disk_cache

    disk_cache.configure(enabled=enabled)
