"""The key store: an in-memory, a locked, a hanging and a missing keyring."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from traynotify.cli import main
from traynotify.desktop.credentials import SERVICE, KeySource, KeyStore, find_key
from traynotify.devserver import ContractServer
from traynotify.errors import CredentialError

from .conftest import KEY
from .keyrings import FileKeyring, HangingKeyring, LockedKeyring, MemoryKeyring

URL = "https://llm.bytespike.ai"


def test_keys_are_stored_per_api_url_and_removed() -> None:
    backend = MemoryKeyring()
    store = KeyStore(backend)
    store.set(URL, "key-one")
    store.set("http://127.0.0.1:8080", "key-two")
    assert store.get(URL) == "key-one"
    assert backend.keys[(SERVICE, URL)] == "key-one"
    assert store.delete(URL) is True
    assert store.get(URL) is None
    assert store.delete(URL) is False
    assert store.get("http://127.0.0.1:8080") == "key-two"


def test_a_locked_keyring_says_so_and_points_at_the_environment_variable() -> None:
    with pytest.raises(CredentialError) as info:
        KeyStore(LockedKeyring()).get(URL)
    assert str(info.value) == (
        "The keyring is locked. Set BYTESPIKE_API_KEY instead, or unlock the keyring and try again."
    )


def test_no_keyring_at_all_is_one_clear_message() -> None:
    with pytest.raises(CredentialError, match=r"^No keyring is available on this system"):
        KeyStore(fail.Keyring()).set(URL, "k")


def test_a_hanging_keyring_is_given_up_on_and_not_asked_again_while_stuck() -> None:
    HangingKeyring.calls = 0
    store = KeyStore(HangingKeyring(), timeout=0.2)
    with pytest.raises(CredentialError, match=r"did not answer within 0\.2 s"):
        store.get(URL)
    with pytest.raises(CredentialError, match="did not answer"):
        store.get(URL)
    assert HangingKeyring.calls == 1  # no pile of threads behind a stuck call


class _Echoing(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("no")


def test_the_key_never_appears_in_an_error_even_when_the_backend_echoes_it() -> None:
    with pytest.raises(CredentialError) as info:
        KeyStore(_Echoing()).set(URL, "sk-made-up-secret")
    assert "sk-made-up-secret" not in str(info.value)
    assert "RuntimeError" in str(info.value)


def test_a_stored_key_with_spaces_is_refused_without_echoing_it() -> None:
    backend = MemoryKeyring()
    backend.keys[(SERVICE, URL)] = "bad key"
    with pytest.raises(CredentialError) as info:
        KeyStore(backend).get(URL)
    assert "bad key" not in str(info.value)


class _Counting(MemoryKeyring):
    reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


def test_key_source_prefers_the_environment_and_reads_the_keyring_only_when_told() -> None:
    backend = _Counting()
    backend.keys[(SERVICE, URL)] = "stored-key"
    source = KeySource({}, KeyStore(backend), URL)
    assert [source() for _ in range(5)] == ["stored-key"] * 5
    assert backend.reads == 1  # idle polls do not talk to the keyring
    backend.keys[(SERVICE, URL)] = "new-key"
    assert source() == "stored-key"
    source.changed()
    assert source() == "new-key"
    assert KeySource({"BYTESPIKE_API_KEY": "env-key"}, KeyStore(backend), URL)() == "env-key"


def test_key_source_keeps_looking_while_signed_out() -> None:
    backend = _Counting()
    source = KeySource({}, KeyStore(backend), URL)
    assert source() is None
    backend.keys[(SERVICE, URL)] = "arrived"
    assert source() == "arrived"


def test_headless_commands_say_how_to_sign_in() -> None:
    with pytest.raises(CredentialError, match="run 'traynotify login'"):
        find_key({}, KeyStore(MemoryKeyring()), URL)


# -- login and logout through the command line ---------------------------------------


def cli(argv: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def stored(tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "keyring.json"
    return json.loads(path.read_text()) if path.exists() else {}


@pytest.fixture
def url_env(server: ContractServer) -> dict[str, str]:
    return {"BYTESPIKE_API_URL": server.url}


def test_login_checks_the_key_stores_it_and_count_then_uses_it(
    url_env: dict[str, str], server: ContractServer, tmp_path: Path
) -> None:
    code, out, err = cli(["login"], url_env, stdin=KEY + "\n")
    assert (code, err) == (0, "")
    assert out.startswith(f"Signed in to {server.url}; the key is kept in: keyrings FileKeyring.")
    assert KEY not in out
    assert stored(tmp_path) == {f"traynotify/{server.url}": KEY}
    assert server.requests("unread-count")[-1].key == KEY
    assert cli(["count"], url_env) == (0, "3\n", "")

    code, out, _ = cli(["logout"], url_env)
    assert (code, out) == (
        0,
        f"Signed out of {server.url}: the key was removed from the keyring.\n",
    )
    assert stored(tmp_path) == {}
    code, _, err = cli(["count"], url_env)
    assert code == 3
    assert "Not signed in: run 'traynotify login'" in err
    assert cli(["logout"], url_env)[1] == f"No key was stored for {server.url}.\n"


def test_login_with_a_rejected_key_stores_nothing(url_env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = cli(["login"], url_env, stdin="test-key-nobody\n")
    assert code == 3
    assert out == ""
    assert err == (
        "traynotify: The server did not accept this key (The API key is missing or has been "
        "revoked); nothing was stored.\n"
    )
    assert "test-key-nobody" not in err
    assert stored(tmp_path) == {}


def test_login_while_offline_stores_nothing_unless_told_not_to_check(tmp_path: Path) -> None:
    env = {"BYTESPIKE_API_URL": "http://127.0.0.1:1"}
    code, _, err = cli(["login"], env, stdin="test-key-x\n")
    assert code == 4
    assert "The key was not stored; use --no-check to store it anyway." in err
    assert stored(tmp_path) == {}
    assert cli(["login", "--no-check"], env, stdin="test-key-x\n")[0] == 0
    assert stored(tmp_path) == {"traynotify/http://127.0.0.1:1": "test-key-x"}


def test_login_refuses_empty_or_malformed_input(url_env: dict[str, str], tmp_path: Path) -> None:
    assert (
        cli(["login"], url_env, stdin="")[2]
        == "traynotify: The API key from your input is empty.\n"
    )
    code, _, err = cli(["login"], url_env, stdin="two words\n")
    assert code == 3
    assert "two words" not in err
    assert stored(tmp_path) == {}


def test_a_key_typed_on_the_command_line_is_refused_and_not_echoed(
    url_env: dict[str, str],
) -> None:
    code, out, err = cli(["login", "sk-made-up-secret"], url_env)
    assert code == 2
    assert "sk-made-up-secret" not in out + err
    assert "unrecognized arguments: …" in err


def test_environment_key_wins_and_login_says_so(url_env: dict[str, str], tmp_path: Path) -> None:
    code, out, _ = cli(["login"], {**url_env, "BYTESPIKE_API_KEY": "test-key-bob"}, stdin=KEY)
    assert code == 0
    assert "BYTESPIKE_API_KEY is set, and wins over the stored key" in out
    # bob has 1 unread, alice (stored) 3: the environment's key is the one used
    assert cli(["count"], {**url_env, "BYTESPIKE_API_KEY": "test-key-bob"})[1] == "1\n"


def test_a_locked_keyring_fails_login_in_one_line(url_env: dict[str, str]) -> None:
    keyring.set_keyring(LockedKeyring())
    code, out, err = cli(["login"], url_env, stdin=KEY + "\n")
    assert code == 3
    assert out == ""
    assert err == (
        "traynotify: The keyring is locked. Set BYTESPIKE_API_KEY instead, or unlock the "
        "keyring and try again.\n"
    )
    keyring.set_keyring(FileKeyring())
