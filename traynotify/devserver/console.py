"""Typed commands that change the contract server while it runs (``demo --server-only``)."""

from __future__ import annotations

from collections.abc import Iterator

from .faults import LIST, Drip, Huge, MiB, Rows
from .samples import DEMO_KEY, DEMO_USER, add_next
from .server import ContractServer, Fault

HELP = """commands:
  add                 add a new sample notification
  fault STATUS [RA]   answer every request with STATUS (e.g. 500, 503, 429), Retry-After RA
  slow SECONDS        answer every request after SECONDS (past the client's timeout: 11)
  drop                close every connection without an answer
  html                answer with an HTML page instead of JSON
  shape               answer with JSON of the wrong shape
  drip [SECONDS]      send every answer a byte every SECONDS (default 0.5), padded to 2 KB
  huge [MB]           answer every request with a body of MB megabytes (default 64)
  badrow              the first row of every list has a numeric link (a malformed row)
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
        if name == "drip":
            every = float(args[0]) if args else 0.5
            if not 0 < every <= 60:
                return "drip takes a number of seconds above 0, at most 60"
            server.faults.arm(Drip(every=every, pad_to=2048), times=None)
            return f"every answer now drips, a byte every {every:g} s"
        if name == "huge":
            size = int(args[0]) if args else 64
            if not 1 <= size <= 4096:
                return "huge takes a number of megabytes from 1 to 4096"
            server.faults.arm(Huge(size=size * MiB), times=None)
            return f"every request now gets a {size} MB answer"
        if name == "badrow":
            server.faults.arm(Rows.corrupt(0, "link", 42), path=LIST, times=None)
            return "the first row of every list now has a numeric link"
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
