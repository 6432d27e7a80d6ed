"""Failure classification: an error text → a cause, its error number and the matched fragment.

The rules are one ordered table. Spirit's own messages come first (they wrap server errors
whose text would otherwise win), then data causes, resource causes and transient causes; the
first rule whose pattern matches decides. A rule also matches on its error number alone when
the message text is not one it knows (a translated or truncated message). The error number is
reported only when the text carries one, as ``Error 1062 (23000): …`` (Go driver, Spirit and
SchemaBot), ``ERROR 1062 (23000) at line 1: …`` (mysql client) or ``(1062, "…")`` (PyMySQL).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.preflight.model import UNCLASSIFIED, Category, Classification


@dataclass(frozen=True, slots=True)
class Rule:
    cause: str
    category: Category
    pattern: re.Pattern[str]
    codes: tuple[int, ...] = ()


def _rule(cause: str, category: Category, pattern: str, *codes: int) -> Rule:
    return Rule(cause, category, re.compile(pattern, re.I | re.S), codes)


_SPIRIT, _DATA, _RESOURCE, _TRANSIENT = (
    Category.SPIRIT,
    Category.DATA,
    Category.RESOURCE,
    Category.TRANSIENT,
)

RULES: tuple[Rule, ...] = (
    _rule(
        "sentinel_present",
        _SPIRIT,
        r"timed out waiting for sentinel table to be dropped|sentinel table[^.;\n]*"
        r"|_spirit_sentinel",
    ),
    _rule(
        "checkpoint_refused",
        _SPIRIT,
        r"alter statement in checkpoint table does not match[^;\n]*"
        r"|checkpoint is too old to safely resume[^;\n]*"
        r"|checkpoint belongs to a different table[^;\n]*"
        r"|checkpoint binlog file not found[^;\n]*"
        r"|could not write checkpoint",
    ),
    _rule(
        "checksum_mismatch",
        _SPIRIT,
        r"checksum failed after several attempts[^\n]*|checksum mismatch|chunk verification failed",
    ),
    _rule("duplicate_key", _DATA, r"Duplicate entry '.*?' for key '[^'\n]*'", 1062),
    _rule("invalid_null", _DATA, r"Column '[^'\n]*' cannot be null", 1048),
    _rule("invalid_null", _DATA, r"Invalid use of NULL value", 1138),
    _rule("truncation", _DATA, r"Data truncated for column '[^'\n]*'(?: at row \d+)?", 1265),
    _rule("truncation", _DATA, r"Out of range value for column '[^'\n]*'(?: at row \d+)?", 1264),
    _rule("truncation", _DATA, r"Data too long for column '[^'\n]*'(?: at row \d+)?", 1406),
    _rule(
        "foreign_key",
        _DATA,
        r"Cannot add or update a child row: a foreign key constraint fails(?: \([^\n]*\))?",
        1452,
    ),
    _rule("table_full", _RESOURCE, r"The table '[^'\n]*' is full", 1114),
    _rule(
        "table_full",
        _RESOURCE,
        r"Disk full \([^)\n]*\)|No space left on device|errno:? ?28\b",
        1021,
    ),
    _rule(
        "lock_wait_timeout",
        _TRANSIENT,
        r"Lock wait timeout exceeded(?:; try restarting transaction)?",
        1205,
    ),
    _rule(
        "deadlock",
        _TRANSIENT,
        r"Deadlock found when trying to get lock(?:; try restarting transaction)?",
        1213,
    ),
    _rule(
        "metadata_lock_timeout",
        _TRANSIENT,
        r"[^\n;]*metadata lock[^\n;]*|cut-?over[^\n;]*(?:timed? ?out|timeout)[^\n;]*"
        r"|timed out[^\n;]*cut-?over[^\n;]*|retries exhausted[^\n;]*",
    ),
    _rule(
        "too_many_connections",
        _TRANSIENT,
        r"Too many connections|has more than 'max_user_connections' active connections",
        1040,
        1203,
    ),
    _rule(
        "lost_connection",
        _TRANSIENT,
        r"Lost connection to (?:MySQL|MariaDB)? ?server[^\n;]*"
        r"|(?:MySQL|MariaDB) server has gone away|driver: bad connection|invalid connection"
        r"|connection reset by peer|broken pipe",
        2013,
        2006,
    ),
    _rule(
        "replica_lag",
        _TRANSIENT,
        r"[^\n;]*(?:replica|replication) lag[^\n;]*|[^\n;]*throttl[^\n;]*",
    ),
    _rule("checksum_mismatch", _SPIRIT, r"checksum failed[^\n]*"),
)

# ``Error 1062 (23000): `` / ``ERROR 1062 (23000) at line 1: `` / ``Error 1062: `` / ``(1062, "``
_CODE = re.compile(
    r"\berror:? ?(\d{4})\b(?: \([0-9A-Z]{5}\))?(?: at line \d+)?:? ?|\((\d{4}), ['\"]",
    re.I,
)


def classify(text: str | None) -> Classification:
    """The cause of one error text (``unknown`` when no rule matches)."""
    if not text or not text.strip():
        return UNCLASSIFIED
    codes = [(m.start(), m.end(), int(m.group(1) or m.group(2))) for m in _CODE.finditer(text)]
    for rule in RULES:
        match = rule.pattern.search(text)
        if match is not None:
            return _matched(rule, text, match.start(), match.end(), codes)
    for rule in RULES:
        for start, end, code in codes:
            if code in rule.codes:
                line_end = text.find("\n", end)
                stop = len(text) if line_end < 0 else line_end
                return Classification(
                    rule.cause, rule.category, code, text[start : min(stop, end + 160)].strip()
                )
    return UNCLASSIFIED


def _matched(
    rule: Rule, text: str, start: int, end: int, codes: list[tuple[int, int, int]]
) -> Classification:
    """The rule's classification; an error number written right before the message (or, for
    rules with numbers, anywhere in the text) is reported and shown with the fragment."""
    code: int | None = None
    for code_start, code_end, number in codes:
        if code_end <= start and text[code_end:start].strip(" :") == "":
            code, start = number, code_start
            break
    if code is None and rule.codes:
        code = next((number for _, _, number in codes if number in rule.codes), None)
    fragment = text[start:end].strip()
    return Classification(rule.cause, rule.category, code, fragment)


# When several texts describe one failure (task, operation, apply), the most telling wins.
_PRECEDENCE = {
    Category.DATA: 0,
    Category.SPIRIT: 1,
    Category.RESOURCE: 2,
    Category.TRANSIENT: 3,
    Category.UNKNOWN: 4,
}


def classify_all(texts: Iterable[str | None]) -> Classification:
    """The most telling classification among several error texts (data causes first)."""
    found = [classify(text) for text in texts]
    if not found:
        return UNCLASSIFIED
    return min(found, key=lambda c: _PRECEDENCE[c.category])
