"""Text made safe for hosts and daemons that read it as (Pango or HTML-like) markup."""

from __future__ import annotations


def escape(text: str, quote: bool = False) -> str:
    """``&``, ``<`` and ``>`` as entities (and quotes, for attribute values).

    The same result as :func:`html.escape`, without loading ``html`` (and its
    entity tables) into a tray app that only ever escapes.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        text = text.replace('"', "&quot;").replace("'", "&#x27;")
    return text
