"""The windows a person sees on an X display, read with python-xlib.

``xwininfo -root -tree`` lists every window with a name, mapped or not: GTK's hidden helper
windows, unmapped dialogs, tooltips and popup menus carry the program's name too, and the first
title match was often one of them. Here a window counts only when it is viewable (mapped, and
its parents too), is not a popup (override-redirect, or typed tooltip, menu, dropdown,
notification), and is larger than a few pixels. Under a reparenting window manager the named
window is the client inside the manager's frame; its box is the client's, on the screen.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from agent.errors import DisplayUnavailable, MissingDependency

log = logging.getLogger(__name__)

MIN_SIDE = 20
"""Smaller windows are helpers (GTK's 10x10 leader, input-only stubs), not what a person uses."""
POPUP_TYPES = frozenset(
    {"TOOLTIP", "MENU", "POPUP_MENU", "DROPDOWN_MENU", "COMBO", "NOTIFICATION", "DND"}
)
"""_NET_WM_WINDOW_TYPE_* values of windows that are not a program's window."""


@dataclass(frozen=True)
class Window:
    """A top-level window a person can see.

    Attributes:
        id: The X window id, as hex (``0x1a00007``).
        title: Its title (``_NET_WM_NAME``, else ``WM_NAME``).
        x, y, width, height: Its box on the screen, in screen pixels.
        pid: The process that owns it (``_NET_WM_PID``), when the program says.
        program: Its WM_CLASS class name (``FeatherPad``), which stays when the title
            changes to a document's name ("Untitled").
    """

    id: str
    title: str
    x: int
    y: int
    width: int
    height: int
    pid: int | None = None
    program: str = ""

    def named(self, text: str) -> bool:
        """Whether ``text`` (case-insensitive) is in its title or is its program's name."""
        wanted = text.casefold()
        return wanted in self.title.casefold() or wanted == self.program.casefold()

    @property
    def area(self) -> int:
        """Its size in pixels."""
        return self.width * self.height

    def contains(self, x: int, y: int) -> bool:
        """Whether the screen point lies on the window."""
        return self.x <= x < self.x + self.width and self.y <= y < self.y + self.height


def open_connection(name: str | None, authority: str | None) -> Any:
    """An Xlib connection to display ``name``, reading ``authority`` (else $XAUTHORITY);
    DisplayUnavailable when it cannot be reached. The caller closes it."""
    try:
        from Xlib.display import Display
    except ImportError as exc:
        raise MissingDependency(
            f"the desktop needs python-xlib: pip install 'gui-agent[desktop]' ({exc})"
        ) from exc
    saved = os.environ.get("XAUTHORITY")
    if authority:
        os.environ["XAUTHORITY"] = authority
    try:
        with warnings.catch_warnings():
            # python-xlib never closes the authority file it reads: its leak, harmless.
            warnings.simplefilter("ignore", ResourceWarning)
            return Display(name)
    except Exception as exc:  # noqa: BLE001 - Xlib raises its own error types
        raise DisplayUnavailable(f"cannot reach X display {name}: {exc}") from None
    finally:
        if saved is None:
            os.environ.pop("XAUTHORITY", None)
        else:
            os.environ["XAUTHORITY"] = saved


@contextmanager
def connection(env: dict[str, str]) -> Iterator[Any]:
    """An Xlib connection to the display named in ``env``, closed when the block ends."""
    display = open_connection(env.get("DISPLAY"), env.get("XAUTHORITY"))
    try:
        yield display
    finally:
        display.close()


def visible_windows(display: Any) -> list[Window]:
    """The named windows a person can see, topmost first."""
    from Xlib import X, error

    root = display.screen().root
    atoms = _Atoms(display)
    found: list[Window] = []
    try:
        tops = root.query_tree().children
    except error.XError as exc:
        raise DisplayUnavailable(f"cannot list the display's windows: {exc}") from None
    for top in reversed(tops):  # query_tree lists bottom to top
        try:
            attributes = top.get_attributes()
            if attributes.map_state != X.IsViewable:
                continue
            # A window manager's frame is often override-redirect too: it counts when a
            # managed client (one with WM_STATE) is inside, which a menu or tooltip never has.
            client = _client(top, atoms, managed_only=attributes.override_redirect)
            if client is None or _is_popup(client, atoms):
                continue
            title = _title(client, atoms)
            geometry = client.get_geometry()
            if not title or min(geometry.width, geometry.height) < MIN_SIDE:
                continue
            at = client.translate_coords(root, 0, 0)
            found.append(
                Window(
                    id=hex(client.id),
                    title=title,
                    x=-at.x,
                    y=-at.y,
                    width=geometry.width,
                    height=geometry.height,
                    pid=_pid(client, atoms),
                    program=_class(client),
                )
            )
        except error.XError:
            continue  # it went away while being read
    return found


class _Atoms:
    """The atoms read here, interned once per call."""

    def __init__(self, display: Any) -> None:
        self.wm_state = display.intern_atom("WM_STATE")
        self.net_wm_name = display.intern_atom("_NET_WM_NAME")
        self.utf8 = display.intern_atom("UTF8_STRING")
        self.pid = display.intern_atom("_NET_WM_PID")
        self.window_type = display.intern_atom("_NET_WM_WINDOW_TYPE")
        self.display = display


def _client(top: Any, atoms: _Atoms, *, managed_only: bool = False) -> Any:
    """The window holding the program's properties: ``top`` itself on a bare X server, the
    client inside a window manager's frame (the one with WM_STATE) otherwise."""
    if top.get_property(atoms.wm_state, 0, 0, 2) is not None:
        return top
    if not managed_only and _title(top, atoms):
        return top
    for child in top.query_tree().children:
        if child.get_attributes().map_state != 2:  # X.IsViewable
            continue
        if child.get_property(atoms.wm_state, 0, 0, 2) is not None:
            return child
        inner = _client(child, atoms) if child.query_tree().children else None
        if inner is not None:
            return inner
    return None


def _title(window: Any, atoms: _Atoms) -> str:
    prop = window.get_property(atoms.net_wm_name, atoms.utf8, 0, 1024)
    if prop is not None and prop.value:
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    name = window.get_wm_name()
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return name or ""


def _class(window: Any) -> str:
    names = window.get_wm_class()
    return str(names[1]) if names and len(names) > 1 else ""


def _pid(window: Any, atoms: _Atoms) -> int | None:
    prop = window.get_property(atoms.pid, 0, 0, 1)  # 0: AnyPropertyType
    return int(prop.value[0]) if prop is not None and len(prop.value) else None


def _is_popup(window: Any, atoms: _Atoms) -> bool:
    prop = window.get_property(atoms.window_type, 0, 0, 16)
    if prop is None:
        return False
    for atom in prop.value:
        name = atoms.display.get_atom_name(atom)
        if name.removeprefix("_NET_WM_WINDOW_TYPE_") in POPUP_TYPES:
            return True
    return False


def ask_to_close(display: Any, window: Window) -> bool:
    """Send the window ICCCM's WM_DELETE_WINDOW, as a title bar's close button does, when it
    takes it; whether it was sent."""
    from Xlib import X, error
    from Xlib.protocol import event

    target = display.create_resource_object("window", int(window.id, 16))
    delete = display.intern_atom("WM_DELETE_WINDOW")
    try:
        if delete not in (target.get_wm_protocols() or ()):
            return False
        message = event.ClientMessage(
            window=target,
            client_type=display.intern_atom("WM_PROTOCOLS"),
            data=(32, [delete, X.CurrentTime, 0, 0, 0]),
        )
        target.send_event(message, event_mask=X.NoEventMask)
        display.sync()
    except error.XError:
        return False
    return True
