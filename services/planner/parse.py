"""Parse one CREATE TABLE text into the normalised model, with a content-hash cache.

The cache key is the SHA-256 of the text, the flavour and ``PLANNER_VERSION``, so a warm
re-plan parses only tables whose text changed, and a planner upgrade never reuses old models.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from threading import Lock

from services.planner.api import Flavour
from services.planner.build import build_table
from services.planner.dialect import validate_create
from services.planner.model import Table
from services.planner.prepass import PrepassError, prepare_create

PLANNER_VERSION = "1"
_CACHE_SIZE = 20_000
_cache: OrderedDict[bytes, Table] = OrderedDict()
_cache_lock = Lock()


class TableParseError(ValueError):
    """A statement cannot be modelled faithfully; ``table`` is set when it is known."""

    def __init__(self, message: str, table: str = "") -> None:
        super().__init__(message)
        self.table = table


def _key(sql: str, flavour: Flavour) -> bytes:
    return hashlib.sha256(f"{PLANNER_VERSION}\0{flavour.value}\0{sql}".encode()).digest()


def parse_table(sql: str, flavour: Flavour) -> Table:
    """The model of ``sql`` (one CREATE TABLE); raises ``TableParseError``."""
    key = _key(sql, flavour)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    table = parse_table_uncached(sql, flavour)
    with _cache_lock:
        _cache[key] = table
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return table


def parse_table_uncached(sql: str, flavour: Flavour) -> Table:
    try:
        prepared = prepare_create(sql)
    except PrepassError as exc:
        raise TableParseError(str(exc)) from None
    try:
        validate_create(prepared.sqlglot_text())
        return build_table(prepared, flavour)
    except (ValueError, IndexError) as exc:
        message = str(exc) or f"cannot parse ({type(exc).__name__})"
        raise TableParseError(message, prepared.table) from None


def clear_cache() -> None:
    """Forget every cached model (tests and benchmarks use it to measure cold runs)."""
    with _cache_lock:
        _cache.clear()
