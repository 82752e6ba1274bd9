"""Keyboard focus on an X display: keys go to the window a step works in.

On a bare X server (Xvfb, no window manager) focus stays "under the pointer", and GTK and Qt
programs take keys only once they are given the focus: typed text went nowhere while the step
showed a tick. With a window manager, focus is asked for the EWMH way (``_NET_ACTIVE_WINDOW``),
which the manager grants; without one it is set directly (``XSetInputFocus``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)

FOCUS_WAIT_S = 0.5
"""How long a window manager may take to hand the focus over."""


def focus_window(display: Any, window_id: int) -> bool:
    """Give the window (or keep it) the keyboard focus; whether it has it afterwards."""
    from Xlib import X, error

    window = display.create_resource_object("window", window_id)
    if _has_focus(display, window_id):
        return True
    try:
        if manager_running(display):
            _ask_manager(display, window)
        else:
            window.set_input_focus(X.RevertToParent, X.CurrentTime)
            window.configure(stack_mode=X.Above)
        display.sync()
    except error.XError as exc:
        log.debug("could not focus window %#x: %s", window_id, exc)
        return False
    deadline = time.monotonic() + FOCUS_WAIT_S
    while not _has_focus(display, window_id):
        if time.monotonic() > deadline:
            log.debug("window %#x did not take the focus", window_id)
            return False
        time.sleep(0.02)
    return True


def _has_focus(display: Any, window_id: int) -> bool:
    """Whether the focus is on the window or inside it (a toolkit may focus a child)."""
    from Xlib import error

    focus = display.get_input_focus().focus
    try:
        while hasattr(focus, "id"):
            if focus.id == window_id:
                return True
            parent = focus.query_tree().parent
            if not hasattr(parent, "id") or parent.id == focus.id or parent.id == 0:
                return False
            focus = parent
    except error.XError:
        return False
    return False


def manager_running(display: Any) -> bool:
    """Whether an EWMH window manager runs (it names its check window on the root)."""
    root = display.screen().root
    check = root.get_property(display.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0, 0, 1)
    return check is not None and len(check.value) > 0


def _ask_manager(display: Any, window: Any) -> None:
    from Xlib import X
    from Xlib.protocol import event

    root = display.screen().root
    message = event.ClientMessage(
        window=window,
        client_type=display.intern_atom("_NET_ACTIVE_WINDOW"),
        data=(32, [2, X.CurrentTime, 0, 0, 0]),  # 2: asked for by a pager, i.e. the user
    )
    root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
