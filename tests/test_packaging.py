"""The packages: the PyInstaller build of the Linux binary, and the files around it."""

from __future__ import annotations

import configparser
import importlib.util
import os
import plistlib
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from traynotify import __version__
from traynotify.devserver import ContractServer

from .conftest import KEY, REPO

PACKAGING = REPO / "packaging"


def test_macos_bundle_has_no_dock_icon_and_the_right_version() -> None:
    info = plistlib.loads((PACKAGING / "macos" / "Info.plist").read_bytes())
    assert info["LSUIElement"] is True
    assert info["CFBundleIdentifier"] == "ai.bytespike.traynotify"
    assert info["CFBundleShortVersionString"] == __version__
    assert (REPO / "assets" / info["CFBundleIconFile"]).exists()


def test_linux_desktop_file() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "linux" / "traynotify.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application"
    assert section["Exec"] == "traynotify run"
    assert section["Icon"] == "traynotify"
    assert section["Terminal"] == "false"


def test_the_license_is_an_spdx_expression_that_the_build_backend_reads() -> None:
    # The table form ({ text = "MIT" }) makes setuptools warn, and fail from 2027;
    # the string form needs setuptools 77 or later in the build environment.
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"
    (requirement,) = project["build-system"]["requires"]
    assert requirement.startswith("setuptools>=")
    assert int(requirement.split(">=")[1].split(".")[0]) >= 77


def test_every_icon_size_the_packages_use_exists() -> None:
    from PIL import Image

    for size in (16, 22, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(REPO / "assets" / f"traynotify-{size}.png") as image:
            assert image.size == (size, size)
    with Image.open(REPO / "assets" / "traynotify.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    assert (REPO / "assets" / "traynotify.icns").read_bytes()[:4] == b"icns"


def _install_packaging_extra() -> None:
    """PyInstaller is not in the test extra (it is large): bring the packaging extra's."""
    if importlib.util.find_spec("PyInstaller") is not None:
        return
    wanted = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]["packaging"]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", *wanted], check=True, timeout=600
    )


@pytest.fixture(scope="module")
def binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-file Linux build, made from this checkout by packaging/traynotify.spec."""
    _install_packaging_extra()
    work = tmp_path_factory.mktemp("pyinstaller")
    done = subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
            "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
            str(PACKAGING / "traynotify.spec"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return work / "dist" / "traynotify"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYTESPIKE_")}
    env.pop("PYTHONPATH", None)  # the binary carries everything it needs
    env.update(extra)
    return env


def run(binary: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_the_binary_answers_version_and_count(binary: Path, server: ContractServer) -> None:
    assert run(binary, "--version", env=clean_env()).stdout == f"traynotify {__version__}\n"
    env = clean_env(BYTESPIKE_API_URL=server.url, BYTESPIKE_API_KEY=KEY)
    done = run(binary, "count", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "3\n", "")
    assert server.requests("unread-count")[-1].key == KEY
    waybar = run(binary, "count", "--format", "waybar", env=env)
    assert '"text": "3"' in waybar.stdout


@pytest.mark.slow
def test_the_binary_carries_its_translations_and_starts_itself_at_login(
    binary: Path, tmp_path: Path
) -> None:
    env = clean_env(LANGUAGE="zh_CN", BYTESPIKE_API_URL="http://127.0.0.1:1", BYTESPIKE_API_KEY=KEY)
    done = run(binary, "count", env=env)
    assert (done.returncode, done.stderr) == (
        4,
        "traynotify: 无法连接 BytesSpike 服务器 http://127.0.0.1:1。\n",
    )
    env = clean_env(XDG_CONFIG_HOME=str(tmp_path / "config"))
    assert run(binary, "autostart", "enable", env=env).returncode == 0
    entry = (tmp_path / "config" / "autostart" / "traynotify.desktop").read_text()
    assert f"Exec={binary} run" in entry.splitlines()  # the frozen binary, not a Python


@pytest.mark.slow
def test_linux_install_script_puts_binary_menu_entry_and_icons_in_place(
    binary: Path, tmp_path: Path
) -> None:
    env = clean_env(
        HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        TRAYNOTIFY_BIN_DIR=str(tmp_path / "bin"),
    )
    done = subprocess.run(
        ["sh", str(PACKAGING / "linux" / "install.sh"), str(binary)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    installed = tmp_path / "bin" / "traynotify"
    assert run(installed, "--version", env=clean_env()).returncode == 0
    desktop = (tmp_path / "data" / "applications" / "traynotify.desktop").read_text()
    assert f"Exec={installed} run" in desktop.splitlines()
    assert (tmp_path / "data" / "icons" / "hicolor" / "48x48" / "apps" / "traynotify.png").exists()
