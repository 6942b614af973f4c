"""The one folder traynotify keeps its own files in, and why it may trust it.

Every file the app keeps for itself (``instance.lock``, ``instance.json``, the socket,
``seen.json``, and any later one) lives in one folder, the state folder, used only when
it is this user's: the folder itself owned by this user and closed to group and others,
and every folder above it owned by this user or root and writable by no one else (or
sticky, as ``/tmp``, where no one else may rename what is ours). A state folder under a
shared writable path (``HOME=/tmp``, an ``XDG_STATE_HOME`` on a shared disk) may have
been made first by another account, which could then hold the lock, point
``instance.json`` at its own socket or plant ``seen.json``; such a folder is not used
at all. The app then keeps *all* its files in a private folder of its own
(``$XDG_RUNTIME_DIR/traynotify``, else ``traynotify-<uid>`` in the temporary folder),
made 0700 and checked the same way, and the running app says so once.

For a new file, use :func:`state_folder` (or :func:`settle` / :func:`find` with a
folder of your own) and :meth:`Folder.file`; read it with :func:`read_private` and
write it with :func:`traynotify.desktop.files.write_atomic`. On Windows, where there
are no uids to compare, the folder is the user's profile and is used as it is.

This module loads only the standard library's os and stat, so ``traynotify count``
stays quick.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "Folder",
    "find",
    "made_by_another",
    "open_lock",
    "read_private",
    "settle",
    "state_folder",
    "untrusted",
]

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""Open the file itself, never what a link points to (none on Windows)."""
CHECKS = hasattr(os, "geteuid") and sys.platform != "win32"
"""Whether the OS has uids to check folders and peers against (not Windows)."""
MAX_READ = 1 << 24
"""Largest file :func:`read_private` reads (16 MB; the seen store stays far below)."""


class Folder(NamedTuple):
    """Where the app's files go, and why there."""

    path: Path
    """The folder every file goes in (its real path, links resolved)."""
    wanted: Path
    """The state folder asked for."""
    problem: str | None = None
    """Why ``path`` is not ``wanted`` (None: it is)."""

    def file(self, name: str) -> Path:
        """The path of the app's file ``name`` in this folder."""
        return self.path / name


def _uid() -> int:
    return os.geteuid() if CHECKS else -1


def untrusted(folder: Path) -> str | None:
    """Why ``folder`` (as it is now) may not hold this user's files; None when it may."""
    if not CHECKS:
        return None
    uid = _uid()
    real = Path(os.path.realpath(folder))
    try:
        st = os.stat(real)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    if not stat.S_ISDIR(st.st_mode):
        return _("not a folder")
    if st.st_uid != uid:
        return _("owned by another account (uid {uid})").format(uid=st.st_uid)
    if st.st_mode & 0o022:
        return _("writable by other accounts")
    for parent in real.parents:
        try:
            up = os.stat(parent)
        except OSError as exc:
            return exc.strerror or type(exc).__name__
        if up.st_uid not in (0, uid):
            return _("{path} is owned by another account (uid {uid})").format(
                path=parent, uid=up.st_uid
            )
        if up.st_mode & 0o022 and not up.st_mode & stat.S_ISVTX:
            return _("{path} is writable by other accounts").format(path=parent)
    return None


def made_by_another(folder: Path) -> bool:
    """Whether the nearest folder of ``folder``'s that exists is another account's (not
    root's): one made first, in a shared place, that :func:`settle` steps around."""
    if not CHECKS:
        return False
    for candidate in (folder, *folder.parents):
        try:
            owner = os.stat(candidate).st_uid
        except OSError:
            continue
        return owner not in (0, _uid())
    return False


def _(text: str) -> str:
    """``text`` in the user's language (gettext loads only when there is something to say)."""
    from ..i18n import _ as translate

    return translate(text)


