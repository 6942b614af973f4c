"""One session-bus connection over jeepney (pure Python), and its message loop.

A daemon thread receives every message and dispatches it: replies to the call
that waits for them, method calls to the exported objects, signals to their
subscribers. Handlers run on that thread and must not block. Sending is safe
from any thread; :meth:`Bus.in_order` keeps a reply and a signal about the same
change in the order they were made.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from jeepney import (
    DBusAddress,
    HeaderFields,
    MatchRule,
    Message,
    MessageType,
    message_bus,
    new_error,
    new_method_call,
    new_method_return,
    new_signal,
)
from jeepney.io.threading import DBusConnection, ReceiveStopped, open_dbus_connection

from ..core.text import one_line
from .markup import escape

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.DBus"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
FAILED = "org.freedesktop.DBus.Error.Failed"
UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"
UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"
INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
NAME_FLAG_DO_NOT_QUEUE = 4


class BusError(Exception):
    """No session bus, or it answered a call with an error (the message says which)."""


class MethodError(Exception):
    """Raised by a method handler to answer with a named D-Bus error."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Method:
    in_sig: str
    out_sig: str
    call: Callable[..., tuple[Any, ...]]
    """Called with the message's arguments; returns the reply's body."""


@dataclass(frozen=True)
class Property:
    sig: str
    get: Callable[[], Any]


@dataclass
class Interface:
    """One D-Bus interface an exported object offers."""

    name: str
    methods: Mapping[str, Method] = field(default_factory=dict)
    properties: Mapping[str, Property] = field(default_factory=dict)
    signals: Mapping[str, str] = field(default_factory=dict)
    """Signal name to its signature (for introspection)."""


def quoteattr(text: str) -> str:
    return f'"{escape(text, quote=True)}"'


def introspect(interfaces: Mapping[str, Interface]) -> str:
    """The introspection XML of an object: what a host's tools see."""
    lines = [
        '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
        ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">',
        "<node>",
        f"  <interface name={quoteattr(PROPERTIES)}>",
        '    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>'
        '<arg type="v" direction="out"/></method>',
        '    <method name="GetAll"><arg type="s" direction="in"/>'
        '<arg type="a{sv}" direction="out"/></method>',
        '    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/>'
        '<arg type="as"/></signal>',
        "  </interface>",
        f"  <interface name={quoteattr(INTROSPECTABLE)}>",
        '    <method name="Introspect"><arg type="s" direction="out"/></method>',
        "  </interface>",
    ]
    for iface in interfaces.values():
        lines.append(f"  <interface name={quoteattr(iface.name)}>")
        for name, prop in iface.properties.items():
            lines.append(
                f'    <property name={quoteattr(name)} type={quoteattr(prop.sig)} access="read"/>'
            )
        for name, method in iface.methods.items():
            args = [f'<arg type="{t}" direction="in"/>' for t in split_signature(method.in_sig)]
            args += [f'<arg type="{t}" direction="out"/>' for t in split_signature(method.out_sig)]
            lines.append(f"    <method name={quoteattr(name)}>{''.join(args)}</method>")
        for name, sig in iface.signals.items():
            args = [f'<arg type="{t}"/>' for t in split_signature(sig)]
            lines.append(f"    <signal name={quoteattr(name)}>{''.join(args)}</signal>")
        lines.append("  </interface>")
    lines.append("</node>")
    return "\n".join(lines)


def split_signature(sig: str) -> list[str]:
    """The complete types of a signature: "ia{sv}(ii)" -> ["i", "a{sv}", "(ii)"]."""
    types, i = [], 0
    while i < len(sig):
        start = i
        while sig[i] == "a":
            i += 1
        if sig[i] in "({":
            depth = 0
            while True:
                depth += sig[i] in "({"
                depth -= sig[i] in ")}"
                i += 1
                if depth == 0:
                    break
        else:
            i += 1
        types.append(sig[start:i])
    return types


Handler = Callable[[Message], None]


