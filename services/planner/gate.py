"""The sqlglot grammar gate run ahead in a second process, for plans that parse many files.

The gate (``dialect.validate_create``) costs about a millisecond per desired table, as much as
the rest of its parse, and the parse loop is one thread under the GIL. With enough statements
to validate (``MIN_STATEMENTS``), the parse loop starts ``Prefetch`` (``python -c`` on this
module; the first plan on a machine starts it before reading the live schema:
``parse.gate_started_early``), pre-passes its desired statements, and streams the synthetic
``CREATE TABLE t (...)`` statements its gate will run (``parse.gate_statement``, as if every
earlier one is accepted) as it makes them; the child validates them in that order and streams
back one verdict each, while this process parses the live tables: it takes a desired statement
as soon as the child has answered its gate (in their order), and a live one from the front
while it has not (``parse._parse_order``).

A verdict is used only for the **identical** statement text the parse loop is about to run,
so the answer is the one sqlglot would give here (same interpreter, same modules, same logging
level): the child can only save time, never change a result. When the loop has no live table
left and needs a statement the child was sent but has not answered yet, it waits for the
answer while the child keeps answering (``Prefetch.verdict``): validating it here would first
import sqlglot, 0.1-0.25 s. What the child answered with an error other than a refusal, and
everything once it stalled, failed to start or died, is validated here as before.

Whenever no statement waits to be validated, the child also parses statements **without the
gate**, from the end of each part of the parse loop's order (``parse_ahead``), skipping those
the loop has taken (one byte per position in a memory file both processes map), and
streams back each result as the persistent cache's entry document
(``disk_cache.encode_entry``, under the statement's key, which the child computes from the
statement itself). When the loop reaches a statement the child has parsed, it decodes that
entry the way it verifies a cache entry (the key it names, the model's types;
``disk_cache.decode_entry``) instead of parsing, and stores the same bytes in its pack. The
same code parsed the same text, so the model is the one this process would build; a statement
that needs the gate still runs it here first, on this process's own pre-pass, and only the
model building is taken from the child. Anything that does not decode is parsed here.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import json
import logging
import mmap
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

from services.planner.disk_cache import Refusal, Unchanged, decode_entry, encode_entry

if TYPE_CHECKING:
    from services.planner.model import Table
    from services.planner.parse import Item

# Below this many statements to validate, starting a process (and importing sqlglot there) costs
# more than it saves (measured: 100 tables 0.58 s without the child, 0.68 s with it; 200 tables
# 0.87 s without, 0.69 s with).
MIN_STATEMENTS = 150
_ACCEPTED = "ok"
_REFUSED = "refused"
_UNANSWERED = "unanswered"  # the child's gate raised something other than a refusal
_READY = b'"ready"'  # the child's first line: it has imported sqlglot and the parser
# How long the parse loop waits for the child's next answer before it validates a statement
# itself. Validating here first imports sqlglot (0.1-0.25 s), as the child does before it is
# ready; after that, verdicts arrive every millisecond or so. So a child that keeps answering
# is always waited for, and one that stalls (or hangs without closing its pipe) costs this once.
STARTUP_SECONDS = 5.0
STALL_SECONDS = 0.25
_ENTRY_START = b'{"key":"'  # an encoded entry's first bytes (``disk_cache.encode_entry``)
_READ_SIZE = 1 << 20
_PIPE_SIZE = 1 << 20  # the child's answers: it need not wait for this process to read them
_LOGGER = "sqlglot"  # its warnings refuse a statement: the child logs them as this process would


class Prefetch:
    """Verdicts of a child process on the statements the parse loop will run, as they arrive."""

    def __init__(self, process: subprocess.Popen[bytes], taken: _Taken) -> None:
        self._process = process
        self._taken = taken
        self._verdicts: dict[str, tuple[str, str]] = {}
        self._sent: set[str] = set()  # statements the child was asked to validate
        self._answered = threading.Condition()  # a verdict arrived, or the reader ended
        self._listening = True  # the reader still reads the child's answers
        self._ready = False  # the child has imported what it runs
        self._stalled = False  # the child once let the parse loop wait ``STALL_SECONDS``
        self._entries: dict[str, bytes] = {}  # statement key (hex) -> encoded entry
        self._writer: threading.Thread | None = None
        self._lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
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
            taken = _Taken.create(2 * statements)  # desired statements and their live tables
        except (OSError, ValueError):
            return None
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from services.planner.gate import main; main()",
                    str(taken.descriptor),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=environment,
                pass_fds=(taken.descriptor,),
            )
        except (OSError, ValueError):  # ValueError: no pass_fds on this platform
            taken.close()
            return None
        if hasattr(fcntl, "F_SETPIPE_SZ") and process.stdout is not None:  # Linux
            with contextlib.suppress(OSError):
                fcntl.fcntl(process.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
        return cls(process, taken)

    def take(self, position: int) -> None:
        """The parse loop works on the item at ``position`` of its order now (in any order):
        the child skips it unless it has started it already."""
        self._taken.set(position)

    def parse_ahead(self, parses: Sequence[tuple[int, Item]]) -> None:
        """The items the child parses without the gate, each with its position in the parse
        loop's order, in the order the child should take them (sent first: the child starts
        on them while this process pre-passes). It skips those the loop has taken."""
        self._queue_line(
            {
                "level": logging.getLogger(_LOGGER).getEffectiveLevel(),
                "disable": logging.root.manager.disable,
                "parses": [
                    [sql, f.value, validate, level.value, position]
                    for position, (sql, f, validate, level) in parses
                ],
            }
        )

    def send(self, statements: list[str]) -> None:
        """The statements to validate, in the order the parse loop will need them; no more."""
        for statement in statements:
            self.gate(statement)
        self.end()

    def gate(self, statement: str) -> None:
        """One more statement to validate (the child runs it before any parse it has not
        started yet): sent as soon as the pre-pass made it."""
        if self._writer is None:
            self.parse_ahead(())
        self._sent.add(statement)
        self._lines.put(json.dumps(statement).encode() + b"\n")

    def end(self) -> None:
        """No more statements: the child validates what it has, then parses the rest."""
        if self._writer is None:
            self.parse_ahead(())
        self._lines.put(None)

    def _queue_line(self, document: dict[str, object]) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, daemon=True)
            self._writer.start()
        self._lines.put(json.dumps(document).encode() + b"\n")

    def _write(self) -> None:
        # Every line queued by the time this thread holds the GIL, in one write.
        stdin = self._process.stdin
        assert stdin is not None
        lines = self._lines
        ended = False
        while not ended:
            batch = [lines.get()]
            with contextlib.suppress(queue.Empty):
                while batch[-1] is not None:
                    batch.append(lines.get_nowait())
            ended = batch[-1] is None
            try:
                stdin.write(b"".join(line for line in batch if line is not None))
                stdin.flush()
            except (OSError, ValueError):
                break
        with contextlib.suppress(OSError, ValueError):
            stdin.close()

    def _read(self) -> None:
        # Whatever the pipe holds at once, in one read: this thread waits for the GIL (up to
        # the switch interval) each time it wakes, so reading a line at a time would let the
        # parse loop outrun the child's answers.
        stdout = self._process.stdout
        assert stdout is not None
        descriptor = stdout.fileno()
        pending = b""
        try:
            with contextlib.suppress(OSError, ValueError):
                while chunk := os.read(descriptor, _READ_SIZE):
                    lines = (pending + chunk).split(b"\n")
                    pending = lines.pop()
                    for line in lines:
                        if not self._take(line):
                            return  # not our protocol: stop listening, validate here
        finally:
            with self._answered:
                self._listening = False
                self._answered.notify_all()

    def _take(self, line: bytes) -> bool:
        if line.startswith(_ENTRY_START):  # an entry: verified when it is used
            self._entries[line[len(_ENTRY_START) : len(_ENTRY_START) + 64].decode()] = line
            return True
        if line == _READY:
            with self._answered:
                self._ready = True
                self._answered.notify_all()
            return True
        try:
            statement, kind, message = json.loads(line)
        except (ValueError, TypeError):
            return False
        if type(statement) is str and kind in (_ACCEPTED, _REFUSED, _UNANSWERED):
            with self._answered:
                self._verdicts[statement] = (kind, str(message))
                self._answered.notify_all()
        return True

    def verdict(self, statement: str) -> str | None:
        """``""`` if the child accepted exactly ``statement``, the refusal message if it
        refused it, ``None`` if it has no answer.

        For a statement the child was sent, this waits for its answer while the child keeps
        answering (validating it here instead would first import sqlglot); a child silent for
        ``STALL_SECONDS`` (``STARTUP_SECONDS`` before it is ready), or gone, is not waited for
        again.
        """
        found = self._verdicts.get(statement)
        if found is None and self.would_wait(statement):
            found = self._await(statement)
        if found is None or found[0] == _UNANSWERED:
            return None
        kind, message = found
        return "" if kind == _ACCEPTED else message

    def would_wait(self, statement: str) -> bool:
        """Whether ``verdict(statement)`` would wait for the child now: it was sent, is not
        answered yet, and the child is still answering."""
        return (
            statement not in self._verdicts
            and statement in self._sent
            and self._listening
            and not self._stalled
        )

    def _await(self, statement: str) -> tuple[str, str] | None:
        with self._answered:
            while not self._stalled and self._listening:
                found = self._verdicts.get(statement)
                if found is not None:
                    return found
                patience = STALL_SECONDS if self._ready else STARTUP_SECONDS
                if not self._answered.wait(patience):  # nothing arrived meanwhile
                    self._stalled = True
            return self._verdicts.get(statement)

    def built(self, key: bytes) -> tuple[Table | Refusal | None, bytes | None]:
        """The child's parse without the gate of the statement of ``key``, and its encoded
        entry, if the child has sent one that verifies; else ``(None, None)``."""
        key_hex = key.hex()
        raw = self._entries.pop(key_hex, None)
        if raw is None:
            return None, None
        entry = decode_entry(raw, key_hex)
        if entry is None or isinstance(entry, Unchanged):
            return None, None
        return entry, raw

    def close(self) -> None:
        """Stop the child (it may still be working on statements nobody needs now)."""
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        if self._writer is not None:
            self._lines.put(None)  # a writer still waiting for ``send`` ends
            self._writer.join()
        self._reader.join()
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        self._taken.close()


class _Taken:
    """One byte per position of the parse loop's order, shared with the child (a memory file
    both map): set when the loop takes that item. Positions past its size are never marked, so
    the child parses them regardless (at worst twice, never wrongly)."""

    def __init__(self, descriptor: int) -> None:
        self.descriptor = descriptor
        self.size = os.fstat(descriptor).st_size
        self._map = mmap.mmap(descriptor, self.size)

    @classmethod
    def create(cls, size: int) -> _Taken:
        if hasattr(os, "memfd_create"):
            descriptor = os.memfd_create("redrive-planner-taken")
        else:  # not Linux: an unlinked temporary file does the same
            handle, name = tempfile.mkstemp(prefix="redrive-planner-")
            os.unlink(name)
            descriptor = handle
        try:
            os.ftruncate(descriptor, max(size, 1))  # zero bytes: nothing taken
            return cls(descriptor)
        except (OSError, ValueError):
            os.close(descriptor)
            raise

    def set(self, position: int) -> None:
        if 0 <= position < self.size:
            self._map[position] = 1

    def __contains__(self, position: int) -> bool:
        return 0 <= position < self.size and self._map[position] != 0

    def close(self) -> None:
        self._map.close()
        with contextlib.suppress(OSError):
            os.close(self.descriptor)


def main() -> None:
    """The child: validate each statement as it arrives (after the first line), in order, one
    verdict per line; parse the items of the first line, in order, whenever no statement
    waits; exit when both are done (or the parent stopped listening)."""
    # Imported before the first line arrives: the parent may start this child early.
    import services.planner.dialect
    import services.planner.parse  # noqa: F401

    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    out = sys.stdout.buffer
    try:
        out.write(_READY + b"\n")
        out.flush()
    except OSError:
        return  # the parent stopped listening
    stdin = sys.stdin.buffer
    header = json.loads(stdin.readline())
    logging.getLogger(_LOGGER).setLevel(header["level"])
    logging.disable(header["disable"])
    parses = header["parses"]
    statements: collections.deque[str] = collections.deque()
    arrived = threading.Condition()
    ended = False

    def read_statements() -> None:
        nonlocal ended
        descriptor = stdin.fileno()
        pending = stdin.read1() if stdin.peek() else b""  # what the header's read buffered
        try:
            while True:
                lines = pending.split(b"\n")
                pending = lines.pop()
                found = [json.loads(line) for line in lines]
                with arrived:
                    statements.extend(text for text in found if type(text) is str)
                    arrived.notify()
                chunk = os.read(descriptor, _READ_SIZE)
                if not chunk:
                    break
                pending += chunk
        except (ValueError, OSError):
            pass  # not our protocol or closed: validate what arrived
        with arrived:
            ended = True
            arrived.notify()

    threading.Thread(target=read_statements, daemon=True).start()
    taken = _Taken(int(sys.argv[1]))
    done = 0
    try:
        while True:
            with arrived:
                while not statements and done >= len(parses) and not ended:
                    arrived.wait()
                statement = statements.popleft() if statements else None
                if statement is None and done >= len(parses):
                    return
            if statement is not None:
                _validate_and_send(statement, out)
            else:
                item = parses[done]
                done += 1
                if item[4] not in taken:  # the parse loop has not taken it yet
                    _parse_and_send(item, out)
    except OSError:
        return  # the parent stopped listening


def _validate_and_send(statement: str, out: BinaryIO) -> None:
    from services.planner.dialect import validate_create

    try:
        validate_create(statement)
    except ValueError as exc:
        verdict = [statement, _REFUSED, str(exc)]
    except Exception:  # not a refusal: the parse loop runs it itself and raises what it raises
        verdict = [statement, _UNANSWERED, ""]
    else:
        verdict = [statement, _ACCEPTED, ""]
    out.write(json.dumps(verdict).encode() + b"\n")
    out.flush()


def _parse_and_send(item: list, out: BinaryIO) -> None:
    from services.planner.api import Flavour
    from services.planner.parse import parse_ungated, statement_key
    from services.planner.spirit_level import SpiritLevel

    sql, flavour_name, validate, level_name, _ = item
    flavour, level = Flavour(flavour_name), SpiritLevel(level_name)
    try:
        entry = parse_ungated(sql, flavour, level)
    except Exception:
        return  # not a verdict: the parse loop runs it itself
    key = statement_key((sql, flavour, bool(validate), level))
    out.write(encode_entry(key.hex(), entry) + b"\n")
    out.flush()
