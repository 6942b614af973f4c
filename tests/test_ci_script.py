"""`.ci/install-packages`: what a fresh machine lacks gets installed, as root or with sudo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO

SCRIPT = REPO / ".ci" / "install-packages"


def _wanted() -> list[str]:
    names = []
    for name in ("packaging/debian-deps.txt", ".ci/apt-packages.txt"):
        for line in (REPO / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                names.append(line.strip())
    return names


def run_with(
    tmp_path: Path, *, uid: int, sudo: bool, installed: set[str]
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the script with stand-ins for id, sudo, dpkg-query and apt-get that log calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("bash", "grep", "dirname", "env", "cat"):
        real = shutil.which(tool)
        assert real is not None
        (bin_dir / tool).symlink_to(real)
    stubs = {
        "id": f'[ "$1" = -u ] && echo {uid}',
        "apt-get": f'echo "apt-get $* as $TN_AS" >> {log}',
        "dpkg-query": (
            'pkg="${!#}"; case " '
            + " ".join(sorted(installed))
            + ' " in *" $pkg "*) echo -n "install ok installed";; *) exit 1;; esac'
        ),
    }
    if sudo:
        stubs["sudo"] = f'echo "sudo $1" >> {log}; TN_AS=root exec "$@"'
    for name, body in stubs.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/bash\n{body}\n", encoding="utf-8")
        path.chmod(0o755)
    env = {"PATH": str(bin_dir), "TN_AS": "root" if uid == 0 else "user", "HOME": str(tmp_path)}
    done = subprocess.run(
        [str(bin_dir / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
    )
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return done, calls


@pytest.mark.parametrize(("uid", "sudo"), [(0, False), (1000, True)], ids=["root", "sudo-user"])
def test_missing_packages_are_installed_after_refreshing_the_lists(
    tmp_path: Path, uid: int, sudo: bool
) -> None:
    wanted = _wanted()
    have = set(wanted[: len(wanted) // 2])
    done, calls = run_with(tmp_path, uid=uid, sudo=sudo, installed=have)
    assert done.returncode == 0, done.stderr
    apt = [c for c in calls if c.startswith("apt-get")]
    assert apt[0] == "apt-get update -qq as root"
    installing = apt[1].removesuffix(" as root").split()
    assert installing[:4] == ["apt-get", "install", "-y", "-qq"]
    assert sorted(installing[4:]) == sorted(set(wanted) - have)
    assert len(apt) == 2
    assert (sum(c.startswith("sudo") for c in calls) > 0) == (uid != 0)


def test_nothing_is_installed_when_nothing_is_missing(tmp_path: Path) -> None:
    done, calls = run_with(tmp_path, uid=1000, sudo=True, installed=set(_wanted()))
    assert (done.returncode, calls) == (0, [])


def test_a_user_without_sudo_gets_one_line(tmp_path: Path) -> None:
    done, calls = run_with(tmp_path, uid=1000, sudo=False, installed=set())
    assert done.returncode == 1
    assert calls == []
    assert done.stderr == (
        ".ci/install-packages: not root and no sudo, so packages cannot be installed\n"
    )


def test_ci_unsets_what_users_machines_do_not_set() -> None:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "unset PYTHONUNBUFFERED PYTHONDONTWRITEBYTECODE" in lines
    assert os.access(SCRIPT, os.X_OK)
