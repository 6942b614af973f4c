"""The two baselines the benchmark drives against the same server as traynotify.

    python bench/clients.py spec URL INTERVAL   the spec's own polling example
    python bench/clients.py list URL INTERVAL   a client that fetches the unread list every poll

The key comes from BYTESPIKE_API_KEY, as in the spec's example.
"""

import os
import sys
import time

import requests


def spec_loop(url: str, interval: float) -> None:
    # The "Example — polling status bar" of the API page, with its URL and sleep as parameters.
    headers = {"Authorization": f"Bearer {os.environ['BYTESPIKE_API_KEY']}"}
    while True:
        r = requests.get(
            f"{url}/api/v1/me/notifications/unread-count",
            headers=headers,
            timeout=5,
        ).json()
        print(f"Unread: {r['count']}", flush=True)
        time.sleep(interval)


def list_loop(url: str, interval: float) -> None:
    headers = {"Authorization": f"Bearer {os.environ['BYTESPIKE_API_KEY']}"}
    while True:
        r = requests.get(
            f"{url}/api/v1/me/notifications",
            params={"unread": "true", "page_size": "50"},
            headers=headers,
            timeout=5,
        ).json()
        print(f"Unread: {r['total']}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    kind, url, interval = sys.argv[1], sys.argv[2], float(sys.argv[3])
    (spec_loop if kind == "spec" else list_loop)(url, interval)
