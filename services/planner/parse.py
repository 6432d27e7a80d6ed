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
from contextvars import ContextVar
from functools import cache, lru_cache
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING

from services.planner import disk_cache
from services.planner.api import Flavour
from services.planner.build import build_table
from services.planner.columns import forget_shapes
from services.planner.disk_cache import Refusal, Session, Unchanged
from services.planner.lexer import join_tokens
from services.planner.model import Table
from services.planner.prepass import PreparedCreate, PrepassError, prepare_create
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel

if TYPE_CHECKING:
    from services.planner.gate import Prefetch

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


@lru_cache(maxsize=1 << 15)
def statement_key(item: Item) -> bytes:
    """The cache key of one ``(sql, flavour, validate, level)`` item (remembered: a re-plan
    asks again for the same texts)."""
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
    sql: str,
    flavour: Flavour,
    validate: bool = True,
    level: SpiritLevel = DEFAULT_LEVEL,
    *,
    built: Table | Refusal | None = None,
) -> Table:
    """Parse without the cache; ``validate`` runs the sqlglot grammar gate.

    An unparsable statement is refused, never planned from a guess.

    Only server-printed SHOW CREATE text is parsed with ``validate=False``: our own element
    parser still rejects every construct it does not know, so nothing is silently dropped.

    ``built`` is what the parse of this very statement without the gate gave (the gate's
    child process parsed it: ``gate.Prefetch``): it is the answer when the gate is not run,
    and replaces only the model building after a gate that passed here.
    """
    if built is not None and not validate:
        return _built(built)
    try:
        ahead = (_prepared_ahead.get() or {}).pop(sql, None)
        if isinstance(ahead, PrepassError):
            raise ahead
        prepared = ahead if ahead is not None else prepare_create(sql)
    except PrepassError as exc:
        raise TableParseError(str(exc)) from None
    try:
        if validate:
            _validate_elements(prepared)
        if built is not None:
            return _built(built)
        return build_table(prepared, flavour, level)
    except (ValueError, IndexError) as exc:
        if isinstance(exc, TableParseError):
            raise
        message = str(exc) or f"cannot parse ({type(exc).__name__})"
        raise TableParseError(message, prepared.table) from None


def _built(built: Table | Refusal) -> Table:
    if isinstance(built, Refusal):
        raise TableParseError(built.message, built.table)
    return built


_validated_elements: set[str] = set()
_prefetched: ContextVar[Prefetch | None] = ContextVar("prefetched_gate", default=None)
# Statements pre-passed ahead of their parse (while the gate runs ahead), by text.
_prepared_ahead: ContextVar[dict[str, PreparedCreate | PrepassError] | None] = ContextVar(
    "prepared_ahead", default=None
)


# A gate child started before the plan knew what it parses (``gate_started_early``).
_early: ContextVar[list[Prefetch] | None] = ContextVar("early_gate", default=None)


@contextmanager
def gate_started_early(statements: int) -> Iterator[None]:
    """Start the gate's child now when a plan of ``statements`` desired files will parse them
    all: nothing in this process's cache, no pack in the persistent one (the first plan on a
    machine). It starts while the live schema is read; the parse loop takes it
    (``_gate_ahead``), or it is stopped when the block ends."""
    from services.planner.gate import MIN_STATEMENTS, Prefetch

    started: list[Prefetch] = []
    if statements >= MIN_STATEMENTS and _early.get() is None:
        with _cache_lock:
            empty = not _cache
        if empty and not disk_cache.holds_packs():
            prefetch = Prefetch.start(statements)
            if prefetch is not None:
                started.append(prefetch)
    token = _early.set(started)
    try:
        yield
    finally:
        _early.reset(token)
        for prefetch in started:
            prefetch.close()


