"""The composition root: wires the poller, the tray, toasts and the browser together."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .api.client import Client
from .api.models import Notification
from .core.bar import bar_state, to_wire
from .core.clicks import click_target
from .core.config import Settings, key_from_env
from .core.links import safe_link
from .core.menu import Action
from .core.outcome import Done, MarkAllOutcome, before_sending
from .core.poller import QUIT_FLUSH, Poller, PollerConfig
from .core.snooze import Snooze, utc
from .core.state import Status, TrayState
from .core.text import one_line
from .core.throttle import POLL_GAP, POPUP_GAP, may_go, refresh_now, wait_before
from .core.toasts import Toast
from .desktop.autostart import Mechanism, launch_command, os_error
from .desktop.browser import open_url
from .desktop.children import scrub_environ
from .desktop.command import command
from .desktop.held_store import FILE_NAME as HELD_FILE
from .desktop.held_store import HeldStore
from .desktop.instance import COMMANDS, SETTINGS_CHANGED, Instance, Later, request
from .desktop.local import Folder
from .desktop.paths import state_dir
from .desktop.pending_store import FILE_NAME as PENDING_FILE
from .desktop.pending_store import PendingStore
from .desktop.seen import SeenStore
from .desktop.settings_watch import SettingsWatch
from .desktop.snooze_store import FILE_NAME as SNOOZE_FILE
from .desktop.snooze_store import SNOOZE_CHANGED, SnoozeStore
from .desktop.snooze_store import snooze_path as snooze_file
from .errors import CredentialError, NoDesktopError
from .i18n import _

log = logging.getLogger(__name__)

ENDING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name)
)
QUIT_GRACE = 5.0
"""Seconds a signalled app may take to wind down before it is ended outright."""
SNOOZE_CHECK = 15.0
"""Seconds between two looks at the wall clock while a snooze runs: a machine that
slept through the end (the monotonic clock stood still) ends it this soon after waking."""
APP_COMMANDS = COMMANDS | {SNOOZE_CHANGED}
"""What the running tray answers on its instance channel (see App.on_command)."""


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class SnoozeKeeper:
    """The snooze on file, kept in force in the running app, and ended on time.

    ``set_paused`` is the poller's command. The ``popups`` setting is the poller's own
    (it holds pop-ups back by it under any pause), so an end is always a resume, and the
    poller names what arrived meanwhile. The end is watched by the wall clock (see
    SNOOZE_CHECK)."""

    def __init__(
        self,
        store: SnoozeStore,
        set_paused: Callable[[bool, datetime | None], None],
        now: Callable[[], datetime] = wall_clock,
        check_every: float = SNOOZE_CHECK,
    ) -> None:
        self.store = store
        self._set_paused = set_paused
        self._now = now
        self._check_every = check_every
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.current: Snooze | None = self._on_file()
        """The snooze in force; None when there is none."""

    def _on_file(self) -> Snooze | None:
        snooze = self.store.read()
        if snooze is not None and not snooze.active(self._now()):
            self._forget()
            return None
        return snooze

    def _forget(self) -> None:
        try:
            self.store.write(None)
        except OSError as exc:
            log.warning("Cannot remove %s: %s", self.store.path, exc.strerror)

    def until(self) -> str | None:
        """The end of a timed snooze in force (ISO 8601 with offset), else None."""
        snooze = self.current
        if snooze is None or snooze.until is None:
            return None
        return snooze.until.isoformat(timespec="seconds")

    def reload(self) -> None:
        """The file changed (``traynotify snooze``): follow it."""
        with self._lock:
            before, self.current = self.current, self._on_file()
            if self.current is not None:
                self._set_paused(True, self.current.until)
            elif before is not None:
                self._set_paused(False, None)  # the poller holds them back by the setting itself
        self._wake.set()

    def pause(self, snooze: Snooze) -> str | None:
        """The user paused pop-ups (the menu): kept on file as ``traynotify snooze`` keeps
        it, so the command line sees it and a restart honours it. Returns why it could not
        be kept on file (it holds for this run all the same), else None."""
        problem = None
        with self._lock:
            try:
                self.store.write(snooze)
            except OSError as exc:
                problem = exc.strerror or str(exc)
                log.warning("Cannot write %s: %s", self.store.path, problem)
            self.current = snooze
            self._set_paused(True, snooze.until)
        self._wake.set()
        return problem

    def resume(self) -> None:
        """The user resumed pop-ups (the menu): the snooze on file ends too."""
        with self._lock:
            if self.current is not None or self.store.read() is not None:
                self._forget()
            self.current = None
            self._set_paused(False, None)
        self._wake.set()

    def tick(self) -> float | None:
        """End the snooze if its time has come; seconds until the next look (None: none)."""
        with self._lock:
            snooze = self.current
            if snooze is None or snooze.until is None:
                return None
            left = (utc(snooze.until) - utc(self._now())).total_seconds()
            if left > 0:
                return min(left, self._check_every)
            again = self._on_file()  # a later snooze may have been written meanwhile
            if again is not None and again.until != snooze.until:
                self.current = again
                self._set_paused(True, again.until)
                return 0.0
            self._forget()
            self.current = None
            # The poller names what arrived meanwhile, in one pop-up, as it takes this.
            self._set_paused(False, None)
            return None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="traynotify-snooze", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            delay = self.tick()
            self._wake.wait(delay)
            self._wake.clear()


_UNKNOWN = object()


class ChannelWords:
    """A second start, ``login`` and ``logout`` as poller commands, at a bounded rate.

    Any process of the user may send these over the channel as often as it likes, so
    they go to the poller only as :mod:`traynotify.core.throttle` allows: a second
    start's refresh (a whole walk) at most once a minute, a poll for a changed key at
    most once per POLL_GAP (and only when the key did change), the "already running"
    pop-up at most once per POPUP_GAP. Whatever comes sooner is dropped. Runs on the
    channel's thread and never waits there: the key is read again on a thread of its own.
    """

    def __init__(
        self,
        key_source: Callable[[], str | None],
        forget_key: Callable[[], None],
        *,
        refresh: Callable[[], None],
        new_key: Callable[[], None],
        toast: Callable[[Toast], object],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = key_source
        self._forget_key = forget_key
        self._refresh = refresh
        self._new_key = new_key
        self._toast = toast
        self._clock = clock
        self._lock = threading.Lock()
        self._last_poll: float | None = None
        self._last_walk: float | None = None
        self._last_popup: float | None = None
        self._key_in_use: object = _UNKNOWN
        self._check = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def key_source(self) -> str | None:
        """The key, as the poller asks for it (remembered, to tell a change)."""
        key = self._source()
        self._key_in_use = key
        return key

    def activate(self) -> bool:
        """A second start: refresh, and show the app is here; False when it refreshed
        too lately to again (the second start then says so)."""
        now = self._clock()
        with self._lock:
            popup = may_go(now, self._last_popup, POPUP_GAP)
            if popup:
                self._last_popup = now
            refresh = refresh_now(now, self._last_poll, self._last_walk)
            if refresh:
                self._last_poll = self._last_walk = now
        if refresh:
            self.retry()
        if popup:
            self._toast(
                Toast(_("traynotify is already running"), _("Its icon is in the system tray."))
            )
        return refresh

    def retry(self) -> None:
        """Read the key again from its source and poll now: a key the server rejected is
        tried once more (the poller allows that once per POLL_GAP)."""
        self._forget_key()
        self._refresh()

    def sign_in(self, note: Callable[[str], None], keyring: Callable[[], bool]) -> None:
        """ "How to sign in…": say how on this system (``keyring``: whether there is one to
        keep a key in), then try the key again. On a thread of its own: the keyring may
        take seconds to answer."""

        def work() -> None:
            from .desktop.credentials import sign_in_help

            try:
                has_keyring = keyring()
            except Exception:  # the keyring failed in some other way: there is one
                has_keyring = True
            message = sign_in_help(has_keyring)
            note(message)
            self._toast(Toast(_("Sign in to traynotify"), message))
            self.retry()

        threading.Thread(target=work, name="traynotify-sign-in", daemon=True).start()

    def key_changed(self) -> None:
        """``login`` or ``logout``: read the key again, and poll if it is another."""
        self._forget_key()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="traynotify-key", daemon=True
                )
                self._thread.start()
        self._check.set()

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._check.wait()
            if self._stop.is_set():
                return
            self._check.clear()
            try:
                key = self._source()  # may ask the keyring: never on the channel's thread
            except Exception:  # the poller reports a keyring that fails; ask it to try
                key = None
                self._key_in_use = _UNKNOWN
            if key == self._key_in_use:
                continue  # the same key: nothing to ask the server
            with self._lock:
                wait = wait_before(self._clock(), self._last_poll, POLL_GAP)
            if wait and self._stop.wait(wait):
                return
            self._check.clear()  # words that came while waiting are this poll's too
            with self._lock:
                self._last_poll = self._clock()
            self._key_in_use = key
            self._new_key()

    def stop(self) -> None:
        self._stop.set()
        self._check.set()


def mark_all_later(
    state: TrayState, mark_all: Callable[[Callable[[MarkAllOutcome], None]], None]
) -> dict[str, object] | Later:
    """``read-all`` over the channel: what the published state already decides, or
    ``mark_all`` (the poller's) with the answer to come when the poller tells its
    outcome; if that takes too long, "handed over" (the tray says if it fails)."""
    outcome = before_sending(state)
    if outcome is not None:
        return outcome.to_wire()
    answer: Future[Mapping[str, Any] | None] = Future()

    def reply(outcome: MarkAllOutcome) -> None:
        if not answer.done():
            answer.set_result(outcome.to_wire())

    mark_all(reply)
    return Later(answer, MarkAllOutcome(Done.SENT, state.count).to_wire())


class App:
    """One running tray app."""

    def __init__(
        self,
        settings: Settings,
        key_source: Callable[[], str | None],
        seen_path: Path,
        opener: Callable[[str], str | None] = open_url,
        *,
        autostart: Mechanism | None = None,
        key_changed: Callable[[], None] | None = None,
        snooze_path: Path | None = None,
        has_keyring: Callable[[], bool] | None = None,
        pending_path: Path | None = None,
        settings_file: Path | None = None,
        flags: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        from .desktop.choose import open_desktop  # loads a tray: only the tray commands get here

        self.settings = settings
        """The settings in use (changed while running: see reload_settings)."""
        self._settings_file = settings_file
        """Read again when it changes, and where the menu's choices are saved; None: none
        (the demo's settings are its own)."""
        self._flags = dict(flags or {})
        self._env = dict(env or {})
        """This tray's command line and environment: they win over the file, as at start."""
        self._settings_lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._noted: list[str] = []
        self._restart_logged: dict[str, object] = {}
        self.opener = opener
        self.autostart = autostart
        self._key_changed = key_changed or (lambda: None)
        self._has_keyring = has_keyring or (lambda: True)
        """Whether this system has a keyring to keep a key in (may take seconds)."""
        self._quitting = False
        desktop = open_desktop(self.on_action, settings.menu_length)
        self.notifier = desktop.notifier
        self.tray = desktop.tray
        self.tray.set_menu_options(settings.menu_length, settings.snooze_morning)
        self.menu_shown = desktop.shortfall is None
        """The user sees a menu to quit from (a tray that shows the icon, with a menu)."""
        self.published = TrayState()
        """The last state the poller published: what status bars are told."""
        self.snooze = SnoozeKeeper(
            SnoozeStore(snooze_path or snooze_file()),
            lambda paused, until: self.poller.set_popups_paused(paused, until),
        )
        self.words = ChannelWords(
            key_source,
            self._key_changed,
            refresh=lambda: self.poller.refresh(),
            new_key=lambda: self.poller.key_changed(),
            # a notification daemon may be slow to answer: never on the channel's thread
            toast=lambda toast: self._in_background(lambda: self.notifier.show(toast)),
        )
        self.poller = Poller(
            config=self._poller_config(settings),
            key_source=self.words.key_source,
            client_factory=lambda key: Client(settings.api_url, key),
            seen=SeenStore(seen_path, settings.api_url),
            # clicks the server has not confirmed: kept beside seen.json, sent first
            keep=PendingStore(pending_path or seen_path.with_name(PENDING_FILE), settings.api_url),
            # what a snooze held back, named when it ends (also after a restart)
            held=HeldStore(seen_path.with_name(HELD_FILE), settings.api_url),
            paused=self.snooze.current is not None,
            paused_until=self.snooze.current.until if self.snooze.current else None,
            publish=self._publish,
            toast=self.notifier.show,
        )
        self.watch = SettingsWatch(settings_file, self.reload_settings) if settings_file else None
        if autostart is not None:
            self._show_autostart()

    def _poller_config(self, settings: Settings) -> PollerConfig:
        return PollerConfig(
            interval=settings.interval,
            menu_length=settings.menu_length,
            muted_types=settings.muted_types,
            popups=settings.popups,
        )

    def run(self) -> int:
        """Run until Quit or a signal; either way the caller's clean-up runs after."""
        log.info("Tray backend: %s (menu: %s)", self.tray.backend, self.tray.has_menu)
        with _ending_on_signals(self.quit):
            self.tray.run(on_ready=self._started)
        self.snooze.stop()
        if self.watch is not None:
            self.watch.stop()
        self.words.stop()
        self.poller.stop(timeout=0.5, flush=QUIT_FLUSH)  # pending reads first, briefly
        return 0

    def _publish(self, state: TrayState) -> None:
        with self._publish_lock:
            self.published = state  # one reference, replaced whole: readers see one state
            self.tray.update(state)

    def _redraw(self) -> None:
        """Draw the published state again, by the settings in use now (the language, menu
        length or morning changed). Never under the settings lock: drawing may wait for
        the bus thread, whose click on "Pop-ups for…" waits for that lock."""
        with self._publish_lock:
            settings = self.settings  # the newest, even if two reloads cross
            self.tray.set_menu_options(settings.menu_length, settings.snooze_morning)
            self.tray.update(self.published)

    def _started(self) -> None:
        if self._quitting:  # a signal came while the tray was still starting
            self.tray.stop()
        else:
            self.poller.start()
            self.snooze.start()
            if self.watch is not None:
                self.watch.start()

    def quit(self) -> None:
        """End the app as the menu's Quit does: the tray loop returns, clean-up follows."""
        self._quitting = True
        self.poller.stop(timeout=0.5, flush=QUIT_FLUSH)  # pending reads first, briefly
        self.tray.stop()

    # -- clicks (on the tray's or the D-Bus thread) -------------------------------------
    def on_action(self, action: Action) -> None:
        kind = action.kind
        if kind == "open" and action.notification_id is not None:
            self.open_notification(action.notification_id, action.subject)
        elif kind == "mark_read" and action.notification_id is not None:
            self.poller.mark_read(action.notification_id)  # a pop-up's "Mark read"
        elif kind == "mark_all":
            self.poller.mark_all_read()
        elif kind == "open_console":
            url = safe_link(self.settings.console_url, "/")
            if url:
                self._in_background(lambda: self._open_page(url))
        elif kind == "refresh":
            if self.published.status is Status.SIGNED_OUT:
                self.words.retry()  # the key may be back: read it again, try it once more
            else:
                self.poller.refresh()
        elif kind == "snooze":
            self.pause_popups(action.value or "forever")
        elif kind == "resume":
            self.snooze.resume()
        elif kind == "mute_type" and action.value:
            self.toggle_muted(action.value)
        elif kind == "toggle_autostart":
            self.toggle_autostart()
        elif kind == "sign_in":
            self.words.sign_in(self.poller.note, self._has_keyring)
        elif kind == "quit":
            self.quit()

    def on_command(self, command: str) -> dict[str, object] | Later | None:
        """A word from another traynotify process (see :mod:`traynotify.desktop.instance`).

        Answered at once, from the published state: never from a request of its own."""
        if command == "state":
            return {
                "state": to_wire(
                    bar_state(self.published, self.settings.interval, self.snooze.until())
                ),
                "api_url": self.settings.api_url,
                # the bar's "paused" is either; `traynotify snooze` tells them apart
                "popups_paused": self.published.popups_paused,
                "popups_setting_off": self.published.popups_setting_off,
            }
        if command == "open":
            self.on_action(Action("open_console"))
            return None
        if command == SNOOZE_CHANGED:
            self.snooze.reload()
            return None
        if command == SETTINGS_CHANGED:
            return self.reload_settings()
        if command == "read-all":
            # Through the poller, which marks only what the user has been shown; the
            # answer comes once the server has answered it (see mark_all_later).
            return mark_all_later(self.published, self.poller.mark_all_read)
        if command == "activate":  # started again: refresh, and show we are here
            return {"refreshing": self.words.activate()}
        if command == "key-changed":
            self.words.key_changed()
        return None

    # -- pauses, mutes and settings changed while running ---------------------------------
    def pause_popups(self, words: str) -> None:
        """Pause pop-ups as ``traynotify snooze WORDS`` does ("forever": until resumed)."""
        from .core.snooze import SnoozeError, parse_clock, parse_snooze

        if words == "forever":
            snooze: Snooze | None = Snooze(None)
        else:
            morning = parse_clock(self.settings.snooze_morning) or (9, 0)
            try:
                snooze = parse_snooze(words.split(), wall_clock(), morning=morning)
            except SnoozeError as exc:  # a menu row with a word the grammar refuses: a bug
                log.warning("Not pausing pop-ups: %s", exc)
                return
        if snooze is None:  # "off"
            self.snooze.resume()
            return
        if snooze.until is not None:  # to the second, as kept on file
            snooze = Snooze(snooze.until.replace(microsecond=0))
        problem = self.snooze.pause(snooze)
        if problem is not None:
            self.poller.note(not_saved(problem))

    def toggle_muted(self, event_type: str) -> None:
        """The menu's "Pop-ups for…": mute or unmute one type now, and save it in the
        settings file (what ``config show`` reports and the next start uses)."""
        with self._settings_lock:
            muted = self.settings.muted_types
            muted = (
                tuple(t for t in muted if t != event_type)
                if event_type in muted
                else (*muted, event_type)
            )
            self.settings = replace(self.settings, muted_types=muted)
            self.poller.reconfigure(self._poller_config(self.settings))
            problem = self._save("muted_types", ",".join(muted) if muted else None)
        if problem is not None:
            self.poller.note(not_saved(problem))

    def _save(self, name: str, value: str | None) -> str | None:
        """Store one setting in the settings file; why it could not be, else None."""
        from .desktop.settings_file import change_setting
        from .errors import ConfigError

        if self._settings_file is None:
            return None  # the demo: its settings last as long as it does
        try:
            change_setting(self._settings_file, name, value)
        except ConfigError as exc:
            return str(exc)
        except OSError as exc:
            return _("cannot write {path}: {reason}").format(
                path=self._settings_file, reason=exc.strerror or exc
            )
        return None

    def reload_settings(self) -> dict[str, object]:
        """Read the settings file again and apply what changed (``settings-changed``, or
        the file changed by hand). This tray's command line and environment still win.

        The answer, for ``config set``: ``applied`` (taken now), ``overridden`` (set in
        the file, but a flag or variable of this tray wins; ``overridden_by`` names it)
        and ``restart`` (kept until the next start)."""
        from .core.config import explain, resolve
        from .core.live import live_changes
        from .desktop.settings_file import read_settings
        from .errors import ConfigError

        answer: dict[str, object] = {"applied": [], "overridden": [], "restart": []}
        if self._settings_file is None:
            return answer
        with self._settings_lock:  # read under it too: a mute saved meanwhile is in the file
            file = read_settings(self._settings_file)
            self.note_problems(file.problems)
            if not file.readable:
                return answer  # a half-saved edit: keep what is in use until it is fixed
            try:
                wanted = resolve(self._flags, self._env, file.values)
            except ConfigError as exc:  # checked at start already: not expected
                log.warning("Not applying the settings file: %s", exc)
                return answer
            old = self.settings
            applied, restart = live_changes(old, wanted)
            self.settings = replace(wanted, api_url=old.api_url)
            redraw = self._apply(old, self.settings)
            for name in restart:
                if self._restart_logged.get(name) != getattr(wanted, name):
                    self._restart_logged[name] = getattr(wanted, name)
                    log.info(
                        "%s changed in the settings file; it applies from the next start.", name
                    )
            sources = explain(self._flags, self._env, file.values)
            overridden = {
                name: _flag_or_variable(name, sources[name])
                for name in file.values
                if sources.get(name) in ("command line", "environment")
            }
        if redraw:
            self._redraw()
        answer["applied"] = list(applied)
        answer["restart"] = list(restart)
        answer["overridden"] = list(overridden)
        answer["overridden_by"] = overridden
        return answer

    def note_problems(self, problems: list[str]) -> None:
        """Name the settings file's problems in the menu (one line), unless named already."""
        if problems == self._noted:
            return
        self._noted = problems
        if problems:
            more = len(problems) - 1
            self.poller.note(
                problems[0] + (" " + _("(and {n} more)").format(n=more) if more else "")
            )

    def _apply(self, old: Settings, new: Settings) -> bool:
        """Put changed settings to work (under the settings lock); whether the tray is to
        be drawn again (by the caller, once the lock is released: see _redraw)."""
        from .i18n import use_language

        if new.language != old.language:
            use_language(new.language)
        if self._poller_config(new) != self._poller_config(old):
            # the poller holds pop-ups back by the setting itself, under any snooze
            self.poller.reconfigure(self._poller_config(new))
        if new.interval != old.interval:
            self.poller.refresh()  # poll now, then at the new interval
        # The tray cuts the menu at menu_length (the poller fetches as many) and names the
        # morning "Until tomorrow" pauses until.
        menu = (new.menu_length, new.snooze_morning)
        return new.language != old.language or menu != (old.menu_length, old.snooze_morning)

    def _open_page(self, url: str) -> None:
        problem = self.opener(url)
        if problem is not None:
            self._not_opened(url, problem)

    def _show_autostart(self) -> bool:
        assert self.autostart is not None
        enabled = self.autostart.read() is not None
        self.poller.set_autostart(enabled)
        return enabled

    def toggle_autostart(self) -> None:
        assert self.autostart is not None
        try:
            if self.autostart.read() is not None:
                self.autostart.disable()
            else:
                self.autostart.enable(launch_command())
        except OSError as exc:
            self.poller.note(str(os_error(self.autostart.location, exc)))
        self._show_autostart()

    def open_notification(self, notification_id: int, subject: Notification | None = None) -> None:
        """Open what a pop-up or row showed, and mark it read once a browser took it."""
        note = click_target(self.poller.state, notification_id, subject)
        if note is None:
            self.poller.note(
                _("“{title}” is no longer unread.").format(title=one_line(subject.title, 40))
                if subject is not None
                else _("That notification is no longer unread.")
            )
            self.poller.refresh()
            return
        url = safe_link(self.settings.console_url, note.link)
        if note.link and url is None:
            log.warning(
                "Not opening the link of notification %s: %r is not a console link.",
                note.id,
                one_line(note.link, 200),
            )
            self.poller.note(
                _("The link of “{title}” was not safe to open.").format(
                    title=one_line(note.title, 40)
                )
            )
            self.poller.mark_read(note.id)
            return
        if url is None:
            self.poller.mark_read(note.id)
            return

        def open_then_mark() -> None:
            problem = self.opener(url)
            if problem is None:
                self.poller.mark_read(note.id)
                return
            # Left unread: the user has not seen it. Say so where they look.
            self._not_opened(url, problem, note.title)

        self._in_background(open_then_mark)

    def _not_opened(self, url: str, problem: str, title: str | None = None) -> None:
        self.poller.note(_("Could not open a browser: {problem}").format(problem=problem))
        head = (
            _("Could not open “{title}”").format(title=one_line(title, 60))
            if title is not None
            else _("Could not open a browser")
        )
        self.notifier.show(
            Toast(head, _("{problem}. The link: {url}").format(problem=problem, url=url))
        )

    @staticmethod
    def _in_background(job: Callable[[], object]) -> None:
        # webbrowser may wait for the browser command: never block the tray's loop.
        threading.Thread(target=job, name="traynotify-open", daemon=True).start()


def run_tray(
    settings: Settings,
    env: Mapping[str, str],
    problems: Sequence[str] = (),
    flags: Mapping[str, Any] | None = None,
) -> int:
    """The tray app, once per user: a second start hands over to the first.

    ``flags``: the settings its command line gave, which win over the settings file
    when that changes while it runs (as ``env`` does)."""
    from .desktop.autostart import for_platform
    from .desktop.credentials import KeySource, KeyStore
    from .desktop.settings_file import settings_path

    env = dict(env)  # the key source's own copy: children never see the key (below)
    scrub_environ()
    instance = Instance(state_dir())
    if not instance.acquire():
        return hand_over(instance.folder)
    assert instance.place is not None
    place: Folder = instance.place
    if place.problem is not None:
        print(
            "traynotify: "
            + _(
                "the state folder {wanted} is not this user's alone ({reason}); "
                "keeping traynotify's files in {path} instead."
            ).format(wanted=place.wanted, reason=place.problem, path=place.path),
            file=sys.stderr,
        )
    try:
        try:
            key_from_env(env)
        except CredentialError as exc:
            print(f"traynotify: {exc}", file=sys.stderr)
        source = KeySource(env, KeyStore(), settings.api_url)
        app = App(
            settings,
            source,
            place.file("seen.json"),
            autostart=for_platform(),
            key_changed=source.changed,
            has_keyring=source.has_keyring,
            snooze_path=place.file(SNOOZE_FILE),
            pending_path=place.file(PENDING_FILE),
            settings_file=settings_path(),
            flags=flags,
            env=env,
        )
        app.note_problems(list(problems))
        instance.serve(app.on_command, APP_COMMANDS)
        return app.run()
    finally:
        instance.close()


def not_saved(reason: str) -> str:
    """A menu notice: a choice made in the menu holds for this run only."""
    return _("Not saved, so only until traynotify quits: {reason}").format(
        reason=reason.rstrip(".")
    )


def _flag_or_variable(name: str, source: str) -> str:
    """The command-line flag or environment variable that gives ``name``."""
    from .core.config import ENV_API_URL, ENV_CONSOLE_URL

    if source == "environment":
        return {"api_url": ENV_API_URL, "console_url": ENV_CONSOLE_URL}.get(name, name)
    return "--" + name.replace("_", "-")


def hand_over(folder: Path, attempts: int = 20) -> int:
    """Another tray app runs: ask it to refresh (it may still be starting up)."""
    for _attempt in range(attempts):
        answer = request(folder, "activate")
        if answer is not None and answer.get("ok") is True:
            if answer.get("refreshing") is False:  # it did a moment ago: not again so soon
                print(_("traynotify is already running; it refreshed less than a minute ago."))
            else:
                print(_("traynotify is already running; it will refresh now."))
            return 0
        time.sleep(0.25)
    print(
        "traynotify: "
        + _("another traynotify is running but does not answer; quit it, or end the process.")
        + f" ({_info_file(folder)})",
        file=sys.stderr,
    )
    return 1


def _info_file(folder: Path) -> Path:
    from .desktop.channel import INFO_NAME
    from .desktop.local import find

    place = find(folder)
    return place.file(INFO_NAME) if place is not None else folder / INFO_NAME


def run_demo(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from .devserver.demo import DemoServer
    from .devserver.samples import DEMO_KEY

    scrub_environ()
    demo = DemoServer(args.port)  # holds the port; answers once started
    settings = replace(
        Settings(), api_url=demo.url, interval=args.interval if args.interval else 5.0
    )
    try:
        with tempfile.TemporaryDirectory(prefix="traynotify-demo-") as tmp:
            try:
                app = App(
                    settings,
                    lambda: DEMO_KEY,
                    Path(tmp) / "seen.json",
                    snooze_path=Path(tmp) / "snooze.json",
                )
            except NoDesktopError:
                raise NoDesktopError(
                    _(
                        "No graphical session (DISPLAY is not set), so the demo has no tray to "
                        "show its icon in. '{command}' runs just the local "
                        "server, for the command-line tools."
                    ).format(command=command("demo", "--server-only"))
                ) from None
            demo.server.start()
            demo.feed_every(args.every)
            print(
                _(
                    "traynotify demo: the tray icon is talking to a local BytesSpike server at "
                    "{url} with sample notifications."
                ).format(url=demo.url),
                flush=True,
            )
            if args.every > 0:
                print(
                    _("A new notification arrives every {s:g} s.").format(s=args.every),
                    flush=True,
                )
            if app.menu_shown:
                print(_("Quit from the tray menu or with Ctrl+C."), flush=True)
            else:
                print(_("Quit with Ctrl+C (or 'kill {pid}').").format(pid=os.getpid()), flush=True)
            return app.run()
    finally:
        demo.close()


@contextlib.contextmanager
def _ending_on_signals(quit: Callable[[], None]) -> Iterator[None]:
    """SIGTERM, SIGINT and SIGHUP end the app as Quit does, so the callers' clean-up runs:
    shown ids saved, temporary files removed, the instance released."""

    def handler(signum: int, frame: object) -> None:
        log.info("Ending on %s.", signal.Signals(signum).name)
        threading.Thread(target=_end_if_stuck, name="traynotify-quit", daemon=True).start()
        quit()

    previous = {sig: signal.signal(sig, handler) for sig in ENDING_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _end_if_stuck() -> None:
    # A tray loop that ignores its stop must not leave a process nobody can see.
    time.sleep(QUIT_GRACE)
    log.warning("The tray did not stop within %g s; ending now.", QUIT_GRACE)
    sys.stdout.flush()
    os._exit(1)
