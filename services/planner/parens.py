"""Minimal-parenthesis form of an expression (Spirit level 2026-08, CHECK and generated columns).

MySQL stores CHECK and generated-column expressions fully parenthesised, while authors write
whatever parentheses they like; ``(a > 0) AND (b > 0)`` and ``a > 0 AND b > 0`` are one
expression. The expression is parsed with MySQL's operator precedence, every written
parenthesis is forgotten, and it is printed again keeping only the parentheses the
precedence needs:

- a child binding tighter than its parent operator needs none (``a + b * c``);
- a child binding looser needs them (``(a + b) * c``);
- at equal precedence the left child needs none (operators associate to the left), nor does
  a right child of the same ``AND``/``OR``/``XOR``/``&``/``|``/``^`` (regrouping those
  changes nothing); other right children keep them (``a - (b - c)``);
- the operand of a unary operator keeps them when it is an operator expression
  (``NOT (a = 1)``, ``-(a + b)``), and a unary expression under a binary operator keeps them
  (``a > (-1)``);
- function arguments and the whole expression need none.

Printing follows TiDB's restore format (Spirit's): back-quoted names, upper-case keywords and
function names, no spaces around symbolic operators. An expression this parser does not know
(subqueries, ``INTERVAL``, ``MEMBER OF`` ...) yields ``None``: the caller keeps the written
form, so the worst outcome is a spurious difference, never a changed expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.planner.function_aliases import STORED_CALLS, stored_name
from services.planner.lexer import Token, escape_string, quote_identifier, unescape_string

OR, XOR, AND, BETWEEN, COMPARE, BIT_OR, BIT_AND, SHIFT, ADD, MUL, BIT_XOR, COLLATE = range(1, 13)
_NOT_OPERAND = COMPARE - 1  # prefix NOT binds looser than comparisons: NOT a = b is NOT (a = b)
_UNARY_OPERAND = 13

# Operator token (upper case) -> (printed form, precedence).
_SYMBOLS = {
    "=": ("=", COMPARE),
    "<=>": ("<=>", COMPARE),
    ">=": (">=", COMPARE),
    ">": (">", COMPARE),
    "<=": ("<=", COMPARE),
    "<": ("<", COMPARE),
    "!=": ("!=", COMPARE),
    "<>": ("!=", COMPARE),
    "|": ("|", BIT_OR),
    "&": ("&", BIT_AND),
    "<<": ("<<", SHIFT),
    ">>": (">>", SHIFT),
    "+": ("+", ADD),
    "-": ("-", ADD),
    "*": ("*", MUL),
    "/": ("/", MUL),
    "%": ("%", MUL),
    "^": ("^", BIT_XOR),
    "||": (" OR ", OR),
    "&&": (" AND ", AND),
}
_WORDS = {
    "OR": (" OR ", OR),
    "XOR": (" XOR ", XOR),
    "AND": (" AND ", AND),
    "DIV": (" DIV ", MUL),
    "MOD": ("%", MUL),
}
_ASSOCIATIVE = frozenset({" OR ", " XOR ", " AND ", "|", "&", "^"})
_CONSTANT_WORDS = frozenset({"NULL", "TRUE", "FALSE"})
_TYPED_LITERALS = frozenset({"DATE", "TIME", "TIMESTAMP"})
_UNSUPPORTED_WORDS = frozenset(
    {"INTERVAL", "EXISTS", "SELECT", "BINARY", "MEMBER", "SOUNDS", "ESCAPE", "ROW", "MATCH"}
)


class _Unsupported(Exception):
    """The expression uses syntax this parser does not model."""


@dataclass(frozen=True, slots=True)
class _Node:
    """An expression node: ``kind`` leaf | call | case | binary | unary | postfix."""

    kind: str
    text: str = ""  # leaf text, call name, operator or postfix words
    children: tuple[_Node | None, ...] = ()
    precedence: int = 0


def canonical_parentheses(tokens: list[Token], *, for_key: bool) -> str | None:
    """The minimal-parenthesis text of an expression, or ``None`` when it is not understood.

    ``for_key`` lowers identifiers (column names compare case-insensitively).
    """
    try:
        parser = _Parser(tokens, for_key)
        node = parser.expression(0)
        if parser.pos != len(tokens):
            raise _Unsupported(tokens[parser.pos].text)
        return _child(node, None)
    except (_Unsupported, IndexError):
        return None


class _Parser:
    """A precedence-climbing parser over one expression's tokens."""

    def __init__(self, tokens: list[Token], for_key: bool) -> None:
        self.tokens = tokens
        self.pos = 0
        self.for_key = for_key

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text.upper() != text:
            raise _Unsupported(token.text)

    def expression(self, minimum: int) -> _Node:
        left = self.operand()
        while True:
            step = self.infix(left, minimum)
            if step is None:
                return left
            left = step

    def infix(self, left: _Node, minimum: int) -> _Node | None:
        token = self.peek()
        if token is None or (token.kind == "op" and token.text in (")", ",")):
            return None
        upper = token.upper if token.kind == "word" else token.text
        negated = False
        if upper == "NOT" and self.peek(1) is not None:
            following = self.peek(1).upper  # type: ignore[union-attr]
            if following in ("LIKE", "IN", "BETWEEN", "REGEXP", "RLIKE"):
                negated, upper = True, following
        operator = _SYMBOLS.get(upper) if token.kind == "op" else _WORDS.get(upper)
        if operator is not None:
            printed, precedence = operator
            if precedence < minimum:
                return None
            self.take()
            right = self.expression(precedence + 1)
            return _Node("binary", printed, (left, right), precedence)
        if upper in ("LIKE", "REGEXP", "RLIKE") and token.kind == "word":
            if minimum > COMPARE:
                return None
            self.pos += 2 if negated else 1
            word = " NOT " if negated else " "
            word += "LIKE " if upper == "LIKE" else "REGEXP "
            right = self.expression(COMPARE + 1)
            return _Node("binary", word, (left, right), COMPARE)
        if upper == "IS" and token.kind == "word":
            if minimum > COMPARE:
                return None
            self.take()
            words = ["IS"]
            if self.peek() is not None and self.peek().is_word("NOT"):  # type: ignore[union-attr]
                words.append(self.take().text.upper())
            value = self.take()
            if not value.is_word("NULL", "TRUE", "FALSE", "UNKNOWN"):
                raise _Unsupported(value.text)
            words.append(value.text.upper())
            return _Node("postfix", " " + " ".join(words), (left,), COMPARE)
        if upper == "IN" and token.kind == "word":
            if minimum > COMPARE:
                return None
            self.pos += 2 if negated else 1
            items = self.arguments()
            name = " NOT IN " if negated else " IN "
            return _Node("in", name, (left, *items), COMPARE)
        if upper == "BETWEEN" and token.kind == "word":
            if minimum > BETWEEN:
                return None
            self.pos += 2 if negated else 1
            low = self.expression(COMPARE)
            self.expect("AND")
            high = self.expression(COMPARE)
            name = " NOT BETWEEN " if negated else " BETWEEN "
            return _Node("between", name, (left, low, high), BETWEEN)
        if upper == "COLLATE" and token.kind == "word":
            if minimum > COLLATE:
                return None
            self.take()
            collation = self.take().text.strip("`'\"").lower()
            return _Node("postfix", f" COLLATE {collation}", (left,), COLLATE)
        if token.kind == "word" and token.upper in _UNSUPPORTED_WORDS:
            raise _Unsupported(token.text)
        return None

    def arguments(self) -> list[_Node]:
        """A parenthesised, comma-separated list (call arguments, IN lists)."""
        self.expect("(")
        items: list[_Node] = []
        if self.peek() is not None and self.peek().text == ")":  # type: ignore[union-attr]
            self.take()
            return items
        while True:
            items.append(self.expression(0))
            separator = self.take()
            if separator.text == ")":
                return items
            if separator.text != ",":
                raise _Unsupported(separator.text)

    def operand(self) -> _Node:
        token = self.take()
        following = self.peek()
        if token.kind == "op":
            if token.text == "(":
                inner = self.expression(0)
                self.expect(")")
                return inner
            if token.text in ("-", "+", "~"):
                return _Node("unary", token.text, (self.expression(_UNARY_OPERAND),))
            if token.text == "!":
                return _Node("unary", "!", (self.expression(_UNARY_OPERAND + 1),))
            raise _Unsupported(token.text)
        if token.kind == "num":
            return _Node("leaf", token.text)
        if token.kind == "str":
            return _Node("leaf", escape_string(unescape_string(token.text)))
        if token.kind == "qid":
            return self.name(token.text[1:-1].replace("``", "`"))
        upper = token.text.upper()
        if upper.startswith("_") and following is not None and following.kind == "str":
            return self.operand()  # a charset introducer prints nothing
        prefixed = following is not None and following.kind == "str" and not following.space
        if prefixed and upper in ("B", "X", "N"):
            self.take()
            return _Node("leaf", upper.lower() + following.text)  # type: ignore[union-attr]
        if upper in _TYPED_LITERALS and following is not None and following.kind == "str":
            self.take()
            return _Node("leaf", f"{upper} {escape_string(unescape_string(following.text))}")
        if upper == "NOT":
            return _Node("unary", "NOT ", (self.expression(_NOT_OPERAND),))
        if upper == "CASE":
            return self.case()
        if upper in _CONSTANT_WORDS:
            return _Node("leaf", upper)
        if upper in STORED_CALLS and not (following is not None and following.text == "("):
            return _Node("call", STORED_CALLS[upper])
        if upper in _UNSUPPORTED_WORDS:
            raise _Unsupported(token.text)
        if following is not None and following.kind == "op" and following.text == "(":
            return self.call(upper)
        return self.name(token.text)

    def name(self, first: str) -> _Node:
        """A column reference, possibly qualified (``t.c``)."""
        parts = [first]
        while self.peek() is not None and self.peek().text == ".":  # type: ignore[union-attr]
            self.take()
            parts.append(self.take().text.strip("`"))
        if self.peek() is not None and self.peek().text == "(":  # type: ignore[union-attr]
            raise _Unsupported("stored function call")
        printed = ".".join(quote_identifier(p.lower() if self.for_key else p) for p in parts)
        return _Node("leaf", printed)

    def call(self, upper: str) -> _Node:
        if upper == "POSITION":
            return self.position()
        # CAST(x AS t), TRIM(LEADING ...): keyword arguments raise _Unsupported.
        return _Node("call", stored_name(upper), tuple(self.arguments()))

    def position(self) -> _Node:
        """``POSITION(a IN b)`` is stored as ``locate(a, b)``."""
        self.expect("(")
        needle = self.expression(COMPARE + 1)
        self.expect("IN")
        haystack = self.expression(0)
        self.expect(")")
        return _Node("call", "LOCATE", (needle, haystack))

    def case(self) -> _Node:
        parts: list[_Node | None] = []
        operand = None
        if not (self.peek() is not None and self.peek().is_word("WHEN")):  # type: ignore[union-attr]
            operand = self.expression(0)
        parts.append(operand)
        while self.peek() is not None and self.peek().is_word("WHEN"):  # type: ignore[union-attr]
            self.take()
            parts.append(self.expression(0))
            self.expect("THEN")
            parts.append(self.expression(0))
        otherwise = None
        if self.peek() is not None and self.peek().is_word("ELSE"):  # type: ignore[union-attr]
            self.take()
            otherwise = self.expression(0)
        self.expect("END")
        return _Node("case", "", (otherwise, *parts))