def gate_statement(prepared: PreparedCreate, accepted: set[str]) -> tuple[str, list[str]] | None:
    """The statement the gate parses for ``prepared``: its body elements not in ``accepted``,
    in one ``CREATE TABLE t (...)``, and those elements (``None`` when all were accepted)."""
    texts = prepared.element_texts
    if texts is None:  # made once: the pre-pass ahead and the gate both ask
        texts = prepared.element_texts = [join_tokens(e.tokens) for e in prepared.elements]
    new = [text for text in dict.fromkeys(texts) if text not in accepted]
    return (f"CREATE TABLE t ({', '.join(new)})", new) if new else None


def _validate_elements(prepared: PreparedCreate) -> None:
    """Run sqlglot over the body elements it has not accepted before, in one statement.

    sqlglot parses a column list element by element, so an element it accepted once is
    accepted in any table; only new element texts need the (slow) grammar pass. A child
    process may have run that very statement already (``gate.Prefetch``): its verdict is used.
    """
    found = gate_statement(prepared, _validated_elements)
    if found is None:
        return
    statement, new = found
    prefetch = _prefetched.get()
    refusal = prefetch.verdict(statement) if prefetch is not None else None
    if refusal is None:
        from services.planner.dialect import validate_create  # sqlglot: only on a cache miss

        validate_create(statement)
    elif refusal:
        raise ValueError(refusal)
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
    forget_shapes()
    disk_cache.forget_catalog()


def reserve_cache(entries: int) -> None:
    """Let the in-process cache hold at least ``entries`` models (a plan reserves its own)."""
    global _cache_size
    with _cache_lock:
        _cache_size = max(_cache_size, entries)


Item = tuple[str, Flavour, bool, SpiritLevel]


def _parse_one(item: Item, built: Table | Refusal | None = None) -> Table | Refusal:
    try:
        if built is None:
            return parse_table_uncached(*item)
        return parse_table_uncached(*item, built=built)
    except TableParseError as exc:
        return Refusal(str(exc), exc.table)


def parse_ungated(sql: str, flavour: Flavour, level: SpiritLevel) -> Table | Refusal:
    """The parse of ``sql`` without the grammar gate, in this process (the gate's child runs
    it for ``parse_many``: what ``built`` answers)."""
    return _parse_one((sql, flavour, False, level))


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


def remember_unchanged(covers: tuple[bytes, bytes], table: str, session: Session) -> None:
    """Record that the pair of the (desired, live) statements ``covers`` plans no change (in
    this process and in the session), and leave those statements' models out of the pack."""
    key = pair_key(*covers)
    entry = Unchanged(table)
    with _cache_lock:
        known = _cache.get(key) == entry
    if not known:
        session.store(key, entry)
    session.spare(covers)
    _remember(key, entry)


def parse_many(items: list[Item], session: Session | None = None) -> list[Table | TableParseError]:
    """Parse many ``(sql, flavour, validate, level)`` items through the caches, in input order.

    Each result is the model or the ``TableParseError`` for that statement (a refusal is a
    verdict too: it is cached like a model). Without ``session`` one is opened for these items.
    A process pool for whole parses was measured slower here (pickling models cost more than
    the second core gave back); the grammar gate's child (``gate``) runs the gate ahead and,
    when it has no statement to validate, parses from the end of the loop's order, sending
    cache entries that are decoded and verified here.
    """
    keys = [_key(*item) for item in items]
    if session is None:
        with cache_session(keys) as own:
            return parse_many(items, own)
    entries: list[Table | Refusal | None] = [None] * len(items)
    misses: dict[bytes, list[int]] = {}  # a statement twice in ``items`` is parsed once
    for position, key in enumerate(keys):
        if key in misses:
            misses[key].append(position)
            continue
        with _cache_lock:
            entry = _cache.get(key)
        if entry is None or isinstance(entry, Unchanged):  # a pair verdict is no statement's
            entry = session.load(key)
        if entry is None or isinstance(entry, Unchanged):
            misses[key] = [position]
        else:
            _remember(key, entry)
            entries[position] = entry
    with _gate_ahead(items, misses) as (order, schedule):
        prefetch = _prefetched.get()
        for index in schedule:
            key, positions = order[index]
            if prefetch is not None:
                prefetch.take(index)
                built, raw = prefetch.built(key)
            else:
                built, raw = None, None
            entry = _parse_one(items[positions[0]], built)
            if raw is not None and entry is built:
                session.store_encoded(key, raw)  # the bytes the child encoded, verified
            else:
                session.store(key, entry)
            _remember(key, entry)
            for position in positions:
                entries[position] = entry
    return [
        TableParseError(entry.message, entry.table) if isinstance(entry, Refusal) else entry
        for entry in entries  # type: ignore[misc]
    ]


