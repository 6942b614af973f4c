"""Keyring backends for tests, loaded by keyring itself through PYTHON_KEYRING_BACKEND
(so a ``traynotify login`` in one process and the tray app in another share them)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

ENV_FILE = "TRAYNOTIFY_TEST_KEYRING"


class FileKeyring(KeyringBackend):
    """Keys in the JSON file named by $TRAYNOTIFY_TEST_KEYRING (a test's own folder)."""

    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ[ENV_FILE])

    def _load(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self._path().read_text())
            return data
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("not found")
        self._path().write_text(json.dumps(data))


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.keys.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.keys[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.keys.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


class LockedKeyring(KeyringBackend):
    """A keyring that refuses everything, as a locked one whose prompt was dismissed."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class HangingKeyring(KeyringBackend):
    """A keyring that never answers (an unlock prompt nobody sees)."""

    priority = 1  # type: ignore[assignment]
    calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        HangingKeyring.calls += 1
        time.sleep(3600)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        HangingKeyring.calls += 1
        time.sleep(3600)

    def delete_password(self, service: str, username: str) -> None:
        time.sleep(3600)
