"""The console's bytecode as an installed wheel has it, for the benches that time new processes.

This checkout is an editable install, and ``PYTHONDONTWRITEBYTECODE`` may be set (it is on the
development machines): without compiling first, every timed child would compile the console's
sources again, which an installed console never does, while its dependencies come compiled.
"""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_console() -> None:
    """Byte-compile ``app``, ``screens`` and ``services`` (a no-op where it is current), as pip
    does when it installs a wheel."""
    for package in ("app", "screens", "services"):
        if not compileall.compile_dir(ROOT / package, quiet=1):
            raise SystemExit(f"could not compile {package} to bytecode")
