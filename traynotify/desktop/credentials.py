"""The API key: from BYTESPIKE_API_KEY, or else the OS keyring (the only keyring adapter).

Every keyring call runs in a helper thread and is given a few seconds: a locked
Secret Service can wait for an unlock prompt nobody answers, and a tray app must
never hang on that. The key is never put into a message, a log line or a file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..core.config import ENV_KEY, check_key, key_from_env
from ..errors import CredentialError, KeyringUnavailable
from ..i18n import _
from .command import command

SERVICE = "traynotify"
TIMEOUT = 5.0
"""Seconds a keyring call may take before we give up on it."""

T = TypeVar("T")


def _way_out() -> str:
    return _("Set {env} instead, or unlock the keyring and try again.").format(env=ENV_KEY)


def _no_keyring() -> KeyringUnavailable:
    return KeyringUnavailable(
        _(
            "No keyring is available on this system. Set {env} to your key "
            "instead (for example in ~/.profile), or run a Secret Service such as GNOME Keyring "
            "or KWallet and try again."
        ).format(env=ENV_KEY)
    )


class KeyStore:
    """Keys kept in the OS keyring, one per API base URL."""

    def __init__(self, backend: Any = None, timeout: float = TIMEOUT) -> None:
        self._backend = backend
        self._timeout = timeout
        self._stuck: threading.Thread | None = None

    def _keyring(self) -> Any:
        if self._backend is None:
            import keyring  # loaded only when a key is actually needed from it

            self._backend = keyring.get_keyring()
        return self._backend

    @property
    def name(self) -> str:
        """The backend's name, for messages ("SecretService Keyring", ...)."""
        return self._timed(lambda: str(getattr(self._keyring(), "name", "keyring")))

    def get(self, account: str) -> str | None:
        key = self._timed(lambda: self._keyring().get_password(SERVICE, account))
        if key is None:
            return None
        return check_key(str(key), _("the keyring"))

    def set(self, account: str, key: str) -> None:
        self._timed(lambda: self._keyring().set_password(SERVICE, account, key), secret=key)

    def delete(self, account: str) -> bool:
        """Remove the key; False when none was stored."""
        if self.get(account) is None:
            return False
        self._timed(lambda: self._keyring().delete_password(SERVICE, account))
        return True

    def _timed(self, call: Callable[[], T], secret: str | None = None) -> T:
        if self._stuck is not None and self._stuck.is_alive():
            # Still waiting on an earlier call: do not pile up threads behind it.
            raise self._no_answer()
        result: list[T] = []
        failure: list[BaseException] = []

        def work() -> None:
            try:
                result.append(call())
            except BaseException as exc:
                failure.append(exc)

        worker = threading.Thread(target=work, name="traynotify-keyring", daemon=True)
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            self._stuck = worker
            raise self._no_answer()
        if failure:
            raise _translate(failure[0], secret) from None
        return result[0]

    def _no_answer(self) -> CredentialError:
        return CredentialError(
            _("The keyring did not answer within {s:g} s (is it locked?).").format(s=self._timeout)
            + " "
            + _way_out()
        )


def _translate(exc: BaseException, secret: str | None) -> BaseException:
    """One clear CredentialError for whatever the keyring raised."""
    if isinstance(exc, CredentialError):
        return exc
    kind = type(exc).__name__
    detail = " ".join(str(exc).split())
    if secret:
        detail = detail.replace(secret, "***")
    if kind == "NoKeyringError":
        return _no_keyring()
    if kind == "KeyringLocked":
        text = _("The keyring is locked.")
    elif isinstance(exc, Exception):
        text = _("The keyring failed ({kind}: {detail}).").format(kind=kind, detail=detail[:200])
    else:
        return exc  # KeyboardInterrupt and the like go on up
    return CredentialError(f"{text} {_way_out()}")


class KeySource:
    """What the poller asks for a key: BYTESPIKE_API_KEY, else the keyring.

    The keyring is read once and again only after :meth:`changed` (a ``login`` or
    ``logout`` told us) or while no key is known, so an idle app does not talk to
    the keyring on every poll.
    """

    def __init__(self, env: Mapping[str, str], store: KeyStore, account: str) -> None:
        self._env = env
        self._store = store
        self._account = account
        self._lock = threading.Lock()
        self._cached: str | None = None
        self._fresh = False

    def changed(self) -> None:
        with self._lock:
            self._fresh = False

    def has_keyring(self) -> bool:
        """Whether this system has a keyring that could keep a key (a locked or failing
        one counts: it is there). May take up to the keyring's timeout."""
        try:
            self._store.get(self._account)
        except KeyringUnavailable:
            return False
        except CredentialError:
            return True
        return True

    def __call__(self) -> str | None:
        from_env = key_from_env(self._env)
        if from_env is not None:
            return from_env
        with self._lock:
            if self._fresh and self._cached is not None:
                return self._cached
        key = self._store.get(self._account)
        with self._lock:
            self._cached, self._fresh = key, True
        return key


def sign_in_help(has_keyring: bool) -> str:
    """How to sign in on this system: ``login`` needs a keyring to keep the key in."""
    if not has_keyring:
        return _(
            "No keyring is available on this system, so '{command}' cannot keep a key here: "
            "set {env} to your API key (for example in ~/.profile) and start traynotify again."
        ).format(command=command("login"), env=ENV_KEY)
    return _(
        "Run '{command}' in a terminal and paste your API key; this icon picks it up at once. "
        "Or set {env} to your key and start traynotify again."
    ).format(command=command("login"), env=ENV_KEY)


def find_key(env: Mapping[str, str], store: KeyStore, account: str) -> str:
    """The key for a headless command, or a CredentialError saying how to sign in."""
    key = KeySource(env, store, account)()
    if key is None:
        raise CredentialError(
            _("Not signed in: run '{command}', or set {env} to your API key.").format(
                command=command("login"), env=ENV_KEY
            )
        )
    return key
