"""Function spellings MySQL rewrites when it stores an expression (Spirit level 2026-08).

MySQL keeps one name per built-in function: ``LCASE(x)`` is stored as ``lower(x)``,
``SUBSTRING`` as ``substr``, ``CEIL`` as ``ceiling``. Spirit 2026-08 renames an authored
spelling to the stored one before comparing and printing, so the file and SHOW CREATE TABLE
agree. A schema-qualified call (``db.day(x)``) is a stored function and keeps its name.
"""

from __future__ import annotations

from services.planner.lexer import Token

# Authored name -> the name MySQL stores (upper case; printers choose the case).
STORED_NAMES = {
    "LCASE": "LOWER",
    "UCASE": "UPPER",
    "MID": "SUBSTR",
    "SUBSTRING": "SUBSTR",
    "POWER": "POW",
    "CEIL": "CEILING",
    "CHARACTER_LENGTH": "CHAR_LENGTH",
    "OCTET_LENGTH": "LENGTH",
    "DAY": "DAYOFMONTH",
    "SESSION_USER": "USER",
    "SYSTEM_USER": "USER",
    "STRING_TO_VECTOR": "TO_VECTOR",
    "VECTOR_TO_STRING": "FROM_VECTOR",
}

# Niladic keywords MySQL stores as calls: ``CURRENT_DATE`` -> ``curdate()``.
STORED_CALLS = {"CURRENT_DATE": "CURDATE", "CURRENT_TIME": "CURTIME"}


def stored_name(name: str) -> str:
    """The stored spelling of a built-in function name (upper case)."""
    upper = name.upper()
    return STORED_NAMES.get(upper, upper)


def rename_functions(tokens: list[Token]) -> list[Token]:
    """``tokens`` with every aliased built-in call spelled the way MySQL stores it."""
    out: list[Token] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        previous = tokens[index - 1] if index else None
        qualified = previous is not None and previous.kind == "op" and previous.text == "."
        is_call = following is not None and following.kind == "op" and following.text == "("
        if token.kind == "word" and not qualified:
            upper = token.text.upper()
            if is_call and upper in STORED_NAMES:
                out.append(Token("word", STORED_NAMES[upper], token.space))
                continue
            if not is_call and upper in STORED_CALLS:
                out += [
                    Token("word", STORED_CALLS[upper], token.space),
                    Token("op", "(", False),
                    Token("op", ")", False),
                ]
                continue
        out.append(token)
    return out
