"""Expression text in TiDB's restore format (Spirit's output) and its comparison key.

Expressions are rebuilt from the statement's own tokens, never from sqlglot's printer: sqlglot
transpiles some functions (``TO_DAYS`` becomes ``DATEDIFF``), which would change the DDL.
"""

from __future__ import annotations

from services.planner.lexer import Token, escape_string, quote_identifier, unescape_string

KEYWORDS = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "XOR",
        "IS",
        "NULL",
        "IN",
        "LIKE",
        "BETWEEN",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "AS",
        "DIV",
        "MOD",
        "INTERVAL",
        "TRUE",
        "FALSE",
        "UNSIGNED",
        "SIGNED",
        "CHAR",
        "BINARY",
        "USING",
        "FROM",
        "BOTH",
        "LEADING",
        "TRAILING",
        "DISTINCT",
        "REGEXP",
        "RLIKE",
        "COLLATE",
        "ESCAPE",
        "SEPARATOR",
        "MICROSECOND",
        "SECOND",
        "MINUTE",
        "HOUR",
        "DAY",
        "WEEK",
        "MONTH",
        "QUARTER",
        "YEAR",
        "SECOND_MICROSECOND",
        "MINUTE_SECOND",
        "HOUR_MINUTE",
        "DAY_HOUR",
        "YEAR_MONTH",
        "DAY_SECOND",
        "DAY_MINUTE",
        "HOUR_SECOND",
        "DECIMAL",
        "DATE",
        "DATETIME",
        "TIME",
        "JSON",
        "INTEGER",
        "SOUNDS",
        "MAXVALUE",
        "ASC",
        "DESC",
    }
)

# Keywords that are never function names, even when a parenthesis follows.
NOT_CALLS = frozenset(
    {
        "AND",
        "OR",
        "NOT",
        "XOR",
        "IS",
        "IN",
        "LIKE",
        "BETWEEN",
        "CASE",
        "WHEN",
        "THEN",
        "ELSE",
        "END",
        "AS",
        "DIV",
        "INTERVAL",
        "USING",
        "FROM",
        "REGEXP",
        "RLIKE",
        "ESCAPE",
        "SOUNDS",
        "COLLATE",
    }
)

# Function aliases whose spellings the server rewrites (MariaDB prints ``lcase``).
FUNCTION_ALIASES = {
    "LCASE": "LOWER",
    "UCASE": "UPPER",
    "SUBSTR": "SUBSTRING",
    "MID": "SUBSTRING",
    "NOW": "CURRENT_TIMESTAMP",
    "LOCALTIME": "CURRENT_TIMESTAMP",
    "LOCALTIMESTAMP": "CURRENT_TIMESTAMP",
    "CHARACTER_LENGTH": "CHAR_LENGTH",
    "POW": "POWER",
}


def _is_introducer(token: Token, following: Token | None) -> bool:
    return (
        token.kind == "word"
        and token.text.startswith("_")
        and following is not None
        and following.kind == "str"
    )


def _render(tokens: list[Token], *, for_key: bool, lower_functions: bool = False) -> str:
    out: list[str] = []
    previous: str = ""  # "op", "open", "func", "atom", "comma"
    count = len(tokens)
    index = 0
    while index < count:
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < count else None
        if _is_introducer(token, following):
            index += 1
            continue
        if token.kind == "op":
            text = token.text
            if text == ",":
                out.append(", ")
                previous = "comma"
            elif text == "(":
                if previous == "atom" or previous == "keyword":
                    out.append(" ")
                out.append("(")
                previous = "open"
            elif text == ")":
                out.append(")")
                previous = "atom"
            else:
                out.append("!=" if text == "<>" else text)
                previous = "op"
            index += 1
            continue
        if (
            token.kind == "word"
            and token.text.lower() in ("b", "x", "n")
            and following is not None
            and following.kind == "str"
            and not following.space
        ):
            if previous in ("atom", "keyword"):
                out.append(" ")
            out.append(token.text.lower() + following.text)
            previous = "atom"
            index += 2
            continue
        if token.kind == "word":
            upper = token.text.upper()
            is_call = following is not None and following.kind == "op" and following.text == "("
            if is_call and upper not in NOT_CALLS:
                name = FUNCTION_ALIASES.get(upper, upper) if for_key else upper
                if lower_functions:
                    name = name.lower()
                if previous in ("atom", "keyword"):
                    out.append(" ")
                out.append(name)
                previous = "func"
                index += 1
                continue
            if upper in KEYWORDS:
                if previous in ("atom", "keyword"):
                    out.append(" ")
                out.append(upper)
                previous = "keyword"
                index += 1
                continue
            text = quote_identifier(token.text.lower() if for_key else token.text)
        elif token.kind == "qid":
            name = token.text[1:-1].replace("``", "`")
            text = quote_identifier(name.lower() if for_key else name)
        elif token.kind == "str":
            text = escape_string(unescape_string(token.text))
        else:
            text = token.text
        if previous in ("atom", "keyword"):
            out.append(" ")
        out.append(text)
        previous = "atom"
        index += 1
    return "".join(out)


def strip_outer_parens(tokens: list[Token]) -> list[Token]:
    """Drop parentheses that wrap the whole expression (any number of levels)."""
    while len(tokens) >= 2 and tokens[0].text == "(" and tokens[0].kind == "op":
        depth = 0
        closes_at_end = False
        for position, token in enumerate(tokens):
            if token.kind != "op":
                continue
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    closes_at_end = position == len(tokens) - 1
                    break
        if not closes_at_end:
            break
        tokens = tokens[1:-1]
    return tokens


def restore_text(tokens: list[Token]) -> str:
    """The expression as Spirit prints it: back-quoted names, upper-case functions."""
    return _render(tokens, for_key=False)


def default_text(tokens: list[Token]) -> str:
    """An expression default as Spirit prints it: ``uuid()``, ``json_object()`` (lower case)."""
    return _render(tokens, for_key=False, lower_functions=True)


def expression_key(tokens: list[Token]) -> str:
    """Comparison form: outer parentheses, introducers, case and aliases normalised."""
    return _render(strip_outer_parens(tokens), for_key=True)
