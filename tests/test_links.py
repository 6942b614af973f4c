"""Which links may be opened: a table of cases, and properties that must always hold."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traynotify.core.links import safe_link

CONSOLE = "https://console.bytespike.ai"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("/billing", "https://console.bytespike.ai/billing"),
        ("/org/keys?tab=revoked#k1", "https://console.bytespike.ai/org/keys?tab=revoked#k1"),
        ("/", "https://console.bytespike.ai/"),
        ("/a/../b", "https://console.bytespike.ai/a/../b"),  # same host: harmless
        ("/%E4%B8%AD", "https://console.bytespike.ai/%E4%B8%AD"),
    ],
)
def test_console_relative_links_are_joined(link: str, expected: str) -> None:
    assert safe_link(CONSOLE, link) == expected


@pytest.mark.parametrize(
    "link",
    [
        None,
        "",
        "billing",  # not rooted
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "https://evil.example/billing",
        "http://console.bytespike.ai/billing",
        "//evil.example/billing",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example\\share",
        "https://console.bytespike.ai@evil.example/",
        "/billing@evil.example",  # fine path on the console? '@' is allowed in paths
        "/bill\ning",
        "/bill\ting",
        "/bill\x00ing",
        "/bill\x7fing",
        "/bill ing",
        "/\u202egnilib",
        "-/billing",
        "--new-window=evil",
        " /billing",
        "/" + "a" * 5000,
    ],
)
def test_unsafe_links_are_refused(link: str | None) -> None:
    result = safe_link(CONSOLE, link)
    if link == "/billing@evil.example":
        # '@' in the path is not userinfo: still the console's host
        assert result == "https://console.bytespike.ai/billing@evil.example"
        assert urlsplit(result).hostname == "console.bytespike.ai"
    else:
        assert result is None


def test_http_console_only_on_loopback() -> None:
    assert safe_link("http://127.0.0.1:8765", "/billing") == "http://127.0.0.1:8765/billing"
    assert safe_link("http://localhost:8765", "/x") == "http://localhost:8765/x"
    assert safe_link("http://console.example", "/billing") is None


def test_console_with_a_path_prefix() -> None:
    assert safe_link("https://example.com/console/", "/billing") == (
        "https://example.com/console/billing"
    )


def check_link(link: str) -> None:
    url = safe_link(CONSOLE, link)
    if url is not None:
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert parts.hostname == "console.bytespike.ai"
        assert parts.port is None
        assert parts.username is None
        assert not any(ord(c) < 0x21 or c in "\\\x7f" for c in url)
        assert not url.startswith("-")


@given(st.text(max_size=300))
def test_any_link_opens_only_on_the_console_host(link: str) -> None:
    check_link(link)


@given(st.text(alphabet=st.sampled_from("/\\:@?#.%-ajsvhtpe \t\n"), max_size=40))
def test_links_built_from_tricky_characters(link: str) -> None:
    check_link(link)
