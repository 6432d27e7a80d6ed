"""The persistent planner cache: parsed models and parse verdicts kept between runs.

One file per statement under ``$XDG_CACHE_HOME/redrive-console/planner/`` (default
``~/.cache/redrive-console/planner/``), named by the statement's key (a SHA-256 of the text,
flavour, Spirit level, grammar gate and planner version). A file is a header line with the
SHA-256 of its payload, then the payload: JSON naming the format, the planner version, the
model signature, the sqlglot version and the key, and holding either the model (plain JSON
data, see ``model_codec``) or the refusal message. JSON instead of pickle: reading a file
someone else wrote can never run code; the typed decoder refuses any value the model cannot
hold. An entry that does not verify (truncated, corrupt, another version or key, not our
format) is a miss: the statement is parsed again and its entry rewritten.

Writes go to a temporary file in the same folder, then ``os.replace`` (readers see the old
entry or the new one, never half of one). The folder is bounded by size: when a run wrote
entries and the total exceeds the limit, the least recently used files (by mtime, refreshed
on every hit) are removed down to 80 % of it. Every failure of the disk is a miss, never an
error of the plan.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from services.planner.model import Table
from services.planner.model_codec import MODEL_SIGNATURE, decode_table, encode_table

FORMAT = "redrive-console planner cache 1"
_MAGIC = b"RCPC1 "
DEFAULT_LIMIT_BYTES = 256 * 1024 * 1024
_EVICT_TO = 0.8


@dataclass(frozen=True, slots=True)
class Refusal:
    """A cached parse verdict that refused the statement: the message and the table named."""

    message: str
    table: str


Entry = Table | Refusal


@dataclass(slots=True)
class _Settings:
    enabled: bool = True
    limit_bytes: int = DEFAULT_LIMIT_BYTES
    directory: Path | None = None  # None: from $XDG_CACHE_HOME at each use


_settings = _Settings()


def configure(
    *, enabled: bool | None = None, limit_bytes: int | None = None, directory: Path | None = None
) -> None:
    """Switch the cache on or off (``--no-cache``, the ``planner_cache`` setting), bound it, or
    move it (tests)."""
    if enabled is not None:
        _settings.enabled = enabled
    if limit_bytes is not None:
        if limit_bytes < 0:
            raise ValueError("the planner cache limit cannot be negative")
        _settings.limit_bytes = limit_bytes
    if directory is not None:
        _settings.directory = directory


def enabled() -> bool:
    return _settings.enabled


def cache_directory() -> Path:
    """The planner's folder in the user's cache (an XDG path that is not absolute is ignored)."""
    if _settings.directory is not None:
        return _settings.directory
    return _directory_for(os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", ""))


@cache
def _directory_for(xdg_cache_home: str, home: str) -> Path:
    """Resolved once per (XDG_CACHE_HOME, HOME): a plan asks for it once per statement."""
    if xdg_cache_home and os.path.isabs(xdg_cache_home):
        return Path(xdg_cache_home) / "redrive-console" / "planner"
    return Path.home() / ".cache" / "redrive-console" / "planner"


@cache
def _grammar_version() -> str:
    """sqlglot's version: its grammar gate decides which statements are refused."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sqlglot")
    except PackageNotFoundError:
        return "unknown"


def _path(key: bytes) -> Path:
    name = key.hex()
    return cache_directory() / name[:2] / name


def _stamp(planner_version: str) -> dict[str, str]:
    return {
        "format": FORMAT,
        "planner": planner_version,
        "model": MODEL_SIGNATURE,
        "grammar": _grammar_version(),
    }


def load(key: bytes, planner_version: str) -> Entry | None:
    """The verified entry of ``key``, or ``None`` (absent, disabled or not trustworthy)."""
    if not _settings.enabled:
        return None
    path = _path(key)
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    entry = _verified(raw, key, planner_version)
    if entry is not None:
        with contextlib.suppress(OSError):
            os.utime(path)  # recency for the LRU bound
    return entry


def _verified(raw: bytes, key: bytes, planner_version: str) -> Entry | None:
    header, newline, payload = raw.partition(b"\n")
    if not newline or not header.startswith(_MAGIC):
        return None
    if header[len(_MAGIC) :] != hashlib.sha256(payload).hexdigest().encode():
        return None  # truncated or altered after it was written
    try:
        document = json.loads(payload)
        if type(document) is not dict or document.get("key") != key.hex():
            return None
        if any(document.get(name) != value for name, value in _stamp(planner_version).items()):
            return None
        if "table" in document:
            return decode_table(document["table"])
        refusal = document["refusal"]
        if type(refusal) is not list or len(refusal) != 2:
            return None
        message, table = refusal
        if type(message) is not str or type(table) is not str:
            return None
        return Refusal(message, table)
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def store(key: bytes, planner_version: str, entry: Entry) -> int:
    """Write ``entry`` atomically; returns the bytes written (0 when off or the disk failed)."""
    if not _settings.enabled:
        return 0
    document: dict[str, object] = {**_stamp(planner_version), "key": key.hex()}
    if isinstance(entry, Refusal):
        document["refusal"] = [entry.message, entry.table]
    else:
        document["table"] = encode_table(entry)
    payload = json.dumps(document, separators=(",", ":")).encode()
    data = _MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    path = _path(key)
    try:
        try:
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except FileNotFoundError:  # the first entry of its shard folder
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return 0
    return len(data)


def evict() -> int:
    """Remove least recently used entries while the folder exceeds its bound; returns how many.

    Stray temporary files (a writer killed between write and replace) count and go first.
    """
    files: list[tuple[float, int, str]] = []
    try:
        shards = list(os.scandir(cache_directory()))
    except OSError:
        return 0
    for shard in shards:
        if not shard.is_dir(follow_symlinks=False):
            continue
        try:
            with os.scandir(shard.path) as entries:
                for item in entries:
                    if item.is_file(follow_symlinks=False):
                        info = item.stat(follow_symlinks=False)
                        stray = item.name.startswith(".tmp-")
                        files.append((0.0 if stray else info.st_mtime, info.st_size, item.path))
        except OSError:
            continue
    total = sum(size for _, size, _ in files)
    if total <= _settings.limit_bytes:
        return 0
    removed = 0
    target = _settings.limit_bytes * _EVICT_TO
    for _, size, path in sorted(files):
        if total <= target:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        removed += 1
    return removed
