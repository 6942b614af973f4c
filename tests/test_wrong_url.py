"""A 404 from the list or the count means the API URL is wrong, and every place says so."""

from __future__ import annotations

import io
import random
from pathlib import Path

import httpx
import pytest

from traynotify.api.client import Client
from traynotify.cli import main
from traynotify.core.badge import tooltip
from traynotify.core.poller import Poller, PollerConfig
from traynotify.core.state import Status
from traynotify.desktop.seen import SeenStore
from traynotify.devserver import ContractServer
from traynotify.errors import NotFoundError, WrongApiUrlError

from .conftest import KEY


def test_count_and_list_on_a_wrong_url_name_the_url(server: ContractServer) -> None:
    wrong = server.url + "/api"
    with Client(wrong, KEY) as client:
        with pytest.raises(WrongApiUrlError) as count:
            client.unread_count()
        with pytest.raises(WrongApiUrlError) as listing:
            client.list()
        with pytest.raises(WrongApiUrlError):
            client.mark_all_read()
    for err in (count.value, listing.value):
        assert str(err).startswith(f"Wrong API URL: {wrong} has no BytesSpike notifications API")
        assert "not yours" not in str(err)


def test_a_notification_that_is_not_yours_still_says_so(client: Client) -> None:
    with pytest.raises(NotFoundError, match="does not exist or is not yours"):
        client.mark_read(7001)  # Bob's


def test_a_wrong_url_on_mark_read_is_not_blamed_on_the_notification() -> None:
    def web_page(request: httpx.Request) -> httpx.Response:  # a site that is not the API
        return httpx.Response(404, text="<h1>Not Found</h1>")

    url = "https://www.example.com/console"
    with (
        Client(url, KEY, transport=httpx.MockTransport(web_page)) as client,
        pytest.raises(WrongApiUrlError, match=f"Wrong API URL: {url} "),
    ):
        client.mark_read(5001)


@pytest.mark.parametrize("argv", [["count"], ["list"], ["count", "--format", "json"]])
def test_cli_says_the_url_is_wrong_with_the_configuration_exit_code(
    server: ContractServer, argv: list[str]
) -> None:
    wrong = server.url + "/api"
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env={"BYTESPIKE_API_URL": wrong, "BYTESPIKE_API_KEY": KEY}, out=out, err=err)
    assert code == 2
    assert err.getvalue() == (
        f"traynotify: Wrong API URL: {wrong} has no BytesSpike notifications API (HTTP 404);"
        " check BYTESPIKE_API_URL or --api-url.\n"
    )


def test_the_tray_tooltip_names_the_wrong_url(server: ContractServer, tmp_path: Path) -> None:
    wrong = server.url + "/api"
    poller = Poller(
        config=PollerConfig(),
        key_source=lambda: KEY,
        client_factory=lambda key: Client(wrong, key),
        seen=SeenStore(tmp_path / "seen.json", wrong),
        publish=lambda state: None,
        toast=lambda toast: None,
        rng=random.Random(1),
    )
    poller.refresh()  # poll now
    poller.step()
    poller.stop()
    assert poller.state.status is Status.ERROR
    text = tooltip(poller.state)
    assert text.startswith(f"traynotify: 0 unread · Wrong API URL: {wrong}")