def _claim(folder: Path, parents: bool) -> str | None:
    """Make ``folder`` (0700) if need be, close it to others if it is ours; why not."""
    try:
        folder.mkdir(parents=parents, exist_ok=True, mode=0o700)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    if CHECKS:
        real = os.path.realpath(folder)
        try:
            st = os.stat(real)
            if st.st_uid == _uid() and stat.S_ISDIR(st.st_mode) and st.st_mode & 0o077:
                os.chmod(real, 0o700)  # ours: readable by no one else either
        except OSError as exc:
            return exc.strerror or type(exc).__name__
    return untrusted(folder)


def private_folders(env: dict[str, str] | None = None) -> list[Path]:
    """Where the app's own folder goes when the state folder is not the user's."""
    env = dict(os.environ) if env is None else env
    found = []
    runtime = env.get("XDG_RUNTIME_DIR", "").strip()
    if runtime and os.path.isabs(runtime):
        found.append(Path(runtime) / "traynotify")
    tmp = env.get("TMPDIR", "").strip()
    base = tmp if tmp and os.path.isabs(tmp) else "/tmp"  # noqa: S108 - checked as any other
    found.append(Path(base) / f"traynotify-{_uid()}")
    return found


def settle(wanted: Path) -> Folder:
    """The folder to keep the app's files in, made if need be (for the running app).

    ``wanted`` when it is (or can be made) this user's; else the first private folder
    that is. OSError when none is."""
    problem = _claim(wanted, parents=True)
    if problem is None:
        return Folder(Path(os.path.realpath(wanted)), wanted)
    if not CHECKS:
        raise OSError(errno.EACCES, problem, str(wanted))
    for private in private_folders():
        # in a shared folder a link is whoever made it first's: only a folder itself
        if not os.path.islink(private) and _claim(private, parents=False) is None:
            return Folder(Path(os.path.realpath(private)), wanted, problem)
    raise OSError(
        errno.EACCES,
        _("no folder of this user's to keep traynotify's files in ({reason})").format(
            reason=problem
        ),
        str(wanted),
    )


def find(wanted: Path) -> Folder | None:
    """Where a running app keeps its files, as :func:`settle` chose (for asking it).

    Makes nothing: None when neither ``wanted`` nor a private folder is there and this
    user's."""
    if wanted.is_dir() and untrusted(wanted) is None:
        return Folder(Path(os.path.realpath(wanted)), wanted)
    if not CHECKS:
        return None
    for private in private_folders():
        if not os.path.islink(private) and private.is_dir() and untrusted(private) is None:
            return Folder(Path(os.path.realpath(private)), wanted, "not the state folder")
    return None


def state_folder() -> Folder:
    """The user's state folder (:func:`traynotify.desktop.paths.state_dir`), settled."""
    from .paths import state_dir

    return settle(state_dir())


def _refuse(path: Path) -> OSError:
    return OSError(
        errno.EPERM,
        _("not a plain file of this user's (a link?); traynotify leaves it alone"),
        str(path),
    )


def _mine(fd: int) -> bool:
    st = os.fstat(fd)
    return stat.S_ISREG(st.st_mode) and (not CHECKS or st.st_uid == _uid())


def open_lock(path: Path) -> int:
    """A descriptor on the lock file ``path`` (made 0600), never through a link."""
    flags = os.O_RDWR | os.O_CREAT | O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):
            raise _refuse(path) from None
        raise
    if not _mine(fd):
        os.close(fd)
        raise _refuse(path)
    return fd


def read_private(path: Path, limit: int = MAX_READ) -> bytes | None:
    """The bytes of ``path``, a plain file of this user's; None when there is none.

    Never follows a link. OSError when the file is a link, another account's, not a
    plain file, larger than ``limit`` or unreadable."""
    flags = os.O_RDONLY | O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):
            raise _refuse(path) from None
        raise
    with open(fd, "rb", closefd=True) as f:
        if not _mine(fd):
            raise _refuse(path)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise OSError(errno.EFBIG, "too large", str(path))
    return data
