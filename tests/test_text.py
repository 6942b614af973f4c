from __future__ import annotations

import json
import unicodedata
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from traynotify.core.text import ago, one_line, to_json_text

NOW = datetime(2026, 5, 22, 12, 0, tzinfo=timezone.utc)


def test_one_line_folds_and_cleans() -> None:
    assert one_line("a\nb\r\n\tc  d") == "a b c d"
    assert one_line("\x1b[31mred\x1b[0m") == "[31mred[0m"
    assert one_line("abc\u202edef\u200bghi") == "abcdefghi"
    assert one_line("付款已到账 · ¥25 💸") == "付款已到账 · ¥25 💸"


def test_one_line_shortens_with_an_ellipsis() -> None:
    assert one_line("x" * 10_000, 20) == "x" * 19 + "…"
    assert one_line("short", 20) == "short"


@given(st.text(), st.integers(min_value=1, max_value=200))
def test_one_line_is_always_one_safe_line(text: str, limit: int) -> None:
    line = one_line(text, limit)
    assert len(line) <= limit
    assert "\n" not in line
    assert "\r" not in line
    assert all(c.isprintable() or c == "\u200d" for c in line)


def test_ago() -> None:
    assert ago(NOW - timedelta(seconds=5), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=5), NOW) == "5 min ago"
    assert ago(NOW - timedelta(hours=3, minutes=59), NOW) == "3 h ago"
    assert ago(NOW - timedelta(days=2), NOW) == "2 d ago"
    assert ago(NOW + timedelta(minutes=5), NOW) == "just now"  # clock skew


def test_json_text_escapes_controls_and_bidi_but_keeps_readable_text() -> None:
    data = {"title": "付款 💸 evil\u202egnp.exe\x1b[31m\x9b\x85\u2028\u2066x\u200b\U000e0041"}
    text = to_json_text(data)
    assert json.loads(text) == data
    assert "付款 💸 evil" in text
    assert text == (
        '{"title": "付款 💸 evil\\u202egnp.exe\\u001b[31m\\u009b\\u0085\\u2028\\u2066x'
        '\\u200b\\udb40\\udc41"}'
    )


@given(st.recursive(st.text(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_text_round_trips_and_never_carries_an_unsafe_character(data: object) -> None:
    text = to_json_text(data, indent=2)
    assert json.loads(text) == data
    unsafe = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    assert all(ch in "\n\u200d" or unicodedata.category(ch) not in unsafe for ch in text), ascii(
        text
    )
