"""The persistent planner cache: parsed models and verdicts kept between runs, in packs.

Entries live under ``$XDG_CACHE_HOME/redrive-console/planner/`` (default
``~/.cache/redrive-console/planner/``). Each entry is keyed by a SHA-256 of what it answers
(a statement's text, flavour, Spirit level and grammar gate; or a pair of such keys) and
holds a model, a refusal message, or the verdict that a desired table equals its live table.

One plan writes one **pack** instead of a file per statement (creating a file costs about half
a millisecond here, a plan of 1,000 tables needs 3,000 entries). A pack is named by the hash of
the plan's set of keys, so the next plan of the same set reads that one file; a key it lacks is
looked up in the other packs, through their headers, newest first. A pack is:

- line 1: ``RCPK2`` and the SHA-256 of line 2;
- line 2: a JSON header naming the format, the planner version, the model signature and the
  sqlglot version, and listing each entry's key, offset, length and SHA-256;
- then the entries, each a JSON document that names its own key again.

JSON instead of pickle: reading a file someone else wrote can never run code; the typed decoder
refuses any value the model cannot hold. Whatever does not verify (a header or an entry whose
digest differs, a truncated file, another version, an entry naming another key, not our
format) is a miss: the statement is parsed again and written in the plan's new pack. No fsync:
every entry is verified on every read, so a torn write can only cost a miss.

Writes go to a temporary file in the same folder, then ``os.replace`` (readers see the old pack
or the new one, never half of one). The folder is bounded by size (and by a number of packs, so
looking a key up stays cheap): when a run wrote a pack and the folder exceeds a bound, the least
recently used packs (by mtime, refreshed on every use) are removed down to 80 % of it, stray
temporary files and files of an older format first. Every failure of the disk is a miss, never
an error of the plan.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from threading import Lock

from services.planner.model import Table
from services.planner.model_codec import MODEL_SIGNATURE, decode_table, encode_table

FORMAT = "redrive-console planner cache 2"
_MAGIC = b"RCPK2 "
_SUFFIX = ".pack"
DEFAULT_LIMIT_BYTES = 256 * 1024 * 1024
MAX_PACKS = 256
_EVICT_TO = 0.8


@dataclass(frozen=True, slots=True)
class Refusal:
    """A cached parse verdict that refused the statement: the message and the table named."""

    message: str
    table: str


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A cached diff verdict: the desired table (this name) plans no change against the live one."""

    table: str


Entry = Table | Refusal | Unchanged


@dataclass(slots=True)
class _Settings:
    enabled: bool = True
    limit_bytes: int = DEFAULT_LIMIT_BYTES
    max_packs: int = MAX_PACKS
    directory: Path | None = None  # None: from $XDG_CACHE_HOME at each use


_settings = _Settings()


def configure(
    *,
    enabled: bool | None = None,
    limit_bytes: int | None = None,
    max_packs: int | None = None,
    directory: Path | None = None,
) -> None:
    """Switch the cache on or off (``--no-cache``, the ``planner_cache`` setting), bound it, or
    move it (tests)."""
    if enabled is not None:
        _settings.enabled = enabled
    if limit_bytes is not None:
        if limit_bytes < 0:
            raise ValueError("the planner cache limit cannot be negative")
        _settings.limit_bytes = limit_bytes
    if max_packs is not None:
        if max_packs < 1:
            raise ValueError("the planner cache must allow at least one pack")
        _settings.max_packs = max_packs
    if directory is not None:
        _settings.directory = directory


def enabled() -> bool:
    return _settings.enabled


def holds_packs() -> bool:
    """Whether the cache is on and its folder holds any pack (an answer a plan could reuse)."""
    if not _settings.enabled:
        return False
    try:
        with os.scandir(cache_directory()) as items:
            return any(item.name.endswith(_SUFFIX) for item in items)
    except OSError:
        return False


def cache_directory() -> Path:
    """The planner's folder in the user's cache (an XDG path that is not absolute is ignored)."""
    if _settings.directory is not None:
        return _settings.directory
    return _directory_for(os.environ.get("XDG_CACHE_HOME", ""), os.environ.get("HOME", ""))


@cache
def _directory_for(xdg_cache_home: str, home: str) -> Path:
    """Resolved once per (XDG_CACHE_HOME, HOME)."""
    if xdg_cache_home and os.path.isabs(xdg_cache_home):
        return Path(xdg_cache_home) / "redrive-console" / "planner"
    return Path.home() / ".cache" / "redrive-console" / "planner"


