"""The one sanitiser: nothing a terminal could act on, or that hides text, survives raw."""

from __future__ import annotations

import json

import pytest

from services.terminal_text import json_text, printable

C0 = [chr(code) for code in range(0x20)]
C1 = [chr(code) for code in range(0x80, 0xA0)]
BIDI = [chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))] + [
    "\u200e",
    "\u200f",
    "\u061c",
]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\U000e0041", "\u3164"]
SEPARATORS = ["\u2028", "\u2029"]
SEQUENCES = {
    "OSC 52 clipboard write": "\x1b]52;c;cm0gLXJmIC8=\x07",
    "OSC title, ST-terminated": "\x1b]0;owned\x1b\\",
    "CSI clear screen": "\x1b[2J\x1b[H",
    "CSI colour": "\x1b[31;1mred",
    "DCS": "\x1bP1$qm\x1b\\",
    "APC": "\x1b_payload\x1b\\",
    "PM": "\x1b^payload\x1b\\",
    "SOS": "\x1bXpayload\x1b\\",
    "8-bit CSI": "\x9b2J",
    "8-bit OSC": "\x9d52;c;eA==\x9c",
    "8-bit DCS": "\x90payload\x9c",
    "8-bit APC, PM, SOS": "\x9fa\x9c\x9eb\x9c\x98c\x9c",
}
# Everything that must never be written raw, whatever the mode.
FORBIDDEN = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {
    "\x7f",
    *C1,
    *BIDI,
    *INVISIBLE,
    *SEPARATORS,
}


def _raw(text: str, *, multi_line: bool) -> set[str]:
    allowed = {"\n", "\t"} if multi_line else set()
    spacing = {"\n", "\t", "\r"} - allowed
    return {char for char in text if char in FORBIDDEN or char in spacing}


@pytest.mark.parametrize("single_line", [False, True])
@pytest.mark.parametrize("char", [*C0, "\x7f", *C1, *BIDI, *INVISIBLE, *SEPARATORS])
def test_every_control_and_format_character_is_escaped(char: str, single_line: bool) -> None:
    out = printable(f"a{char}b", single_line=single_line)
    assert not _raw(out, multi_line=not single_line)
    if char in "\n\t" and not single_line:
        assert out == f"a{char}b"
    elif char in "\n\t\r" and single_line:
        assert out == "a b"
    else:
        code = ord(char)
        width = "x%02x" if code < 0x100 else "u%04x" if code < 0x10000 else "U%08x"
        assert out == "a\\" + width % code + "b"


@pytest.mark.parametrize("name", sorted(SEQUENCES))
def test_escape_sequences_become_inert_text(name: str) -> None:
    sequence = SEQUENCES[name]
    for single_line in (False, True):
        out = printable(f"owner{sequence}", single_line=single_line)
        assert not _raw(out, multi_line=not single_line), name
        assert out.isascii(), name


def test_visible_escapes_spell_the_code_point() -> None:
    assert printable("\x1b]52;c;eA==\x07") == "\\x1b]52;c;eA==\\x07"
    assert printable("\x1b[2J") == "\\x1b[2J"
    assert printable("\x9b2J") == "\\x9b2J"
    assert printable("admin\u202egnp.exe") == "admin\\u202egnp.exe"
    assert printable("tag\U000e0041") == "tag\\U000e0041"
    assert printable("a\rb") == "a\\x0db"
    assert printable("a\nb\tc") == "a\nb\tc"
    assert printable("a\nb\tc\rd", single_line=True) == "a b c d"
    assert printable(None) == ""


def test_ordinary_unicode_is_kept() -> None:
    text = "café, naïve 日本語 emoji 🙂, back\\slash `q` [red]"
    assert printable(text) == text


def test_lone_surrogates_are_escaped_not_crashing() -> None:
    assert printable("x\udc80y") == "x\\udc80y"


@pytest.mark.parametrize("value", [*SEQUENCES.values(), "".join(C0 + C1 + BIDI + INVISIBLE)])
def test_json_text_round_trips_with_no_raw_control(value: str) -> None:
    document = {"owner": value, "ok": "café 🙂"}
    for indent in (None, 2):
        text = json_text(document, indent=indent)
        assert json.loads(text) == document
        assert not ({char for char in text} & FORBIDDEN)
        assert "café 🙂" in text
