"""Parse one CREATE TABLE text into the normalised model, with content-hash caches.

The cache key is the SHA-256 of the text, the flavour, the Spirit level and the grammar gate;
the persistent cache also stamps every pack with ``planner_stamp()`` (``PLANNER_VERSION`` and a
digest of the planner's own source), so a warm re-plan parses only tables whose text changed,
and a changed planner never reuses old models or verdicts. Two levels: an in-process LRU that
``reserve_cache`` sizes from the plan (every model of the plan fits, so a re-plan in the same
process parses nothing unchanged), and the persistent ``disk_cache`` shared by later runs.

Besides models and refusals, both levels hold diff verdicts: ``pair_key`` names a desired
statement and a live statement, and ``Unchanged`` records that the differ planned nothing
for them, so the next plan of the same pair needs neither model.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from threading import Lock

from services.planner import disk_cache
from services.planner.api import Flavour
from services.planner.build import build_table
from services.planner.disk_cache import Refusal, Session, Unchanged
from services.planner.lexer import join_tokens
from services.planner.model import Table
from services.planner.prepass import PreparedCreate, PrepassError, prepare_create
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

PLANNER_VERSION = "2"
_MIN_CACHE_SIZE = 6_000  # models of ~3 schemas of 1,000 tables (both sides)
_cache: OrderedDict[bytes, Table | Refusal | Unchanged] = OrderedDict()
_cache_size = _MIN_CACHE_SIZE
_cache_lock = Lock()


@cache
def planner_stamp() -> str:
    """``PLANNER_VERSION`` plus a digest of the planner's source files.

    A cached model or diff verdict is only as good as the code that made it: an edit of the
    parser or the differ without a version bump must not reuse them.
    """
    digest = hashlib.sha256()
    folder = Path(__file__).resolve().parent
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return f"{PLANNER_VERSION}+{digest.hexdigest()[:16]}"


class TableParseError(ValueError):
    """A statement cannot be modelled faithfully; ``table`` is set when it is known."""

    def __init__(self, message: str, table: str = "") -> None:
        super().__init__(message)
        self.table = table


def _key(sql: str, flavour: Flavour, validate: bool, level: SpiritLevel) -> bytes:
    text = f"{PLANNER_VERSION}\0{flavour.value}\0{level.value}\0{int(validate)}\0{sql}"
    return hashlib.sha256(text.encode()).digest()


def statement_key(item: Item) -> bytes:
    """The cache key of one ``(sql, flavour, validate, level)`` item."""
    return _key(*item)


def pair_key(desired: bytes, live: bytes) -> bytes:
    """The cache key of the diff verdict of a desired statement against a live statement."""
    return hashlib.sha256(b"pair\0" + desired + live).digest()


def parse_table(sql: str, flavour: Flavour, level: SpiritLevel = DEFAULT_LEVEL) -> Table:
    """The model of ``sql`` (one CREATE TABLE), validated and cached; raises ``TableParseError``."""
    result = parse_many([(sql, flavour, True, level)])[0]
    if isinstance(result, TableParseError):
        raise result
    return result


def parse_table_uncached(
    sql: str, flavour: Flavour, validate: bool = True, level: SpiritLevel = DEFAULT_LEVEL
) -> Table:
    """Parse without the cache; ``validate`` runs the sqlglot grammar gate.

    An unparsable statement is refused, never planned from a guess.

    Only server-printed SHOW CREATE text is parsed with ``validate=False``: our own element
    parser still rejects every construct it does not know, so nothing is silently dropped.
    """
    try:
        prepared = prepare_create(sql)
    except PrepassError as exc:
        raise TableParseError(str(exc)) from None
    try:
        if validate:
            _validate_elements(prepared)
        return build_table(prepared, flavour, level)
    except (ValueError, IndexError) as exc:
        message = str(exc) or f"cannot parse ({type(exc).__name__})"
        raise TableParseError(message, prepared.table) from None


_validated_elements: set[str] = set()


def _validate_elements(prepared: PreparedCreate) -> None:
    """Run sqlglot over the body elements it has not accepted before, in one statement.

    sqlglot parses a column list element by element, so an element it accepted once is
    accepted in any table; only new element texts need the (slow) grammar pass.
    """
    texts = [join_tokens(element.tokens) for element in prepared.elements]
    new = [text for text in dict.fromkeys(texts) if text not in _validated_elements]
    if not new:
        return
    from services.planner.dialect import validate_create  # sqlglot: only on a cache miss

    validate_create(f"CREATE TABLE t ({', '.join(new)})")
    with _cache_lock:
        if len(_validated_elements) > 100_000:
            _validated_elements.clear()
        _validated_elements.update(new)


def clear_cache() -> None:
    """Forget every model and verdict held in this process, and what it read of the disk's
    folder (the disk's entries stay: what a new process sees)."""
    with _cache_lock:
        _cache.clear()
        _validated_elements.clear()
    disk_cache.forget_catalog()


def reserve_cache(entries: int) -> None:
    """Let the in-process cache hold at least ``entries`` models (a plan reserves its own)."""
    global _cache_size
    with _cache_lock:
        _cache_size = max(_cache_size, entries)


Item = tuple[str, Flavour, bool, SpiritLevel]


def _parse_one(item: Item) -> Table | Refusal:
    try:
        return parse_table_uncached(*item)
    except TableParseError as exc:
        return Refusal(str(exc), exc.table)


def _remember(key: bytes, entry: Table | Refusal | Unchanged) -> None:
    with _cache_lock:
        _cache[key] = entry
        _cache.move_to_end(key)
        while len(_cache) > _cache_size:
            _cache.popitem(last=False)


@contextmanager
def cache_session(keys: Iterable[bytes]) -> Iterator[Session]:
    """The disk cache for one plan of these keys; its pack is written when the block ends."""
    session = Session(keys, planner_stamp() if disk_cache.enabled() else PLANNER_VERSION)
    try:
        yield session
    finally:
        session.close()


def unchanged_table(key: bytes, session: Session) -> str | None:
    """The table name of a cached ``Unchanged`` verdict for the pair ``key``, else ``None``."""
    with _cache_lock:
        entry = _cache.get(key)
    if entry is None:
        entry = session.load(key)
    if not isinstance(entry, Unchanged):
        return None
    _remember(key, entry)
    return entry.table


def remember_unchanged(key: bytes, table: str, session: Session) -> None:
    """Record that the pair ``key`` plans no change (in this process and in the session)."""
    entry = Unchanged(table)
    with _cache_lock:
        known = _cache.get(key) == entry
    if not known:
        session.store(key, entry)
    _remember(key, entry)


def parse_many(items: list[Item], session: Session | None = None) -> list[Table | TableParseError]:
    """Parse many ``(sql, flavour, validate, level)`` items through the caches, in input order.

    Each result is the model or the ``TableParseError`` for that statement (a refusal is a
    verdict too: it is cached like a model). Without ``session`` one is opened for these items.
    A process pool was measured slower here: forking and pickling models cost more than the
    second core gave back on this shared machine.
    """
    keys = [_key(*item) for item in items]
    if session is None:
        with cache_session(keys) as own:
            return parse_many(items, own)
    results: list[Table | TableParseError] = []
    for item, key in zip(items, keys, strict=True):
        with _cache_lock:
            entry = _cache.get(key)
        if isinstance(entry, Unchanged):
            entry = None  # a pair verdict never answers for a statement
        if entry is None:
            entry = session.load(key)
            if entry is None or isinstance(entry, Unchanged):
                entry = _parse_one(item)
                session.store(key, entry)
        _remember(key, entry)
        results.append(
            TableParseError(entry.message, entry.table) if isinstance(entry, Refusal) else entry
        )
    return results
