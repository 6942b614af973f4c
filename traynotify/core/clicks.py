"""Which notification a click acts on: a pure decision over the tray state."""

from __future__ import annotations

from ..api.models import Notification
from .state import Status, TrayState


def click_target(
    state: TrayState, notification_id: int, subject: Notification | None = None
) -> Notification | None:
    """The notification a click on ``notification_id`` opens; None when it is no longer
    unread (read here or elsewhere, or signed out).

    ``subject``: the notification the pop-up or row showed. The state lists only the
    newest unread ones; a click on one below them (a pop-up shown before many more
    arrived) opens what it showed, and the poller marks it read if it is still unread.
    """
    if state.status is Status.SIGNED_OUT:
        return None
    listed = next((n for n in state.items if n.id == notification_id), None)
    if listed is not None:
        return listed
    if subject is not None and subject.id == notification_id and state.count > len(state.items):
        return subject
    return None
