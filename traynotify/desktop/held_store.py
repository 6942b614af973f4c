"""What arrived while pop-ups were paused, kept in the state folder (``held.json``).

A snooze survives a restart; so does what it held back: the pop-up at its end names
what arrived before the restart too. Ids only (titles are read from the unread list
when the pause ends), kept per API URL as pending.json is; written atomically, 0600;
a broken file is set aside with one warning and read as nothing held.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.commands import HELD_MAX, Arrived
from .json_store import AccountsFile, whole

FILE_NAME = "held.json"


def _arrived(raw: Any) -> Arrived:
    if not isinstance(raw, dict):
        raise TypeError
    ids, more = raw.get("ids", []), raw.get("more", 0)
    if not isinstance(ids, list) or not all(whole(i) for i in ids) or not whole(more):
        raise TypeError
    return Arrived(tuple(dict.fromkeys(ids))[:HELD_MAX], more)


def _parse(accounts: dict[Any, Any]) -> dict[str, Arrived]:
    return {str(url): _arrived(entry) for url, entry in accounts.items()}


class HeldStore:
    """What a pause held back, per API URL, in one small JSON file."""

    def __init__(self, path: Path, api_url: str) -> None:
        self.path = path
        self.api_url = api_url
        self._accounts: dict[str, dict[str, Any]] = {}
        self._file = AccountsFile(
            path,
            _parse,
            what="what a pause held back",
            unread="what arrived while pop-ups were paused is not named.",
            unsaved="a restart while paused forgets what arrived.",
            remove_empty=True,
        )

    def load(self) -> Arrived:
        """What an earlier run held back for this API URL (nothing: an empty one)."""
        held = self._file.load()
        if held is None:
            return Arrived()
        self._accounts = {url: {"ids": list(a.ids), "more": a.more} for url, a in held.items()}
        return held.get(self.api_url, Arrived())

    def save(self, held: Arrived) -> None:
        """Keep ``held`` for this API URL (nothing held: its entry goes)."""
        if held:
            self._accounts[self.api_url] = {"ids": list(held.ids[:HELD_MAX]), "more": held.more}
        else:
            self._accounts.pop(self.api_url, None)
        self._file.save(self._accounts)
