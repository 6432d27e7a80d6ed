"""The lexer: whitespace and comments before a token are matched whitespace first, exactly as
the earlier alternation matched them, and every statement shares one token per distinct pair."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.planner import lexer
from services.planner.lexer import Token, tokenize

# The pattern before the whitespace-first prefix: any run of whitespace and comments as one
# possessive alternation, then the same token alternatives.
REFERENCE = re.compile(
    r"""
    ((?>\s+|/\*.*?\*/|--[^\n]*|\#[^\n]*)*+)
    ( '(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"
    | `(?:[^`]|``)*`
    | \d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w$])|\.\d+
    | [\w$\u0080-\uffff]+
    | <=>|>=|<=|<>|!=|\|\||&&|->>|->|:=|<<|>>|.
    )?
    """,
    re.S | re.X,
)
# Pieces of MySQL text: words (ASCII and not), numbers, every kind of quote (also unterminated
# and with escapes), operators, whitespace and comment starts and ends.
PIECES = st.sampled_from(
    [
        "a", "id", "é", "x1", "$v", "_", "1", "2.5", ".5", "1e3", "12abc", "'", "'s'", "'it''s'",
        "'a\\'b'", '"q"', '"', "`", "`n`", "`a``b`", "(", ")", ",", ";", "=", "<=>", ">=", "->>",
        "||", "-", "*", "/", ".", " ", "  ", "\n", "\t", "\r\n", "/*", "*/", "--", "#", "/*!50100",
    ]
)  # fmt: skip
TEXTS = st.lists(PIECES, max_size=40).map("".join)


def _with_reference_pattern(text: str) -> list[Token]:
    return [
        Token(lexer._KIND_OF_FIRST.get(word[0]) or lexer._kind(word), word, space != "")
        for space, word in REFERENCE.findall(text)
        if word
    ]


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_tokens_are_those_of_the_reference_pattern(text: str) -> None:
    assert tokenize(text) == _with_reference_pattern(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a /* b */ c -- d\ne # f\ng", ["a", "c", "e", "g"]),
        ("COMMENT '--not a comment' x", ["COMMENT", "'--not a comment'", "x"]),
        ("`#col` int", ["`#col`", "int"]),
        ("a/**/b", ["a", "b"]),
    ],
)
def test_comments_are_dropped_and_quoted_comment_starts_are_kept(
    text: str, expected: list[str]
) -> None:
    tokens = tokenize(text)
    assert [token.text for token in tokens] == expected
    assert tokens == _with_reference_pattern(text)


def test_a_comment_counts_as_the_space_before_the_next_token() -> None:
    assert [(t.text, t.space) for t in tokenize("a/**/b c")] == [
        ("a", False),
        ("b", True),
        ("c", True),
    ]


def test_statements_share_one_token_per_distinct_pair() -> None:
    first, second = tokenize("x NOT NULL"), tokenize("y NOT NULL")
    assert first[1] is second[1] and first[2] is second[2]
    assert tokenize("NOT")[0] is not first[1]  # no space before it: another token
    assert tokenize("NOT")[0] == Token("word", "NOT", False)


def test_the_shared_tokens_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexer, "_TOKENS_LIMIT", 3)
    monkeypatch.setattr(lexer, "_tokens", {})
    tokens = tokenize("p q r s t u")
    assert [token.text for token in tokens] == ["p", "q", "r", "s", "t", "u"]
    assert 0 < len(lexer._tokens) <= 3


@pytest.mark.parametrize(
    "text", ["", "  ", "a", "a  ", "a /* x */", "a -- y", "a #z\n", "/* only */"]
)
def test_whitespace_and_comments_at_the_end_are_no_token(text: str) -> None:
    assert tokenize(text) == _with_reference_pattern(text)
