"""Parse one CREATE TABLE text into the normalised model, with content-hash caches.

The cache key is the SHA-256 of the text, the flavour, the Spirit level, the grammar gate and
``PLANNER_VERSION``, so a warm re-plan parses only tables whose text changed, and a planner
upgrade never reuses old models. Two levels: an in-process LRU that ``reserve_cache`` sizes
from the plan (every model of the plan fits, so a re-plan in the same process parses nothing
unchanged), and the persistent ``disk_cache`` shared by later runs.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from threading import Lock

from services.planner import disk_cache
from services.planner.api import Flavour
from services.planner.build import build_table
from services.planner.disk_cache import Refusal
from services.planner.lexer import join_tokens
from services.planner.model import Table
from services.planner.prepass import PreparedCreate, PrepassError, prepare_create
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

PLANNER_VERSION = "1"
_MIN_CACHE_SIZE = 6_000  # models of ~3 schemas of 1,000 tables (both sides)
_cache: OrderedDict[bytes, Table | Refusal] = OrderedDict()
_cache_size = _MIN_CACHE_SIZE
_cache_lock = Lock()


class TableParseError(ValueError):
    """A statement cannot be modelled faithfully; ``table`` is set when it is known."""

    def __init__(self, message: str, table: str = "") -> None:
        super().__init__(message)
        self.table = table


def _key(sql: str, flavour: Flavour, validate: bool, level: SpiritLevel) -> bytes:
    text = f"{PLANNER_VERSION}\0{flavour.value}\0{level.value}\0{int(validate)}\0{sql}"
    return hashlib.sha256(text.encode()).digest()


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
    """Forget every model held in this process (the disk cache is ``disk_cache``'s)."""
    with _cache_lock:
        _cache.clear()
        _validated_elements.clear()


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


def _remember(key: bytes, entry: Table | Refusal) -> None:
    with _cache_lock:
        _cache[key] = entry
        _cache.move_to_end(key)
        while len(_cache) > _cache_size:
            _cache.popitem(last=False)


def parse_many(items: list[Item]) -> list[Table | TableParseError]:
    """Parse many ``(sql, flavour, validate, level)`` items through the caches, in input order.

    Each result is the model or the ``TableParseError`` for that statement (a refusal is a
    verdict too: it is cached like a model). A process pool was measured slower here: forking
    and pickling models cost more than the second core gave back on this shared machine.
    """
    results: list[Table | TableParseError] = []
    written = 0
    for item in items:
        key = _key(*item)
        with _cache_lock:
            entry = _cache.get(key)
        if entry is None:
            entry = disk_cache.load(key, PLANNER_VERSION)
            if entry is None:
                entry = _parse_one(item)
                written += disk_cache.store(key, PLANNER_VERSION, entry)
        _remember(key, entry)
        results.append(
            TableParseError(entry.message, entry.table) if isinstance(entry, Refusal) else entry
        )
    if written:
        disk_cache.evict()
    return results
