"""Usage errors speak the user's language: no English from the argument parser in Chinese."""

from __future__ import annotations

import argparse
import io
import re

import pytest

from traynotify.cli import build_parser, main
from traynotify.cli.parsing import known_words, usage_problem
from traynotify.core.config import LANGUAGES, SETTING_NAMES
from traynotify.desktop.settings_file import settings_path

WRONG = [
    ["frobnicate"],
    ["list", "--page"],
    ["list", "--page", "x"],
    ["list", "--page-size", "0"],
    ["list", "--read", "--unread"],
    ["list", "--json=yes"],
    ["list", "--pa", "2"],
    ["list", "--bogus"],
    ["list", "extra", "words"],
    ["config"],
    ["config", "set"],
    ["config", "frob"],
    ["config", "set", "language", "fr"],
    ["config", "set", "interval", "1e9"],
    ["read", "abc"],
    ["count", "--format", "xml"],
    ["demo", "--port", "99999"],
    ["run", "--interval", "soon"],
    ["login", "sk-live-not-a-real-key-123"],
    ["snooze", "-1h"],
    ["snooze", "until"],
    ["snooze", "0m"],
    ["snooze", "８d"],
    ["--api-url"],
]
WORD = re.compile(r"(?<![A-Za-z0-9_])-{0,2}[A-Za-z][A-Za-z0-9_.-]*")
GRAMMAR = {"until", "tomorrow", "off", "HH", "MM", "auto", *LANGUAGES, *SETTING_NAMES}
"""The choices a value may take where the parser does not list them (settings, snooze)."""


def names(parser: argparse.ArgumentParser) -> set[str]:
    """What may stay as typed: option names, commands, choices, metavars, the program."""
    allowed = known_words(parser) | {"traynotify"} | GRAMMAR
    for action in parser._actions:
        metavar = action.metavar
        if isinstance(metavar, str):
            allowed.add(metavar)
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                allowed |= names(child)
    return allowed


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env={}, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def english_words(line: str, allowed: set[str], argv: list[str]) -> list[str]:
    typed = {part for a in argv for part in a.split("=")}  # shown back as typed
    typed |= {w for a in argv for w in re.findall(r"[A-Za-z][A-Za-z0-9_.-]*", a)}
    return [
        w
        for w in WORD.findall(line)
        if w not in allowed and w not in typed and w.rstrip(".") not in allowed
    ]


def check_chinese(argv: list[str]) -> str:
    code, out, err = run(argv)
    assert (code, out) == (2, ""), argv
    assert err.count("\n") == 1, err
    assert re.search(r"[\u4e00-\u9fff]", err), err
    assert english_words(err, names(build_parser()), argv) == [], err
    return err


@pytest.mark.parametrize("argv", WRONG, ids=" ".join)
def test_usage_errors_under_language_zh_cn_have_no_english_words(
    argv: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    err = check_chinese(argv)
    assert "sk-live" not in err  # a pasted key is never repeated


@pytest.mark.parametrize("argv", WRONG[:8], ids=" ".join)
def test_the_language_setting_speaks_the_same(argv: list[str]) -> None:
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text('language = "zh"\n')  # LANGUAGE=en in the tests
    check_chinese(argv)


def test_english_keeps_argparse_s_words_and_names_no_value() -> None:
    assert run(["list", "--page"])[2] == (
        "traynotify: argument --page: expected one argument (see 'traynotify list --help')\n"
    )
    err = run(["login", "sk-live-not-a-real-key-123"])[2]
    assert err == "traynotify: unrecognized arguments: … (see 'traynotify --help')\n"
    err = run(["count", "--format", "sk-live-not-a-real-key-123"])[2]
    assert err.startswith("traynotify: argument --format: invalid choice (choose from ")
    assert "sk-live" not in err


@pytest.mark.parametrize(
    ("english", "shown"),
    [
        ("the following arguments are required: NAME, VALUE", "缺少以下参数：NAME, VALUE"),
        ("unrecognized arguments: --x secret", "无法识别的参数：--x …"),
        ("argument --page: expected one argument", "参数 --page：需要一个值"),
        ("argument -x: expected 2 arguments", "参数 -x：需要 2 个值"),
        ("argument --json: ignored explicit argument 'yes'", "参数 --json：不接受值"),
        ("argument --n: invalid int value: 'secret'", "参数 --n：无效的值"),
        ("ambiguous option: --pa=secret could match --page, --page-size", "选项不明确"),
        ("one of the arguments --a --b is required", "需要 --a --b 之一"),
        ("unexpected option string: --x", "此处不应出现选项 --x"),
    ],
)
def test_each_parser_message_is_translated_without_values(
    english: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from traynotify import i18n

    i18n.use_language("zh_CN")
    text = usage_problem(english)
    assert text.startswith(shown)
    assert "secret" not in text


def test_help_speaks_chinese_around_the_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "zh_CN")
    code, out, _err = run(["config", "set", "--help"])
    assert code == 0
    assert out.startswith("用法：traynotify config set [-h] NAME VALUE")
    assert "usage:" not in out
    assert "positional arguments" not in out
    assert "显示此帮助并退出" in out
