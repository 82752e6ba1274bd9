"""Loading pyautogui for a display, and the X connection each desktop executor keeps.

Importing pyautogui can end the process (no DISPLAY: KeyError; no X authority file: XauthError;
no tkinter: ``sys.exit``), so it is imported only inside :func:`load_pyautogui`, whose guard turns
each case into a :class:`~agent.errors.DisplayUnavailable` that says how to fix it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from actions.display import environ
from actions.x11_windows import open_connection
from agent.errors import DisplayUnavailable, MissingDependency


def load_pyautogui(display: str, xauthority: str | None = None) -> Any:
    """Import pyautogui for ``display``, turning each way its import can fail into a clear error.

    pyautogui connects to the display named by ``$DISPLAY`` at its first import; executors then
    hand it their own connection before acting (see :func:`connect`).
    """
    if not display:
        raise DisplayUnavailable(
            "no display: DISPLAY is not set. Run on a desktop session, export DISPLAY=:N, or let "
            "gui-agent start a virtual one (task file `desktop: {display: auto}`, "
            "Agent.desktop(display='auto'); needs Xvfb: sudo apt-get install -y xvfb)"
        )
    if importlib.util.find_spec("tkinter") is None:
        raise DisplayUnavailable(
            "pyautogui needs tkinter, which this Python lacks: sudo apt-get install -y python3-tk "
            "(then recreate the virtual environment if it was made before)"
        )
    authority = xauthority or os.environ.get("XAUTHORITY") or os.path.expanduser("~/.Xauthority")
    if not os.path.exists(authority):
        raise DisplayUnavailable(
            f"no X authority file at {authority}: python-xlib needs one to reach {display}. "
            f"Point XAUTHORITY at the session's file, or create an empty one (touch {authority}) "
            "for a server started without -auth, such as Xvfb"
        )
    try:
        with environ(DISPLAY=display, XAUTHORITY=authority), _quiet_leaks():
            import pyautogui

            _close_leaked_pipes()
    except SystemExit as exc:  # mouseinfo calls sys.exit when tkinter is missing
        raise DisplayUnavailable(f"pyautogui could not start: {exc}") from None
    except ImportError as exc:
        raise MissingDependency(
            f"the desktop needs the 'desktop' extra: pip install 'gui-agent[desktop]' ({exc})"
        ) from exc
    except Exception as exc:  # noqa: BLE001 - Xlib raises its own types (XauthError, ...)
        raise DisplayUnavailable(
            f"cannot reach X display {display}: {type(exc).__name__}: {exc}"
        ) from None
    return pyautogui


@contextmanager
def _quiet_leaks() -> Iterator[None]:
    """Silence the ResourceWarnings of python-xlib (it never closes the authority file it reads)
    and pyscreeze (it leaves a pipe open at import): theirs to fix, and harmless."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        yield


def _close_leaked_pipes() -> None:
    """Close what pyautogui's import leaves open and never uses again: the pipes of the
    ``which scrot`` that pyscreeze and mouseinfo each run, and mouseinfo's X connection (for
    its own GUI, which we never start)."""
    for name in ("pyscreeze", "mouseinfo"):
        process = getattr(sys.modules.get(name), "whichProc", None)
        for pipe in (getattr(process, "stdout", None), getattr(process, "stderr", None)):
            if pipe is not None:
                pipe.close()
    mouseinfo = sys.modules.get("mouseinfo")
    connection = getattr(mouseinfo, "_display", None)
    if connection is not None:
        connection.close()
        mouseinfo._display = None  # type: ignore[union-attr]


def connect(pyautogui: Any, display: str, authority: str) -> Any:
    """An X connection to ``display`` for pyautogui's backend (None off X11).

    pyautogui keeps one module-level connection, made at import for the display of that moment;
    each executor keeps its own and hands it to pyautogui before acting, so two desktops in one
    process (two virtual displays, one after the other or side by side) each act on theirs.
    """
    backend = getattr(pyautogui, "platformModule", None)
    current = getattr(backend, "_display", None)
    if backend is None or not hasattr(backend, "_display"):
        return None
    if current is not None and current.get_display_name() == display:
        backend._display = None  # adopted: this executor owns it from now on
        return current
    return open_connection(display, authority)
