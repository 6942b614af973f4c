"""Making server text safe and short enough to show: menu rows, toasts, logs."""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Any

from ..i18n import _, ngettext

ELLIPSIS = "…"


def _is_unsafe(ch: str) -> bool:
    # Cc: C0/C1 controls (ESC starts terminal sequences); Cf: bidi overrides,
    # zero-width joiners and the like; Cs/Co/Cn: surrogates, private, unassigned.
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") and ch != "\u200d"


def clean(text: str) -> str:
    """Drop control and format characters; keep newlines and tabs as spaces."""
    out = []
    for ch in text:
        if ch in "\r\n\t\u2028\u2029\x0b\x0c\x85":
            out.append(" ")
        elif not _is_unsafe(ch):
            out.append(ch)
    return "".join(out)


def one_line(text: str, limit: int | None = None) -> str:
    """Single line, runs of white space folded, shortened to ``limit`` characters."""
    line = " ".join(clean(text).split())
    if limit is not None and len(line) > limit:
        line = line[: max(0, limit - 1)].rstrip() + ELLIPSIS
    return line


def paragraph(text: str, limit: int = 300) -> str:
    """A toast body: controls removed, at most ``limit`` characters."""
    return one_line(text, limit)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code > 0xFFFF:  # JSON spells these as a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def to_json_text(data: Any, indent: int | None = None) -> str:
    """JSON for a terminal or a pipe: readable text stays as it is, but every control,
    format (bidi) or line-separator character is written as a ``\\uXXXX`` escape."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    # Outside strings JSON is plain ASCII (newlines only from indent), and inside them
    # json.dumps has escaped C0 already: escaping the rest one character at a time is safe.
    return "".join(
        _escape(ch) if ch != "\n" and (_is_unsafe(ch) or ch in "\u2028\u2029") else ch
        for ch in text
    )


def ago(then: datetime, now: datetime) -> str:
    """How long ago, in the words a menu uses: "just now", "5 min ago", "3 d ago"."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return _("just now")
    minutes = int(seconds // 60)
    if minutes < 60:
        return ngettext("{n} min ago", "{n} min ago", minutes).format(n=minutes)
    hours = minutes // 60
    if hours < 24:
        return ngettext("{n} h ago", "{n} h ago", hours).format(n=hours)
    days = hours // 24
    return ngettext("{n} d ago", "{n} d ago", days).format(n=days)