@contextmanager
def _gate_ahead(
    items: list[Item], misses: dict[bytes, list[int]]
) -> Iterator[tuple[list[tuple[bytes, list[int]]], Iterator[int]]]:
    """The statements to parse and the order to parse them in (indexes into the first). With
    many to validate, their gate runs ahead in a child process (``gate.Prefetch``): they are
    pre-passed now and the statements their gate will run are streamed to it; the loop then
    takes the statements that skip the gate while the child has not answered the next gate
    (``_parse_order``). The child also parses from the end of each part of the order
    (``gate``)."""
    gated = [(key, positions) for key, positions in misses.items() if items[positions[0]][2]]
    prefetch = None
    if gated:
        from services.planner.gate import Prefetch

        early = _early.get()
        prefetch = early.pop() if early else Prefetch.start(len(gated))
    if prefetch is None:
        yield list(misses.items()), iter(range(len(misses)))
        return
    # The order: the statements that skip the gate, then the gated ones. The loop takes the
    # first part from its front and the second in order; the child parses the first part from
    # its end (a whole parse it spares this process), then the second part from its end.
    ungated = [(key, p) for key, p in misses.items() if not items[p[0]][2]]
    order = ungated + gated
    first_gated = len(ungated)
    prefetch.parse_ahead(
        [
            (i, items[order[i][1][0]])
            for i in (*reversed(range(first_gated)), *reversed(range(first_gated, len(order))))
        ]
    )
    prepared: dict[str, PreparedCreate | PrepassError] = {}
    prepared_token = _prepared_ahead.set(prepared)
    try:
        accepted = set(_validated_elements)
        for _, positions in gated:
            sql = items[positions[0]][0]
            try:
                prepared[sql] = ready = prepare_create(sql)
            except PrepassError as exc:
                prepared[sql] = exc
                continue
            found = gate_statement(ready, accepted)
            if found is not None:
                prefetch.gate(found[0])  # the child starts on it now
                accepted.update(found[1])
        prefetch.end()
        token = _prefetched.set(prefetch)
        try:
            yield order, _parse_order(order, first_gated, items, prepared, prefetch)
        finally:
            _prefetched.reset(token)
    finally:
        _prepared_ahead.reset(prepared_token)
        prefetch.close()


def _parse_order(
    order: list[tuple[bytes, list[int]]],
    first_gated: int,
    items: list[Item],
    prepared: dict[str, PreparedCreate | PrepassError],
    prefetch: Prefetch,
) -> Iterator[int]:
    """Indexes of ``order`` as the loop parses them: the next gated statement once the child
    has answered its gate (or it needs none), else the next statement that skips the gate; the
    gated ones stay in their order, so each gate statement is the one the child was sent. Only
    with no other statement left does the loop wait for a verdict (``Prefetch.verdict``)."""
    ungated = 0
    for gated in range(first_gated, len(order)):
        sql = items[order[gated][1][0]][0]
        while ungated < first_gated and _gate_pending(sql, prepared, prefetch):
            yield ungated
            ungated += 1
        yield gated
    yield from range(ungated, first_gated)


def _gate_pending(
    sql: str, prepared: dict[str, PreparedCreate | PrepassError], prefetch: Prefetch
) -> bool:
    """Whether parsing ``sql`` now would wait for the child's verdict on its gate."""
    ready = prepared.get(sql)
    if not isinstance(ready, PreparedCreate):
        return False  # refused by its pre-pass (no gate), or pre-passed again when parsed
    found = gate_statement(ready, _validated_elements)
    return found is not None and prefetch.would_wait(found[0])