class Bus:
    """A session-bus connection with its receiving thread."""

    def __init__(self, conn: DBusConnection) -> None:
        self._conn = conn
        self.unique_name: str = conn.unique_name
        self._lock = threading.Lock()
        self._order = threading.RLock()
        self._pending: dict[int, Callable[[Message], None]] = {}
        self._objects: dict[str, dict[str, Interface]] = {}
        self._subscriptions: list[tuple[MatchRule, Handler]] = []
        self._lost: list[Callable[[], None]] = []
        self._stopping = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._receive, name="traynotify-dbus", daemon=True)
        self._thread.start()

    @classmethod
    def connect(cls, address: str = "SESSION") -> Bus:
        """Connect to the session bus (or ``address``); :class:`BusError` if there is none."""
        try:
            conn = open_dbus_connection(address)
        except KeyError:
            raise BusError("no session D-Bus (DBUS_SESSION_BUS_ADDRESS is not set)") from None
        except Exception as exc:  # OSError, TimeoutError, auth errors, bad address
            raise BusError(
                f"cannot reach the session D-Bus ({type(exc).__name__}: {one_line(str(exc), 120)})"
            ) from exc
        return cls(conn)

    @property
    def connected(self) -> bool:
        return not self._closed.is_set()

    def close(self) -> None:
        """Stop receiving, let the message in hand be answered, then hang up."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread is not threading.current_thread():
            # e.g. the reply to the menu's Quit, still on its way out of the bus thread
            with contextlib.suppress(OSError):
                self._conn.interrupt()
            self._thread.join(2)
        self._closed.set()
        with contextlib.suppress(OSError):
            self._conn.close()

    def in_order(self) -> contextlib.AbstractContextManager[bool]:
        """Held while a method call is answered (from computing the reply to sending
        it): hold it to change what replies read and send the signal that says so, and
        no reply computed before the change leaves after that signal."""
        return self._order

    def on_lost(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (on the bus thread) if the bus goes away."""
        self._lost.append(callback)

    # -- sending (any thread) ------------------------------------------------------
    def send(self, message: Message) -> bool:
        if self._closed.is_set():
            return False
        try:
            self._conn.send(message)
            return True
        except OSError as exc:
            if not self._closed.is_set():  # else: closed by Quit while a reply was going out
                log.warning("D-Bus send failed: %s", one_line(str(exc), 120))
            return False

    def call(self, message: Message, on_reply: Callable[[Message], None] | None = None) -> None:
        """Send a method call; ``on_reply`` gets its reply or error on the bus thread."""
        if self._closed.is_set():
            return
        serial = next(self._conn.outgoing_serial)
        if on_reply is not None:
            with self._lock:
                self._pending[serial] = on_reply
        try:
            self._conn.send(message, serial=serial)
        except OSError as exc:
            with self._lock:
                self._pending.pop(serial, None)
            if not self._closed.is_set():
                log.warning("D-Bus call failed: %s", one_line(str(exc), 120))

    def call_sync(self, message: Message, timeout: float = 5.0) -> tuple[Any, ...]:
        """Call and wait for the reply's body; :class:`BusError` on an error or no answer.

        Never from the bus thread (it would wait for itself).
        """
        if threading.current_thread() is self._thread:
            raise RuntimeError("call_sync on the D-Bus thread would wait for itself")
        future: Future[Message] = Future()
        self.call(message, future.set_result)
        try:
            reply = future.result(timeout)
        except (TimeoutError, FutureTimeout):  # one class from 3.11 on; two on 3.10
            raise BusError("no answer on the session D-Bus") from None
        return reply_body(reply)

    def emit(self, path: str, interface: str, name: str, sig: str, body: tuple[Any, ...]) -> None:
        with self._order:
            self.send(new_signal(DBusAddress(path, interface=interface), name, sig or None, body))

    def subscribe(self, rule: MatchRule, handler: Handler) -> None:
        """Receive signals matching ``rule``; the bus hears of it before any later call."""
        with self._lock:
            self._subscriptions.append((rule, handler))
        self.call(message_bus.AddMatch(rule))

    def export(self, path: str, *interfaces: Interface) -> None:
        with self._lock:
            self._objects[path] = {i.name: i for i in interfaces}

    def request_name(self, name: str) -> None:
        self.call(message_bus.RequestName(name, NAME_FLAG_DO_NOT_QUEUE))

    # -- the receiving thread -------------------------------------------------------
    def _receive(self) -> None:
        while not self._stopping.is_set():
            try:
                msg = self._conn.receive()
            except ReceiveStopped:
                return
            except Exception as exc:  # the bus went away (logout) or sent garbage
                if not self._stopping.is_set():
                    log.warning("The session D-Bus went away (%s).", type(exc).__name__)
                    self._closed.set()
                    for callback in self._lost:
                        callback()
                return
            try:
                self._dispatch(msg)
            except Exception:  # one bad message must not end the loop
                log.exception("Handling a D-Bus message failed.")

    def _dispatch(self, msg: Message) -> None:
        kind = msg.header.message_type
        if kind in (MessageType.method_return, MessageType.error):
            serial = msg.header.fields.get(HeaderFields.reply_serial)
            with self._lock:
                callback = self._pending.pop(serial, None)
            if callback is not None:
                callback(msg)
            elif kind is MessageType.error:
                log.debug("D-Bus error: %s", reply_error(msg))
        elif kind is MessageType.signal:
            with self._lock:
                handlers = [h for rule, h in self._subscriptions if rule.matches(msg)]
            for handler in handlers:
                handler(msg)
        elif kind is MessageType.method_call:
            self._answer(msg)

    def _answer(self, msg: Message) -> None:
        fields = msg.header.fields
        path = fields.get(HeaderFields.path, "")
        iface_name = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member, "")
        sig = fields.get(HeaderFields.signature, "")
        no_reply = bool(msg.header.flags & 1)
        with self._lock:
            interfaces = self._objects.get(path)
        with self._order:
            self._answer_in_order(msg, interfaces, path, iface_name, member, sig, no_reply)

    def _answer_in_order(
        self,
        msg: Message,
        interfaces: Mapping[str, Interface] | None,
        path: str,
        iface_name: str | None,
        member: str,
        sig: str,
        no_reply: bool,
    ) -> None:
        try:
            if interfaces is None:
                if iface_name == INTROSPECTABLE and member == "Introspect":
                    reply = ("s", (self._introspect_tree(path),))
                else:
                    raise MethodError(UNKNOWN_OBJECT, f"no object at {path}")
            else:
                reply = self._call_object(interfaces, iface_name, member, sig, msg.body)
            answer = new_method_return(msg, reply[0] or None, reply[1])
        except MethodError as exc:
            answer = new_error(msg, exc.name, "s", (str(exc),))
        except Exception as exc:
            log.exception("D-Bus method %s.%s failed.", iface_name, member)
            answer = new_error(msg, FAILED, "s", (f"{type(exc).__name__}: {exc}",))
        if not no_reply:
            self.send(answer)

    def _introspect_tree(self, path: str) -> str:
        """A parent node lists its children, so tools like d-feet can walk to objects."""
        prefix = path.rstrip("/") + "/"
        with self._lock:
            children = sorted(
                {p[len(prefix) :].split("/")[0] for p in self._objects if p.startswith(prefix)}
            )
        nodes = "".join(f"<node name={quoteattr(c)}/>" for c in children)
        return f"<node>{nodes}</node>"

    def _call_object(
        self,
        interfaces: Mapping[str, Interface],
        iface_name: str | None,
        member: str,
        sig: str,
        args: tuple[Any, ...],
    ) -> tuple[str, tuple[Any, ...]]:
        if iface_name == INTROSPECTABLE and member == "Introspect":
            return "s", (introspect(interfaces),)
        if iface_name == PEER and member == "Ping":
            return "", ()
        if iface_name == PROPERTIES:
            wanted = {"Get": "ss", "GetAll": "s"}.get(member)
            if wanted is not None and sig != wanted:
                raise MethodError(INVALID_ARGS, f"{member} takes ({wanted}), not ({sig})")
            return self._properties(interfaces, member, args)
        if iface_name is None:  # the spec allows calls without an interface
            found = [i for i in interfaces.values() if member in i.methods]
            if not found:
                raise MethodError(UNKNOWN_METHOD, f"no method {member}")
            iface = found[0]
        elif iface_name in interfaces:
            iface = interfaces[iface_name]
        else:
            raise MethodError(UNKNOWN_METHOD, f"no interface {iface_name}")
        method = iface.methods.get(member)
        if method is None:
            raise MethodError(UNKNOWN_METHOD, f"no method {member} in {iface.name}")
        if sig != method.in_sig:
            raise MethodError(INVALID_ARGS, f"{member} takes ({method.in_sig}), not ({sig})")
        return method.out_sig, method.call(*args)

    @staticmethod
    def _properties(
        interfaces: Mapping[str, Interface], member: str, args: tuple[Any, ...]
    ) -> tuple[str, tuple[Any, ...]]:
        if member == "Get" and len(args) == 2:
            iface = interfaces.get(args[0])
            prop = iface.properties.get(args[1]) if iface else None
            if prop is None:
                raise MethodError(UNKNOWN_PROPERTY, f"no property {args[0]}.{args[1]}")
            return "v", ((prop.sig, prop.get()),)
        if member == "GetAll" and len(args) == 1:
            iface = interfaces.get(args[0])
            props = iface.properties if iface else {}
            return "a{sv}", ({name: (p.sig, p.get()) for name, p in props.items()},)
        if member == "Set":
            raise MethodError(INVALID_ARGS, "these properties are read-only")
        raise MethodError(UNKNOWN_METHOD, f"no method {member} in {PROPERTIES}")


