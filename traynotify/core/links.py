"""Which console links are safe to open: a pure decision over strings.

A notification's ``link`` comes from the server and is console-relative. It is
joined to the configured console URL, and the result is opened only when it is
https on exactly the console's host (plain http only when the console itself is
on loopback, as in the demo).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .config import is_loopback_host

MAX_LINK_LENGTH = 2048


def _has_unsafe_chars(text: str) -> bool:
    return any(
        ord(ch) < 0x21 or ord(ch) == 0x7F or ch == "\\" or not ch.isprintable() for ch in text
    )


def safe_link(console_url: str, link: str | None) -> str | None:
    """The absolute URL to open for ``link``, or None when it must not be opened."""
    if not link:
        return None
    if len(link) > MAX_LINK_LENGTH or _has_unsafe_chars(link):
        return None
    # Only console-relative paths: "/billing", "/org/keys?tab=x#y".
    # "//host", "https:", "javascript:", "billing" (no slash) are refused.
    if not link.startswith("/") or link.startswith("//"):
        return None
    base = urlsplit(console_url)
    if not base.hostname:
        return None
    if base.scheme != "https" and not (base.scheme == "http" and is_loopback_host(base.hostname)):
        return None
    path, _, fragment = link.partition("#")
    path, _, query = path.partition("?")
    prefix = base.path.rstrip("/")
    url = urlunsplit((base.scheme, base.netloc, prefix + path, query, fragment))
    # Re-parse what we built: it must still be the console's scheme, host and port.
    check = urlsplit(url)
    if (check.scheme, check.hostname, check.port, check.username) != (
        base.scheme,
        base.hostname,
        base.port,
        base.username,
    ):
        return None
    if url.startswith("-"):
        return None
    return url
