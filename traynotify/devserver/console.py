"""Typed commands that change the contract server while it runs (``demo --server-only``)."""

from __future__ import annotations

from collections.abc import Iterator

from .samples import DEMO_KEY, DEMO_USER, add_next
from .server import ContractServer, Fault

HELP = """commands:
  add                 add a new sample notification
  fault STATUS [RA]   answer every request with STATUS (e.g. 500, 503, 429), Retry-After RA
  slow SECONDS        answer every request after SECONDS (past the client's timeout: 11)
  drop                close every connection without an answer
  html                answer with an HTML page instead of JSON
  shape               answer with JSON of the wrong shape
  clear               back to normal answers
  revoke / restore    revoke the demo key / give it back
  help                this list"""


def apply_command(
    server: ContractServer, line: str, events: Iterator[tuple[str, str, str, str | None]]
) -> str:
    """Run one command line; returns what to print."""
    words = line.split()
    if not words:
        return ""
    name, args = words[0].lower(), words[1:]
    try:
        if name == "add":
            note = add_next(server.store, events)
            return f"added {note.id}: {note.title}"
        if name == "fault":
            status = int(args[0])
            if not 400 <= status <= 599:
                return "fault takes an HTTP error status from 400 to 599"
            retry_after = " ".join(args[1:]) or None  # seconds, or an HTTP date with spaces
            server.inject(Fault("status", status=status, retry_after=retry_after))
            return f"every request now gets HTTP {status}" + (
                f" with Retry-After: {retry_after}" if retry_after else ""
            )
        if name == "slow":
            delay = float(args[0])
            server.inject(Fault("slow", delay=delay))
            return f"every request now waits {delay:g} s"
        if name in ("drop", "html", "shape"):
            kind = {"drop": "drop", "html": "not_json", "shape": "wrong_shape"}[name]
            server.inject(Fault(kind))  # type: ignore[arg-type]
            return f"every request now gets: {name}"
        if name == "clear":
            server.clear_faults()
            return "normal answers again"
        if name == "revoke":
            server.store.revoke_key(DEMO_KEY)
            return "the demo key is revoked (401 from now on)"
        if name == "restore":
            server.store.add_key(DEMO_KEY, DEMO_USER)
            return "the demo key works again"
        if name == "help":
            return HELP
    except (IndexError, ValueError):
        return f"{name}: missing or wrong value (try 'help')"
    return f"unknown command {name!r} (try 'help')"