def reply_error(msg: Message) -> str:
    name = msg.header.fields.get(HeaderFields.error_name, "error")
    text = msg.body[0] if msg.body and isinstance(msg.body[0], str) else ""
    return f"{name}: {one_line(text, 160)}" if text else str(name)


def reply_body(msg: Message) -> tuple[Any, ...]:
    """The body of a method return; :class:`BusError` for an error reply."""
    if msg.header.message_type is MessageType.error:
        raise BusError(reply_error(msg))
    return tuple(msg.body)


def bus_call(
    destination: str,
    path: str,
    interface: str,
    method: str,
    sig: str = "",
    body: tuple[Any, ...] = (),
) -> Message:
    """A method call message."""
    return new_method_call(DBusAddress(path, destination, interface), method, sig or None, body)


def name_owner_rule(name: str) -> MatchRule:
    """NameOwnerChanged for ``name`` only."""
    rule = MatchRule(
        type="signal",
        sender=BUS_NAME,
        interface=BUS_NAME,
        member="NameOwnerChanged",
        path="/org/freedesktop/DBus",
    )
    rule.add_arg_condition(0, name)
    return rule


def signal_rule(interface: str, member: str) -> MatchRule:
    """One signal of one interface, from whoever sends it (the owner of a well-known
    name changes when its program restarts)."""
    return MatchRule(type="signal", interface=interface, member=member)


def has_owner(bus: Bus, name: str, timeout: float = 2.0) -> bool:
    (owned,) = bus.call_sync(message_bus.NameHasOwner(name), timeout)
    return bool(owned)
