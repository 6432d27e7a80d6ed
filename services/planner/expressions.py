"""Expression text in TiDB's restore format (Spirit's output) and its comparison key.

Expressions are rebuilt from the statement's own tokens, never from sqlglot's printer: sqlglot
transpiles some functions (``TO_DAYS`` becomes ``DATEDIFF``), which would change the DDL.
"""

from __future__ import annotations

from services.planner.function_aliases import rename_functions
from services.planner.lexer import Token, escape_string, quote_identifier, unescape_string
from services.planner.parens import canonical_parentheses
from services.planner.spirit_level import LevelRules


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words printed upper-case as keywords wherever they appear in an expression.
KEYWORDS = _words(
    "AND OR NOT XOR IS NULL IN LIKE BETWEEN CASE WHEN THEN ELSE END AS DIV MOD INTERVAL TRUE"
    " FALSE UNSIGNED SIGNED CHAR BINARY USING FROM BOTH LEADING TRAILING DISTINCT REGEXP RLIKE"
    " COLLATE SEPARATOR DECIMAL INTEGER MAXVALUE ASC DESC"
)

# Non-reserved words that are keywords only as a CAST type (after AS) or an INTERVAL unit;
# elsewhere they are column names (a column called ``date`` or ``year``).
SOFT_KEYWORDS = _words(
    "DATE DATETIME TIME JSON MICROSECOND SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR"
    " SECOND_MICROSECOND MINUTE_SECOND HOUR_MINUTE DAY_HOUR YEAR_MONTH DAY_SECOND DAY_MINUTE"
    " HOUR_SECOND"
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


def _word(token: Token, following: Token | None, state: dict[str, bool]) -> tuple[str, str]:
    """How one word prints: ("func"|"keyword"|"atom", text before case/alias handling)."""
    upper = token.text.upper()
    is_call = following is not None and following.kind == "op" and following.text == "("
    if is_call and upper not in NOT_CALLS:
        return "func", upper
    if upper in KEYWORDS:
        state["after_as"] = upper == "AS"
        state["interval"] = state["interval"] or upper == "INTERVAL"
        return "keyword", upper
    if upper in SOFT_KEYWORDS and (state["after_as"] or state["interval"]):
        state["after_as"] = state["interval"] = False
        return "keyword", upper
    return "atom", token.text


def _render(tokens: list[Token], *, for_key: bool, lower_functions: bool = False) -> str:
    out: list[str] = []
    previous = ""  # what was printed last: "op", "open", "func", "keyword", "atom", "comma"
    state = {"after_as": False, "interval": False}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        index += 1
        if _is_introducer(token, following):
            continue
        if token.kind == "op":
            state["after_as"] = False
            if token.text == ",":
                out.append(", ")
                previous = "comma"
            elif token.text == "(":
                out.append(" (" if previous in ("atom", "keyword") else "(")
                previous = "open"
            elif token.text == ")":
                out.append(")")
                previous = "atom"
            else:
                out.append("!=" if token.text == "<>" else token.text)
                previous = "op"
            continue
        kind, text = "atom", token.text
        if token.kind == "word" and _is_prefixed_literal(token, following):
            text = token.text.lower() + following.text  # type: ignore[union-attr]
            index += 1
        elif _is_typed_literal(token, following):
            literal = escape_string(unescape_string(following.text))  # type: ignore[union-attr]
            text = f"{token.text.upper()} {literal}"
            index += 1
        elif token.kind == "word":
            kind, text = _word(token, following, state)
            if kind == "func":
                text = FUNCTION_ALIASES.get(text, text) if for_key else text
                text = text.lower() if lower_functions else text
            elif kind == "atom":
                text = quote_identifier(text.lower() if for_key else text)
        elif token.kind == "qid":
            name = token.text[1:-1].replace("``", "`")
            text = quote_identifier(name.lower() if for_key else name)
        elif token.kind == "str":
            text = escape_string(unescape_string(token.text))
        if kind != "keyword":
            state["after_as"] = False
        if previous in ("atom", "keyword"):
            out.append(" ")
        out.append(text)
        previous = kind
    return "".join(out)


def _is_prefixed_literal(token: Token, following: Token | None) -> bool:
    """``b'0101'``, ``x'1f'``, ``n'text'``."""
    return (
        token.text.lower() in ("b", "x", "n")
        and following is not None
        and following.kind == "str"
        and not following.space
    )


def _is_typed_literal(token: Token, following: Token | None) -> bool:
    """``DATE '2020-01-01'`` (MariaDB prints ``DATE'2020-01-01'``), ``TIME '…'``, ``TIMESTAMP '…'``:
    a literal of that type, not a column named ``date``."""
    return (
        token.is_word("DATE", "TIME", "TIMESTAMP")
        and following is not None
        and following.kind == "str"
    )


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


def level_tokens(tokens: list[Token], rules: LevelRules) -> list[Token]:
    """The expression's tokens with function names as the level spells them."""
    return rename_functions(tokens) if rules.function_aliases else tokens


def expression_forms(tokens: list[Token], rules: LevelRules) -> tuple[str, str]:
    """A CHECK or generated-column expression at ``rules``' level: (printed text, key)."""
    if rules.canonical_parentheses:
        text = canonical_parentheses(tokens, for_key=False)
        key = canonical_parentheses(tokens, for_key=True)
        if text is not None and key is not None:
            return text, key
    tokens = level_tokens(tokens, rules)
    return restore_text(tokens), expression_key(tokens)
