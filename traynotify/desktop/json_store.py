"""One small JSON file of entries per API URL, as the state folder keeps them.

``{"version": 1, "accounts": {api_url: entry}}``: read only from the user's own
file and never through a link, a broken one set aside with one warning; written
atomically, 0600, a failed write warned of once until one succeeds again.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from .files import set_aside, write_atomic
from .local import read_private

log = logging.getLogger(__name__)

T = TypeVar("T")


def whole(value: object) -> bool:
    """A count or an id: an int (not a bool) of 0 or more."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass
class AccountsFile(Generic[T]):
    """The per-API-URL file behind a store; ``T`` is what one account's entry reads as.

    ``parse`` turns the ``accounts`` object into entries (raising ValueError,
    TypeError, KeyError or AttributeError for a broken file); ``what`` names the
    file's contents in the warning when it is set aside; ``unread`` and ``unsaved``
    say what the user loses when it cannot be read or written. With no account left,
    ``remove_empty`` deletes the file (and a save makes its folder when missing);
    otherwise an existing file is emptied and a missing one is not made.
    """

    path: Path
    parse: Callable[[dict[Any, Any]], dict[str, T]]
    _: KW_ONLY
    what: str
    unread: str
    unsaved: str
    remove_empty: bool = False
    _failed: bool = field(default=False, init=False, repr=False)

    def load(self) -> dict[str, T] | None:
        """Every account's entry; None when the file is missing, unreadable or broken."""
        try:
            raw = read_private(self.path)  # never through a link; the user's own
        except OSError as exc:
            log.warning("Cannot read %s (%s); %s", self.path, exc.strerror or exc, self.unread)
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
            accounts = data["accounts"]
            if not isinstance(accounts, dict):
                raise TypeError
            return self.parse(accounts)
        except (ValueError, TypeError, KeyError, AttributeError):
            try:
                set_aside(self.path, f"was not a valid file of {self.what}")
            except OSError as exc:
                log.warning("Cannot move aside %s: %s", self.path, exc.strerror)
            return None

    def save(self, accounts: dict[str, Any]) -> None:
        """Write ``accounts``, every account's entry in the file's form."""
        try:
            if not accounts:
                if self.remove_empty:
                    self.path.unlink(missing_ok=True)
                    return
                if not self.path.exists():
                    return
            else:
                if self.remove_empty:
                    self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            write_atomic(self.path, json.dumps({"version": 1, "accounts": accounts}))
            if os.name == "posix":
                os.chmod(self.path, 0o600)  # mkstemp's mode already; said here, not assumed
        except OSError as exc:
            if not self._failed:  # once, not at every poll or click
                log.warning("Cannot save %s (%s); %s", self.path, exc.strerror or exc, self.unsaved)
            self._failed = True
            return
        self._failed = False
