"""The operator's identity as SchemaBot's CLI writes it: ``cli:<os-user>@<hostname>``.

Either part is ``unknown`` when its lookup fails, so the caller is never empty.
"""

from __future__ import annotations

import getpass
import socket

UNKNOWN = "unknown"


def default_operator() -> str:
    """``cli:<user>@<host>`` for the current process."""
    return f"cli:{_os_user()}@{_hostname()}"


def _os_user() -> str:
    try:
        return getpass.getuser().strip() or UNKNOWN
    except (OSError, KeyError, ImportError):
        return UNKNOWN


def _hostname() -> str:
    try:
        return socket.gethostname().strip() or UNKNOWN
    except OSError:
        return UNKNOWN
