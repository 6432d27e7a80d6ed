from screens.safe_text import literal, printable


def test_markup_is_not_interpreted() -> None:
    text = literal("[red]x[/red]")
    assert text.plain == "[red]x[/red]"
    assert not text.spans


def test_control_characters_become_visible_escapes() -> None:
    assert printable("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert printable("line1\nline2", single_line=True) == "line1 line2"
    assert printable(None) == ""


def test_bidi_and_zero_width_characters_are_escaped_in_rich_text() -> None:
    text = literal("admin\u202egnp.exe\u200b\x9b2J", single_line=True)
    assert text.plain == "admin\\u202egnp.exe\\u200b\\x9b2J"
