"""The sqlglot grammar gate run ahead in a second process, for plans that parse many files.

The gate (``dialect.validate_create``) costs about a millisecond per desired table, as much as
the rest of its parse, and the parse loop is one thread under the GIL. With enough statements
to validate (``MIN_STATEMENTS``), the parse loop starts ``Prefetch`` (``python -c`` on this
module), pre-passes its desired statements, and sends the synthetic ``CREATE TABLE t (...)``
statements its gate will run (``parse.gate_statement``, as if every earlier one is accepted);
the child validates them in that order and streams back one verdict each, while this process
parses the live tables.

A verdict is used only for the **identical** statement text the parse loop is about to run,
so the answer is the one sqlglot would give here (same interpreter, same modules, same logging
level): the child can only save time, never change a result. Whatever it has not answered yet,
answered with an error other than a refusal, or if it failed to start or died, is validated
here as before.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import subprocess
import sys
import threading

# Below this many statements to validate, starting a process (and importing sqlglot there) costs
# more than it saves (measured: 100 tables 0.58 s without the child, 0.68 s with it; 200 tables
# 0.87 s without, 0.69 s with).
MIN_STATEMENTS = 150
_ACCEPTED = "ok"
_REFUSED = "refused"
_LOGGER = "sqlglot"  # its warnings refuse a statement: the child logs them as this process would


class Prefetch:
    """Verdicts of a child process on the statements the parse loop will run, as they arrive."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._verdicts: dict[str, tuple[str, str]] = {}
        self._writer: threading.Thread | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, statements: int) -> Prefetch | None:
        """A child ready to validate, when the parse loop has ``statements`` to validate (at
        least ``MIN_STATEMENTS``); ``None`` when too few or it cannot be started."""
        if statements < MIN_STATEMENTS:
            return None
        # The child imports what this process imports ("" on sys.path is the current folder).
        path = os.pathsep.join(entry or os.getcwd() for entry in sys.path)
        environment = {**os.environ, "PYTHONPATH": path}
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", "from services.planner.gate import main; main()"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=environment,
            )
        except OSError:
            return None
        return cls(process)

    def send(self, statements: list[str]) -> None:
        """The statements to validate, in the order the parse loop will need them."""
        self._writer = threading.Thread(target=self._write, args=(statements,), daemon=True)
        self._writer.start()

    def _write(self, statements: list[str]) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        document = {
            "level": logging.getLogger(_LOGGER).getEffectiveLevel(),
            "disable": logging.root.manager.disable,
            "statements": statements,
        }
        with contextlib.suppress(OSError, ValueError):
            stdin.write(json.dumps(document).encode())
        with contextlib.suppress(OSError, ValueError):
            stdin.close()

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for line in stdout:
                try:
                    statement, kind, message = json.loads(line)
                except (ValueError, TypeError):
                    return  # not our protocol: stop listening, validate here
                if type(statement) is str and kind in (_ACCEPTED, _REFUSED):
                    self._verdicts[statement] = (kind, str(message))

    def verdict(self, statement: str) -> str | None:
        """``""`` if the child accepted exactly ``statement``, the refusal message if it
        refused it, ``None`` if it has no answer (yet)."""
        found = self._verdicts.get(statement)
        if found is None:
            return None
        kind, message = found
        return "" if kind == _ACCEPTED else message

    def close(self) -> None:
        """Stop the child (it may still be working on statements nobody needs now)."""
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        if self._writer is not None:
            self._writer.join()
        self._reader.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()


def main() -> None:
    """The child: validate each statement read from stdin, in order, one verdict per line."""
    from services.planner.dialect import validate_create  # while the parent pre-passes

    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    document = json.loads(sys.stdin.buffer.read())
    logging.getLogger(_LOGGER).setLevel(document["level"])
    logging.disable(document["disable"])
    out = sys.stdout
    for statement in document["statements"]:
        try:
            validate_create(statement)
        except ValueError as exc:
            verdict = [statement, _REFUSED, str(exc)]
        except Exception:
            continue  # not a refusal: the parse loop runs it itself and raises what it raises
        else:
            verdict = [statement, _ACCEPTED, ""]
        try:
            out.write(json.dumps(verdict) + "\n")
            out.flush()
        except OSError:
            return  # the parent stopped listening
