"""Make untrusted text (storage rows, planner output, driver errors) safe to show on a terminal.

Every character a terminal could act on, or that can make text look other than it is, is
replaced by a visible escape such as ``\\x1b`` or ``\\u202e``:

- C0 controls (``\\x00``-``\\x1f``, newline and tab kept when multi-line output is allowed),
  DEL and C1 controls (``\\x80``-``\\x9f``). Escaping ESC and the 8-bit introducers (CSI, OSC,
  DCS, APC, PM, SOS) leaves the rest of any escape sequence as inert, readable text, so
  nothing can clear the screen, move the cursor or write the clipboard;
- bidirectional controls (embeddings, overrides, isolates, LRM/RLM/ALM), which reorder what
  the reader sees, and every other invisible format character (zero-width space and joiners,
  word joiner, BOM, soft hyphen, tag characters);
- line and paragraph separators (U+2028/U+2029), lone surrogates, unassigned code points and
  the blank "filler" letters that render as nothing.

The CLI and the Textual screens both use this one module, so they cannot disagree.
"""

from __future__ import annotations

import json
import re
import unicodedata

# Unicode categories escaped wholesale: controls, format characters (bidi, zero-width, tags),
# surrogates, unassigned code points, line and paragraph separators.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"})
# Letters and marks that display as nothing, usable to hide or spoof text.
_INVISIBLE_LETTERS = frozenset({"\u034f", "\u115f", "\u1160", "\u3164", "\uffa0"})
# Only these candidates need a closer look; plain printable ASCII passes untouched.
_CANDIDATE = re.compile(r"[^\x20-\x7e]")
_SINGLE_LINE_SPACES = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


def needs_escape(char: str, *, multi_line: bool = True) -> bool:
    """True if ``char`` must not reach a terminal raw (newline and tab allowed if multi-line)."""
    if multi_line and char in "\n\t":
        return False
    return unicodedata.category(char) in _ESCAPED_CATEGORIES or char in _INVISIBLE_LETTERS


def visible_escape(char: str) -> str:
    """``\\x1b``, ``\\u202e`` or ``\\U000e0041``: the code point spelled out in ASCII."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(value: object, *, single_line: bool = False) -> str:
    """``value`` as text with every dangerous character shown as a visible escape.

    ``single_line`` turns newline, carriage return and tab into spaces (table cells, one-line
    messages); otherwise newline and tab are kept and a carriage return is escaped, since it
    could overwrite what was printed before it on the line.
    """
    text = "" if value is None else str(value)
    if single_line:
        text = text.translate(_SINGLE_LINE_SPACES)

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        return visible_escape(char) if needs_escape(char) else char

    return _CANDIDATE.sub(replace, text)


def json_text(document: object, **dumps_options: object) -> str:
    """``json.dumps`` that keeps readable Unicode but writes dangerous characters as ``\\u``.

    ``ensure_ascii=False`` leaves C1 controls, bidi and zero-width characters raw; here each is
    written as a JSON ``\\uXXXX`` escape (a surrogate pair above U+FFFF), so a machine reading
    the JSON gets the exact value back and a terminal showing it gets nothing to act on.
    """
    text = json.dumps(document, ensure_ascii=False, **dumps_options)

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        if not needs_escape(char):  # a raw newline here is indentation, outside any string
            return char
        return json.dumps(char, ensure_ascii=True)[1:-1]

    return _CANDIDATE.sub(replace, text)
