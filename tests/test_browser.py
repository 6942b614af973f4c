"""Opening a link: the opener's real outcome, and children that never see the key."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from traynotify.core.toasts import Toast
from traynotify.desktop.browser import commands_for, open_url, run_opener
from traynotify.desktop.children import child_env, scrub_environ

from .test_notifier import plyer_notify_send

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="opener commands: not Windows")

URL = "https://console.bytespike.ai/billing"
KEY = "test-key-never-in-a-child"

RECORDER = """#!{python}
import json, os, sys
with open({log!r}, "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "env": dict(os.environ)}}) + "\\n")
sys.stderr.write({said!r})
sys.exit({status})
"""


def tool(folder: Path, name: str, log: Path, status: int = 0, said: str = "") -> Path:
    """A program on PATH that records its arguments and environment, then exits ``status``."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(RECORDER.format(python=sys.executable, log=str(log), status=status, said=said))
    path.chmod(0o755)
    return path


def calls(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A user's environment with the key set, and only our own tools on PATH."""
    return {
        "PATH": str(tmp_path / "bin"),
        "HOME": str(tmp_path),
        "BYTESPIKE_API_KEY": KEY,
        "SOMETHING_ELSE": "kept",
    }


def test_the_browser_gets_the_link_and_no_key(tmp_path: Path, env: dict[str, str]) -> None:
    log = tmp_path / "browser.log"
    browser = tool(tmp_path / "bin", "my-browser", log)
    env["BROWSER"] = f"{browser} --new-tab %s"
    assert open_url(URL, env) is None
    (call,) = calls(log)
    assert call["argv"] == ["--new-tab", URL]
    child = call["env"]
    assert isinstance(child, dict)
    assert "BYTESPIKE_API_KEY" not in child
    assert KEY not in json.dumps(child)
    assert child["SOMETHING_ELSE"] == "kept"


def test_xdg_open_gets_no_key_either(tmp_path: Path, env: dict[str, str]) -> None:
    log = tmp_path / "xdg.log"
    tool(tmp_path / "bin", "xdg-open", log)
    assert open_url(URL, env) is None
    (call,) = calls(log)
    assert call["argv"] == [URL]
    assert "BYTESPIKE_API_KEY" not in call["env"]  # type: ignore[operator]


def test_a_failing_xdg_open_is_a_failure_that_says_why(tmp_path: Path, env: dict[str, str]) -> None:
    log = tmp_path / "xdg.log"
    tool(tmp_path / "bin", "xdg-open", log, status=3, said="xdg-open: no method available\n")
    problem = open_url(URL, env)
    assert problem == "xdg-open failed (exit status 3): xdg-open: no method available"
    assert len(calls(log)) == 1


def test_a_failing_browser_falls_back_to_xdg_open(tmp_path: Path, env: dict[str, str]) -> None:
    broken = tool(tmp_path / "bin", "broken", tmp_path / "broken.log", status=1, said="no DISPLAY")
    tool(tmp_path / "bin", "xdg-open", tmp_path / "xdg.log")
    env["BROWSER"] = str(broken)
    assert open_url(URL, env) is None
    assert [c["argv"] for c in calls(tmp_path / "broken.log")] == [[URL]]
    assert [c["argv"] for c in calls(tmp_path / "xdg.log")] == [[URL]]


def test_no_opener_at_all(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "bin").mkdir()
    assert open_url(URL, env) == "xdg-open is not installed"


def test_a_browser_still_running_has_opened_the_link(tmp_path: Path, env: dict[str, str]) -> None:
    script = tmp_path / "bin" / "foreground"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(3)\n")
    script.chmod(0o755)
    assert run_opener([str(script), URL], env, wait=0.2) is None


def test_links_that_look_like_options_are_refused(env: dict[str, str]) -> None:
    assert open_url("--help", env) == "not a web link"
    assert open_url("file:///etc/passwd", env) == "not a web link"


def test_browser_list_as_webbrowser_reads_it() -> None:
    env = {"BROWSER": f"firefox{os.pathsep}'my browser' -x %s{os.pathsep}"}
    assert commands_for(URL, env, "linux") == [
        ["firefox", URL],
        ["my browser", "-x", URL],
        ["xdg-open", URL],
    ]
    assert commands_for(URL, {}, "darwin") == [["open", URL]]
    assert commands_for(URL, {"BROWSER": "'unclosed"}, "linux") == [["xdg-open", URL]]


def test_child_env_and_the_scrubbed_process(monkeypatch: pytest.MonkeyPatch) -> None:
    assert child_env({"BYTESPIKE_API_KEY": KEY, "PATH": "/bin"}) == {"PATH": "/bin"}
    monkeypatch.setenv("BYTESPIKE_API_KEY", KEY)
    scrub_environ()
    assert "BYTESPIKE_API_KEY" not in os.environ


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="notify-send is Linux's")
def test_notify_send_gets_no_key(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "notify.log"
    tool(tmp_path / "bin", "notify-send", log)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("BYTESPIKE_API_KEY", KEY)
    assert plyer_notify_send().show(Toast("Balance low", "Top up"))
    (call,) = calls(log)
    assert "BYTESPIKE_API_KEY" not in call["env"]  # type: ignore[operator]


def test_every_child_the_app_starts_gets_an_environment_of_its_own() -> None:
    """Each subprocess call in the package passes env= (built by child_env)."""
    import ast

    package = Path(__file__).resolve().parent.parent / "traynotify"
    bare = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "subprocess"
                and node.func.attr in ("run", "Popen", "call", "check_call", "check_output")
                and not any(k.arg == "env" for k in node.keywords)
            ):
                bare.append(f"{path.relative_to(package)}:{node.lineno}")
    assert bare == []