def _needs_parentheses(node: _Node, parent: _Node | None, *, left: bool, in_unary: bool) -> bool:
    operator = node.kind in ("binary", "postfix", "in", "between")
    if in_unary:
        return operator or node.kind == "unary"
    if parent is None:
        return False
    if node.kind == "unary":
        return parent.kind in ("binary", "postfix", "in", "between")
    if not operator or parent.kind not in ("binary", "postfix", "in", "between"):
        return False
    if node.precedence != parent.precedence:
        return node.precedence < parent.precedence
    associative = parent.kind == node.kind == "binary" and parent.text == node.text
    return not (left or (associative and node.text in _ASSOCIATIVE))


def _child(node: _Node | None, parent: _Node | None, *, left: bool = True) -> str:
    """``node`` printed under ``parent``, in parentheses only where precedence needs them."""
    if node is None:
        return ""
    text = _render_bare(node)
    in_unary = parent is not None and parent.kind == "unary"
    if _needs_parentheses(node, parent, left=left, in_unary=in_unary):
        return f"({text})"
    return text


def _render_bare(node: _Node) -> str:
    kind = node.kind
    if kind == "leaf":
        return node.text
    if kind == "call":
        return node.text + "(" + ", ".join(_child(arg, None) for arg in node.children) + ")"
    if kind == "unary":
        return node.text + _child(node.children[0], node)
    if kind == "binary":
        first, second = node.children
        return _child(first, node) + node.text + _child(second, node, left=False)
    if kind == "postfix":
        return _child(node.children[0], node) + node.text
    if kind == "in":
        items = ", ".join(_child(item, None) for item in node.children[1:])
        return _child(node.children[0], node) + node.text + f"({items})"
    if kind == "between":
        subject, low, high = node.children
        return (
            _child(subject, node)
            + node.text
            + _child(low, node, left=False)
            + " AND "
            + _child(high, node, left=False)
        )
    otherwise, operand, *branches = node.children
    out = ["CASE"]
    if operand is not None:
        out.append(_child(operand, None))
    for position in range(0, len(branches), 2):
        out += ["WHEN", _child(branches[position], None)]
        out += ["THEN", _child(branches[position + 1], None)]
    if otherwise is not None:
        out += ["ELSE", _child(otherwise, None)]
    out.append("END")
    return " ".join(out)
