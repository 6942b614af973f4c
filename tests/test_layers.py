"""The house rules of the layout, read from the import statements of every module.

core/ decides over plain values and imports nothing from desktop/ or cli/; only api/
talks HTTP; only desktop/ touches an OS facility or a toolkit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "traynotify"

TOOLKITS = {"pystray", "PIL", "plyer", "keyring", "jeepney", "winreg", "webbrowser", "gi"}
TOOLKITS |= {"dbus", "platformdirs", "Xlib", "objc", "AppKit"}


def imported(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, lazily or not."""
    module = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = module[:-1]  # a package's __init__ and a plain module alike
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join((*base, *(node.module.split(".") if node.module else ())))
            else:
                target = node.module or ""
            names.add(target)
            names.update(f"{target}.{alias.name}" for alias in node.names)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: p.name)
def test_core_imports_no_adapter_no_cli_no_toolkit(path: Path) -> None:
    bad = {
        name
        for name in imported(path)
        if name.startswith(("traynotify.desktop", "traynotify.cli", "traynotify.app"))
        or name.split(".")[0] in TOOLKITS | {"httpx"}
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_only_the_api_client_talks_http() -> None:
    users = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if any(name.split(".")[0] == "httpx" for name in imported(path))
    }
    assert users == {"api/client.py"}


def test_only_desktop_touches_the_os_toolkits() -> None:
    outside = {
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if not path.relative_to(PACKAGE).as_posix().startswith("desktop/")
        and any(name.split(".")[0] in TOOLKITS for name in imported(path))
    }
    assert outside == set()


def test_the_checker_sees_relative_imports() -> None:
    # A guard for the guard: the poller's relative imports resolve to their real names.
    names = imported(PACKAGE / "core" / "poller.py")
    assert "traynotify.core.reconcile" in names
    assert "traynotify.api.client" in names
