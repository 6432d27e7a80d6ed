"""Reading one element of a CREATE TABLE body: a token cursor and the draft being filled."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.planner.lexer import Token, matching_paren
from services.planner.model import Check, Column, ForeignKey, Index
from services.planner.spirit_level import DEFAULT_LEVEL, LevelRules, rules_for


@dataclass(slots=True)
class Cursor:
    """A read position over one element's tokens (each method reads the list itself: they run
    for every token of every table)."""

    tokens: list[Token]
    pos: int = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at_word(self, *words: str) -> bool:
        tokens, pos = self.tokens, self.pos
        if pos >= len(tokens):
            return False
        token = tokens[pos]
        return token.kind == "word" and token.text.upper() in words

    def at_op(self, text: str) -> bool:
        tokens, pos = self.tokens, self.pos
        if pos >= len(tokens):
            return False
        token = tokens[pos]
        return token.kind == "op" and token.text == text

    def take(self) -> Token:
        tokens, pos = self.tokens, self.pos
        if pos >= len(tokens):
            raise ValueError("unexpected end of definition")
        self.pos = pos + 1
        return tokens[pos]

    def take_word(self, *words: str) -> bool:
        tokens, pos = self.tokens, self.pos
        if pos < len(tokens):
            token = tokens[pos]
            if token.kind == "word" and token.text.upper() in words:
                self.pos = pos + 1
                return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.take_word(word):
            found = self.peek()
            raise ValueError(f"expected {word}, found {found.text if found else 'end'!r}")

    def skip_equals(self) -> None:
        if self.at_op("="):
            self.pos += 1

    def take_parens(self) -> list[Token]:
        """The tokens inside the parenthesised group at the cursor."""
        if not self.at_op("("):
            found = self.peek()
            raise ValueError(f"expected '(', found {found.text if found else 'end'!r}")
        close = matching_paren(self.tokens, self.pos)
        if close < 0:
            raise ValueError("unbalanced parentheses")
        inner = self.tokens[self.pos + 1 : close]
        self.pos = close + 1
        return inner

    def done(self) -> bool:
        return self.pos >= len(self.tokens)


@dataclass(slots=True)
class Draft:
    """Definitions read from a body, before names are assigned and normalisations applied."""

    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)  # name "" = unnamed
    column_checks: list[tuple[str, Check]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    rules: LevelRules = field(default_factory=lambda: rules_for(DEFAULT_LEVEL))


def string_literal(cur: Cursor, what: str) -> str:
    cur.skip_equals()
    token = cur.take()
    if token.kind != "str":
        raise ValueError(f"{what} expects a quoted string, found {token.text!r}")
    return token.text
