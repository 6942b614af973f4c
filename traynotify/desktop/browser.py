"""Opening a console page in the user's browser (``webbrowser`` honours $BROWSER)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def open_url(url: str) -> bool:
    """Open ``url``; False (logged) when no browser could be started."""
    if url.startswith("-") or not url.startswith(("https://", "http://")):
        log.warning("Refusing to open %r.", url)
        return False
    import webbrowser  # on the first click, not at start: an idle tray need not hold it

    try:
        opened = webbrowser.open(url, new=2)
    except Exception as exc:
        log.warning("Could not open a browser (%s): %s", type(exc).__name__, exc)
        return False
    if not opened:
        log.warning("No browser could be started for %s.", url)
    return opened