@cache
def _grammar_version() -> str:
    """sqlglot's version: its grammar gate decides which statements are refused.

    Read from the name of its ``sqlglot-<version>.dist-info`` folder beside the package when
    there is exactly one (without importing sqlglot, or ``importlib.metadata``, which costs
    about 20 ms of a 0.4 s cached plan); from ``importlib.metadata`` otherwise.
    """
    from importlib.util import find_spec

    spec = find_spec("sqlglot")
    if spec is not None and spec.origin:
        found = list(Path(spec.origin).parent.parent.glob("sqlglot-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len("sqlglot-") : -len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sqlglot")
    except PackageNotFoundError:
        return "unknown"


def _stamp(planner_version: str) -> dict[str, str]:
    return {
        "format": FORMAT,
        "planner": planner_version,
        "model": MODEL_SIGNATURE,
        "grammar": _grammar_version(),
    }


def pack_name(keys: Iterable[bytes]) -> str:
    """The file name of the pack holding exactly this set of keys."""
    return hashlib.sha256(b"".join(sorted(set(keys)))).hexdigest()[:32] + _SUFFIX


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Pack:
    """One pack file whose header verified: where each entry is, and its bytes once read."""

    path: Path
    first_line: bytes
    base: int  # offset of the first entry in the file
    records: dict[str, list[object]]  # key hex -> [offset, length, sha256 hex]
    data: bytes | None = None
    used: bool = False

    def raw(self, key_hex: str) -> bytes | None:
        """The verified bytes of one entry, or ``None`` (absent, replaced, corrupt)."""
        record = self.records.get(key_hex)
        if type(record) is not list or len(record) != 3:
            return None
        offset, length, digest = record
        if type(offset) is not int or type(length) is not int or type(digest) is not str:
            return None
        if self.data is None:
            try:
                self.data = self.path.read_bytes()
            except OSError:
                self.data = b""
            if not self.data.startswith(self.first_line):
                self.data = b""  # replaced since its header was read: other offsets
        start = self.base + offset
        raw = self.data[start : start + length] if offset >= 0 and length >= 0 else b""
        if len(raw) != length or _digest(raw) != digest:
            return None
        if not self.used:
            self.used = True
            with contextlib.suppress(OSError):
                os.utime(self.path)  # recency for the LRU bound
        return raw


def _open_pack(path: Path, planner_version: str) -> _Pack | None:
    """The pack at ``path`` if its header verifies and is of this planner, else ``None``."""
    try:
        with open(path, "rb") as file:
            first = file.readline(len(_MAGIC) + 80)
            header = file.readline()
    except OSError:
        return None
    if not first.startswith(_MAGIC) or not first.endswith(b"\n") or not header.endswith(b"\n"):
        return None
    if first[len(_MAGIC) : -1] != _digest(header).encode():
        return None  # truncated or altered after it was written
    try:
        document = json.loads(header)
    except (ValueError, RecursionError):
        return None
    if type(document) is not dict or type(document.get("entries")) is not dict:
        return None
    if any(document.get(name) != value for name, value in _stamp(planner_version).items()):
        return None
    return _Pack(path, first, len(first) + len(header), document["entries"])


def _decode(raw: bytes, key_hex: str) -> Entry | None:
    """The entry ``raw`` holds if it names ``key_hex`` and fits the model, else ``None``."""
    try:
        document = json.loads(raw)
        if type(document) is not dict or document.get("key") != key_hex:
            return None
        if "table" in document:
            return decode_table(document["table"])
        if "unchanged" in document:
            name = document["unchanged"]
            return Unchanged(name) if type(name) is str else None
        refusal = document["refusal"]
        if type(refusal) is not list or len(refusal) != 2:
            return None
        message, table = refusal
        if type(message) is not str or type(table) is not str:
            return None
        return Refusal(message, table)
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def decode_entry(raw: bytes, key_hex: str) -> Entry | None:
    """The entry of one encoded document (``encode_entry``), verified as a pack's entries are:
    it must name ``key_hex`` and fit the model; else ``None``."""
    return _decode(raw, key_hex)


def encode_entry(key_hex: str, entry: Entry) -> bytes:
    """One entry as the JSON document a pack holds (it names its key)."""
    return _encode(key_hex, entry)


def _encode(key_hex: str, entry: Entry) -> bytes:
    document: dict[str, object] = {"key": key_hex}
    if isinstance(entry, Refusal):
        document["refusal"] = [entry.message, entry.table]
    elif isinstance(entry, Unchanged):
        document["unchanged"] = entry.table
    else:
        document["table"] = encode_table(entry)
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(slots=True)
class _Catalog:
    """Every pack's header in one folder, read once per process and newest first."""

    directory: Path
    planner_version: str
    packs: dict[str, _Pack] = field(default_factory=dict)  # file name -> pack, newest first
    loaded: bool = False

    def pack(self, name: str) -> _Pack | None:
        """The pack of this name (read now when the folder was not listed yet)."""
        found = self.packs.get(name)
        if found is None and not self.loaded:
            found = _open_pack(self.directory / name, self.planner_version)
            if found is not None:
                self.packs[name] = found
        return found

    def find(self, key_hex: str, skip: str) -> tuple[_Pack, bytes] | None:
        """The verified bytes of ``key_hex`` from any pack but ``skip``, newest first."""
        if not self.loaded:
            self._load()
        for name, pack in list(self.packs.items()):
            if name != skip and key_hex in pack.records:
                raw = pack.raw(key_hex)
                if raw is not None:
                    return pack, raw
        return None

    def replaced(self, name: str) -> None:
        """This process just wrote pack ``name``: read its header again, as the newest."""
        self.packs.pop(name, None)
        if self.loaded:
            pack = _open_pack(self.directory / name, self.planner_version)
            if pack is not None:
                self.packs = {name: pack, **self.packs}

    def _load(self) -> None:
        self.loaded = True
        try:
            with os.scandir(self.directory) as items:
                found = [
                    (item.stat(follow_symlinks=False).st_mtime, item.name)
                    for item in items
                    if item.name.endswith(_SUFFIX) and item.is_file(follow_symlinks=False)
                ]
        except OSError:
            return
        packs: dict[str, _Pack] = {}
        for _, name in sorted(found, reverse=True):
            pack = self.packs.get(name) or _open_pack(self.directory / name, self.planner_version)
            if pack is not None:
                packs[name] = pack
        self.packs = packs


_catalogs: dict[tuple[Path, str], _Catalog] = {}
_lock = Lock()  # plans run in worker threads: one catalog per folder, shared


def _catalog(planner_version: str) -> _Catalog:
    key = (cache_directory(), planner_version)
    catalog = _catalogs.get(key)
    if catalog is None:
        catalog = _catalogs[key] = _Catalog(*key)
    return catalog


def forget_catalog() -> None:
    """List the folder again at the next look-up (tests: what a new process sees)."""
    with _lock:
        _catalogs.clear()


class Session:
    """One plan's use of the cache: the pack of its key set, the other packs for what that one
    lacks, and the pack it writes at the end when it computed anything new or read elsewhere."""

    def __init__(self, keys: Iterable[bytes], planner_version: str) -> None:
        self._enabled = _settings.enabled
        self._requested = tuple(keys) if self._enabled else ()
        # Named when first needed: a warm re-plan served from memory never needs them.
        self._keys_hex: set[str] | None = None
        self._name_hex = ""
        self._version = planner_version
        self._own: _Pack | None = None
        self._own_looked_up = False
        self._read: list[_Pack] = []  # packs whose bytes this session read
        self._gathered: dict[str, bytes] = {}  # entries read from other packs, or new
        # Entries computed here, encoded only when the pack is written: a model a pair verdict
        # covers by then is never encoded (``spare``).
        self._pending: dict[str, Entry] = {}

    @property
    def _keys(self) -> set[str]:
        if self._keys_hex is None:
            self._keys_hex = {key.hex() for key in self._requested}
        return self._keys_hex

    @property
    def _name(self) -> str:
        if not self._name_hex:
            self._name_hex = pack_name(self._requested)
        return self._name_hex

    def load(self, key: bytes) -> Entry | None:
        """The verified entry of ``key``, or ``None`` (absent, disabled or not trustworthy)."""
        if not self._enabled:
            return None
        key_hex = key.hex()
        with _lock:
            catalog = _catalog(self._version)
            if not self._own_looked_up:
                self._own_looked_up = True
                self._own = catalog.pack(self._name)
                if self._own is not None:
                    self._read.append(self._own)
            raw = self._own.raw(key_hex) if self._own is not None else None
            if raw is None:
                found = catalog.find(key_hex, skip=self._name)
                if found is None:
                    return None
                pack, raw = found
                if pack not in self._read:
                    self._read.append(pack)
                self._gathered[key_hex] = raw
        entry = _decode(raw, key_hex)
        if entry is None:
            self._gathered.pop(key_hex, None)
        return entry

    def store(self, key: bytes, entry: Entry) -> None:
        """Keep ``entry`` for this session's pack (encoded and written by ``close``)."""
        if self._enabled:
            key_hex = key.hex()
            self._pending[key_hex] = entry
            self._keys.add(key_hex)

    def spare(self, keys: Iterable[bytes]) -> None:
        """Leave the entries of ``keys`` out of this session's pack: the diff verdict of the
        pair they form is in it, so a plan of the same two texts needs neither model. (A plan
        where one side changed parses the other side again: one table's parse, against
        encoding and storing every model of every unchanged table of the schema.)"""
        if self._enabled:
            for key in keys:
                key_hex = key.hex()
                self._pending.pop(key_hex, None)
                self._gathered.pop(key_hex, None)
                self._keys.discard(key_hex)

    def store_encoded(self, key: bytes, raw: bytes) -> None:
        """Keep the entry ``raw`` encodes (``encode_entry`` of ``key``, already verified by
        ``decode_entry``) for this session's pack."""
        if self._enabled:
            key_hex = key.hex()
            self._pending.pop(key_hex, None)
            self._gathered[key_hex] = raw
            self._keys.add(key_hex)

    def close(self) -> int:
        """Write the session's pack if it lacked anything; returns the bytes written."""
        if not self._enabled:
            return 0
        written = 0
        for key_hex, entry in self._pending.items():
            self._gathered[key_hex] = _encode(key_hex, entry)
        self._pending = {}
        with _lock:
            if self._gathered:
                catalog = _catalog(self._version)
                own = self._own if self._own_looked_up else catalog.pack(self._name)
                entries: dict[str, bytes] = {}
                if own is not None:  # keep what the old pack of this set holds
                    for key_hex in own.records:
                        if key_hex in self._keys:
                            raw = own.raw(key_hex)
                            if raw is not None:
                                entries[key_hex] = raw
                    own.data = None
                entries.update(self._gathered)
                written = _write_pack(catalog.directory / self._name, entries, self._version)
                if written:
                    catalog.replaced(self._name)
            for pack in self._read:
                pack.data = None  # the models are in the process's own cache now
        self._gathered = {}
        self._read = []
        if written:
            evict()
        return written


def _write_pack(path: Path, entries: dict[str, bytes], planner_version: str) -> int:
    """Write one pack atomically; returns its size (0 when too big for the bound or on failure)."""
    records: dict[str, list[object]] = {}
    offset = 0
    for key_hex, raw in entries.items():
        records[key_hex] = [offset, len(raw), _digest(raw)]
        offset += len(raw)
    header = json.dumps({**_stamp(planner_version), "entries": records}, separators=(",", ":"))
    header_line = header.encode() + b"\n"
    first = _MAGIC + _digest(header_line).encode() + b"\n"
    size = len(first) + len(header_line) + offset
    if size > _settings.limit_bytes:
        return 0
    try:
        try:
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except FileNotFoundError:  # the first pack of this folder
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(first)
                file.write(header_line)
                file.writelines(entries.values())
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        return 0
    return size


def evict() -> int:
    """Remove least recently used packs while the folder exceeds a bound; returns how many.

    Stray temporary files (a writer killed between write and replace) and files that are not
    packs of this format (an older format's entries in sub-folders) count and go first.
    """
    files: list[tuple[bool, float, int, str]] = []  # (is a pack, mtime, size, path)
    try:
        items = list(os.scandir(cache_directory()))
    except OSError:
        return 0
    for item in items:
        try:
            if item.is_dir(follow_symlinks=False):
                with os.scandir(item.path) as inner:
                    for old in inner:
                        if old.is_file(follow_symlinks=False):
                            size = old.stat(follow_symlinks=False).st_size
                            files.append((False, 0.0, size, old.path))
            elif item.is_file(follow_symlinks=False):
                info = item.stat(follow_symlinks=False)
                pack = item.name.endswith(_SUFFIX)
                files.append((pack, info.st_mtime, info.st_size, item.path))
        except OSError:
            continue
    total = sum(size for _, _, size, _ in files)
    packs = sum(pack for pack, _, _, _ in files)
    if total <= _settings.limit_bytes and packs <= _settings.max_packs:
        return 0
    target = _settings.limit_bytes * _EVICT_TO
    target_packs = max(1, int(_settings.max_packs * _EVICT_TO))
    removed = 0
    for pack, _, size, path in sorted(files):  # not packs first, then the oldest packs
        if total <= target and packs <= target_packs:
            break
        try:
            os.unlink(path)
        except OSError:
            continue
        total -= size
        packs -= pack
        removed += 1
    return removed
