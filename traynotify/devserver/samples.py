"""Sample notifications for the demo: one of each event type, and a ticker of new ones."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

from ..api.models import Notification
from .store import Store

DEMO_KEY = "demo-key-not-a-secret"
DEMO_USER = "demo"

_SEED: list[tuple[int, str, str, str, str | None, float, bool]] = [
    # id, type, title, body, link, hours ago, read
    # Ids are not in time order, as on the real service.
    (
        5001,
        "system.payment.received",
        "Payment received · $25.00",
        "Your top-up has cleared. Available balance is now $31.40.",
        "/billing",
        0.5,
        False,
    ),
    (
        5006,
        "system.payment.received",
        "Payment received · $50.00",
        "Stripe receipt #ch_demo_49. Your balance is now $54.80.",
        "/billing",
        50,
        True,
    ),
    (
        5003,
        "system.balance.notify.dispatched",
        "Balance below $10.00",
        "Your balance crossed the low-balance threshold you set.",
        "/billing",
        3,
        False,
    ),
    (
        5004,
        "admin.org.member.add",
        "Mei Chen joined Acme Research",
        "Mei Chen was added to your organization as a member.",
        "/org/members",
        26,
        False,
    ),
    (
        5002,
        "org.api_key.revoke",
        "Org key “ci-runner” was revoked",
        "An org admin revoked the key ci-runner. Requests using it now fail.",
        "/org/keys",
        30,
        True,
    ),
]

_TICKER: list[tuple[str, str, str, str | None]] = [
    (
        "system.payment.received",
        "Payment received · ${amount}",
        "Your top-up has cleared. Thank you!",
        "/billing",
    ),
    (
        "system.balance.notify.dispatched",
        "Balance below ${amount}",
        "Your balance crossed the low-balance threshold.",
        "/billing",
    ),
    (
        "admin.org.member.add",
        "{name} joined your organization",
        "{name} was added to your organization.",
        "/org/members",
    ),
    (
        "admin.api_key.revoke",
        "Your key “{key}” was revoked",
        "A platform admin revoked your personal key {key}.",
        "/keys",
    ),
    (
        "org.api_key.revoke",
        "Org key “{key}” was revoked",
        "An org admin revoked the key {key}.",
        "/org/keys",
    ),
]
_NAMES = ["Ana Souza", "Kenji Ito", "Li Wei", "Priya Nair", "Tomás Ruiz", "Zainab Okafor"]
_KEYS = ["laptop", "staging", "notebook", "batch-jobs", "old-ci"]


def seed(store: Store, key: str = DEMO_KEY, user: str = DEMO_USER) -> None:
    """Give ``user`` the sample feed and let ``key`` sign in as them."""
    store.add_key(key, user)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    for id_, type_, title, body, link, hours, read in _SEED:
        created = now - timedelta(hours=hours)
        store.add(
            user,
            type_,
            title,
            body,
            link,
            id=id_,
            created_at=created,
            read_at=created + timedelta(minutes=5) if read else None,
        )


def ticker(seed_value: int | None = None) -> Iterator[tuple[str, str, str, str | None]]:
    """Endless plausible new events: (type, title, body, link)."""
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not security
    for n in itertools.count():
        type_, title, body, link = _TICKER[n % len(_TICKER)]
        values = {
            "amount": f"{rng.choice([5, 10, 20, 25, 50, 100])}.00",
            "name": rng.choice(_NAMES),
            "key": rng.choice(_KEYS),
        }
        yield type_, title.format(**values), body.format(**values), link


def add_next(
    store: Store, events: Iterator[tuple[str, str, str, str | None]], user: str = DEMO_USER
) -> Notification:
    type_, title, body, link = next(events)
    return store.add(user, type_, title, body, link)
