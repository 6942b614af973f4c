"""English and Simplified Chinese through gettext: complete catalogs, and what users read."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from traynotify import i18n
from traynotify.api.models import Notification
from traynotify.cli import main
from traynotify.core.badge import tooltip
from traynotify.core.menu import build_menu
from traynotify.core.state import Status, TrayState
from traynotify.core.text import ago
from traynotify.core.toasts import plan_toasts

from .conftest import KEY, REPO
from .test_cli import traynotify

LOCALE = REPO / "traynotify" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "traynotify.po"
MO = PO.with_suffix(".mo")
NOW = datetime(2026, 5, 23, 8, 0, tzinfo=timezone.utc)


def gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (Debian package gettext) is not installed")
    return path


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.use_language("zh_CN")
    yield
    i18n.use_language("en")


def note(id_: int, title: str, minutes_ago: int) -> Notification:
    return Notification(
        id=id_,
        type="system.payment.received",
        title=title,
        body="",
        link="/billing",
        created_at=NOW - timedelta(minutes=minutes_ago),
        read_at=None,
    )


# -- the catalogs ------------------------------------------------------------------------


def test_the_template_lists_every_string_in_the_code(tmp_path: Path) -> None:
    sources = sorted(
        str(p.relative_to(REPO))
        for p in (REPO / "traynotify").rglob("*.py")
        if p.name != "console.py"
    )
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            gettext_tool("xgettext"), "--language=Python", "--from-code=UTF-8",
            "--keyword=_", "--keyword=ngettext:1,2", "--add-comments=Translators",
            "--package-name=traynotify", "--msgid-bugs-address=-", "--no-location",
            "--sort-output", f"--output={fresh}", *sources,
        ],
        cwd=REPO,
        check=True,
    )  # fmt: skip
    strip = lambda text: [  # noqa: E731
        line for line in text.splitlines() if not line.startswith('"POT-Creation-Date:')
    ]
    committed = (LOCALE / "traynotify.pot").read_text(encoding="utf-8")
    assert strip(fresh.read_text(encoding="utf-8")) == strip(committed), (
        "the strings in the code changed: run tools/translations.sh and translate"
    )


def test_chinese_is_complete_checked_and_compiled(tmp_path: Path) -> None:
    compiled = tmp_path / "zh.mo"
    done = subprocess.run(
        [gettext_tool("msgfmt"), "--check", "--statistics", f"--output-file={compiled}", str(PO)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr  # --check: placeholders match the English
    assert "fuzzy" not in done.stderr
    assert "untranslated" not in done.stderr
    assert compiled.read_bytes() == MO.read_bytes(), "the .mo is stale: run tools/translations.sh"
    merged = subprocess.run(
        [gettext_tool("msgcmp"), str(PO), str(LOCALE / "traynotify.pot")],
        capture_output=True,
        text=True,
    )
    assert merged.returncode == 0, merged.stderr  # every template string is in the catalog


def test_the_catalog_is_packaged() -> None:
    assert "locale/*/LC_MESSAGES/*.mo" in (REPO / "pyproject.toml").read_text()


# -- what a Chinese-speaking user sees ----------------------------------------------------


@pytest.mark.usefixtures("chinese")
def test_menu_tooltip_and_relative_times_in_chinese() -> None:
    items = (note(1, "充值到账 ¥100", 5), note(2, "余额不足", 180))
    state = TrayState(Status.OK, count=3, items=items, autostart=True)
    rows = [e.label for e in build_menu(state, NOW) if not e.separator]
    assert rows == [
        "3 条未读通知",
        "充值到账 ¥100 · 5 分钟前",
        "余额不足 · 3 小时前",
        "还有 1 条…",
        "全部标为已读",
        "在控制台中打开通知",
        "立即刷新",
        "暂停弹出通知",
        "弹窗类型…",
        "登录时启动",
        "退出",
    ]
    assert tooltip(state) == "traynotify：3 条未读"
    assert ago(NOW - timedelta(seconds=20), NOW) == "刚刚"
    assert ago(NOW - timedelta(days=2), NOW) == "2 天前"
    signed_out = build_menu(TrayState(Status.SIGNED_OUT), NOW)
    assert signed_out[0].label == "未登录：没有 API 密钥"


@pytest.mark.usefixtures("chinese")
def test_toasts_in_chinese() -> None:
    first = plan_toasts([note(1, "充值到账", 1)], first_run=True, unread_total=4)
    assert [(t.title, t.body) for t in first] == [("你有 4 条未读通知", "充值到账")]
    many = plan_toasts([note(i, f"t{i}", i) for i in range(5)], first_run=False, unread_total=5)
    assert many[0].title == "5 条新通知"


def test_english_stays_the_default() -> None:
    i18n.use_language(None)  # LANGUAGE=en in the tests
    assert ago(NOW - timedelta(minutes=5), NOW) == "5 min ago"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("zh_CN.UTF-8", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh_Hans", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh_SG", "zh_CN"),
        ("zh_TW", "zh_TW"),
        ("en_US.UTF-8", "en_US"),
    ],
)
def test_os_spellings_of_simplified_chinese(given: str, expected: str) -> None:
    assert i18n.normalize(given) == expected


def cli(argv: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, env=env, out=out, err=err), out.getvalue(), err.getvalue()


def test_cli_follows_the_os_locale_and_the_setting_overrides_it(
    server_env: dict[str, str],
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BYTESPIKE_")}
    env.pop("LANGUAGE", None)
    env["LANG"] = "zh_CN.UTF-8"
    env["BYTESPIKE_API_URL"] = server_env["BYTESPIKE_API_URL"]
    # this installation's script on PATH, so the hint names a bare 'traynotify login'
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return traynotify(*args, env=env)

    done = run("count")
    assert done.returncode == 3
    assert done.stderr == (
        "traynotify: 未登录：请运行 'traynotify login'，或将 BYTESPIKE_API_KEY 设为你的 "
        "API 密钥。\n"
    )
    env["BYTESPIKE_API_KEY"] = KEY
    listed = run("list", "--unread").stdout.splitlines()
    assert listed[0].split() == ["ID", "时间", "类型", "标题"]
    assert listed[-1] == "第 1 页，共 1 页 · 共 3 条"
    assert run("config", "set", "language", "en").returncode == 0
    assert run("list", "--unread").stdout.splitlines()[-1] == "page 1 of 1 · 3 in all"
