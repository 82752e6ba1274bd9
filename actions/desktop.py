"""The desktop executor: pyautogui for input, mss for capture, xdotool for Unicode typing.

pyautogui is imported through :func:`actions.pyautogui_load.load_pyautogui`, which turns each
way its import can end the process into a clear :class:`~agent.errors.DisplayUnavailable`.

Coordinates: actions carry screenshot pixels; ``origin + point / scale`` is the screen point.
``origin`` is where the capture sits (a window's corner, or the left/top of all monitors) and
``scale`` the image pixels per screen unit (2 on a HiDPI screen whose capture has twice the
pixels of the coordinates pyautogui takes).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import time
from typing import Any

from actions.base import PageState, ScreenMasker
from actions.display import Program, Window, find_window, list_windows, x_env
from actions.pyautogui_load import connect, load_pyautogui
from actions.retry import polling
from actions.schema import (
    Action,
    Click,
    Drag,
    Goto,
    Hover,
    Point,
    Press,
    Scroll,
    Select,
    TypeText,
    Wait,
)
from actions.screen_effects import ScreenEffects
from actions.x11_focus import focus_window
from agent.errors import (
    ActionError,
    DisplayUnavailable,
    MissingDependency,
    TargetClosed,
    UsageError,
)
from perception.screen import Screenshot

log = logging.getLogger(__name__)

EXIT_WAIT_S = 1.0
"""How long a program whose window has gone may take to exit."""
SCROLL_PX_PER_CLICK = 50
"""A wheel click scrolls about three lines (~50 px) in most toolkits."""

# Playwright's key names (what task files use) -> pyautogui's.
_KEYS = {
    "enter": "enter", "return": "enter", "tab": "tab", "escape": "esc", "esc": "esc",
    "backspace": "backspace", "delete": "delete", "space": "space", " ": "space",
    "arrowup": "up", "arrowdown": "down", "arrowleft": "left", "arrowright": "right",
    "home": "home", "end": "end", "pageup": "pageup", "pagedown": "pagedown",
    "insert": "insert", "control": "ctrl", "ctrl": "ctrl", "shift": "shift", "alt": "alt",
    "meta": "win", "super": "win", "command": "command", "controlormeta": "ctrl",
}  # fmt: skip


class DesktopExecutor:
    """Carries out resolved actions on an X display (or any screen pyautogui drives).

    Args:
        display: The X display (``:99``).
        xauthority: Its authority file, when not ``$XAUTHORITY``.
        window: Capture only the window whose title contains this (its box is looked up at
            every capture, so it may move); None captures every monitor.
        fail_safe: pyautogui's kill switch: moving the mouse into a screen corner stops the run.
            On for a screen a person uses, off on a virtual display nobody can reach.
        program: The launched program, so its end mid-run is reported as such.
    """

    name = "desktop"

    def __init__(
        self,
        display: str,
        *,
        xauthority: str | None = None,
        window: str | None = None,
        fail_safe: bool = True,
        program: Program | None = None,
    ) -> None:
        self.display = display
        self.program = program
        self.env = x_env(display, xauthority)
        self.window = window
        # The frame of the latest capture (where it sits on the screen, its pixels per screen
        # pixel): actions carry points in that capture's pixels.
        self._origin = (0, 0)
        self._scale = 1.0
        self._window: Window | None = None  # the window of the latest capture, if one
        self._gui = load_pyautogui(display, self.env.get("XAUTHORITY"))
        self._backend = getattr(self._gui, "platformModule", None)
        self._connection = connect(self._gui, display, self.env.get("XAUTHORITY", ""))
        self._gui.PAUSE = 0  # its default sleeps 0.1 s after every call
        self._gui.FAILSAFE = fail_safe
        try:
            import mss
        except ImportError as exc:
            raise MissingDependency(
                f"the desktop needs the 'desktop' extra: pip install 'gui-agent[desktop]' ({exc})"
            ) from exc
        try:
            self._mss = mss.MSS(display=display)
        except Exception as exc:  # noqa: BLE001 - mss raises ScreenShotError subclasses
            raise DisplayUnavailable(f"cannot capture display {display}: {exc}") from None
        self.last_frame: Any = None
        """The latest capture's image (what an action's check compares its frames with)."""
        self.effects = ScreenEffects(self)
        """What the executor's actions did, told apart from what the screen did anyway."""
        self.masker: ScreenMasker | None = None
        """Finds what each capture must black out (secrets on the screen), when set."""

    # -- capture -------------------------------------------------------------------------------
    def _region(self) -> tuple[dict[str, int], str]:
        status = self.program.exited() if self.program is not None else None
        if self.program is not None and status is not None:
            raise TargetClosed(
                f"the program {self.program.command!r} exited (status {status}) during the run"
            )
        if self.window:
            found: Window | None = find_window(self.env, self.window, program=self.program)
            if found is None:
                self._ended_with_its_window()
                raise ActionError(f"no window titled {self.window!r} on {self.display}")
            self._window = found
            return _on_screen(found, self._mss.monitors[0]), found.title
        return dict(self._mss.monitors[0]), f"display {self.display}"

    def _ended_with_its_window(self) -> None:
        """TargetClosed if the program is ending: its window goes a moment before its process
        (an OK button that closes the dialog), and that is the program ending, not a lost
        window."""
        program = self.program
        if program is None:
            return
        status = polling(timeout_s=EXIT_WAIT_S, interval_s=0.05, accept=lambda s: s is not None)(
            program.exited
        )
        if status is not None:
            raise TargetClosed(
                f"the program {program.command!r} exited (status {status}) during the run"
            )

    def grab(self) -> tuple[Any, str]:
        """The window (or every monitor) as an RGB image, and the window's title."""
        image, source, _ = self._grab()
        return image, source

    def _grab(self) -> tuple[Any, str, dict[str, int]]:
        from PIL import Image

        region, source = self._region()  # one window lookup per frame
        shot = self._mss.grab(region)
        return Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX"), source, region

    @property
    def scale(self) -> float:
        """Image pixels per screen pixel of the latest capture."""
        return self._scale

    def capture(self) -> Screenshot:
        """Capture the window (or every monitor) as a Screenshot with its origin and scale."""
        image, source, region = self._grab()
        scale = image.width / region["width"] if region["width"] else 1.0
        self._origin, self._scale = (region["left"], region["top"]), scale
        self.last_frame = image
        shot = Screenshot(image=image, scale=scale, origin=self._origin, source=source)
        return shot.blacked_out(self.masker(shot), margin=2) if self.masker else shot

    def _screen_point(self, point: Point) -> tuple[int, int]:
        """Screenshot pixels of the latest capture's frame -> screen coordinates."""
        return (
            round(self._origin[0] + point.x / self._scale),
            round(self._origin[1] + point.y / self._scale),
        )

    # -- actions -------------------------------------------------------------------------------
    def perform(self, action: Action) -> None:
        """Carry out one resolved action with pyautogui (non-ASCII text: actions.x11_typing)."""
        gui = self._gui
        if self._connection is not None:
            self._backend._display = self._connection  # type: ignore[union-attr]
        try:
            match action:
                case Click(point=point, button=button, clicks=clicks):
                    x, y = self._screen_point(point)
                    gui.click(x, y, clicks=clicks, interval=_interval(clicks), button=button)
                case Hover(point=point):
                    gui.moveTo(*self._screen_point(point))
                case TypeText(point=point):
                    self._focus_for_keys(point)
                    self._type(action)
                case Press(keys=keys):
                    self._focus_for_keys(None)
                    gui.hotkey(*_key_names(keys))
                case Scroll(point=point, dx=dx, dy=dy):
                    at = self._screen_point(point) if point else (None, None)
                    if dy:
                        gui.scroll(-_clicks(dy), x=at[0], y=at[1])
                    if dx:
                        gui.hscroll(_clicks(dx), x=at[0], y=at[1])
                case Drag(start=start, end=end):
                    gui.moveTo(*self._screen_point(start))
                    gui.mouseDown(button="left")
                    gui.moveTo(*self._screen_point(end), duration=0.3)
                    gui.mouseUp(button="left")
                case Select():
                    raise UsageError(
                        "select works on browser select boxes; on a desktop, click the list "
                        "and then the option"
                    )
                case Goto(url=url):
                    raise UsageError(f"goto {url!r} needs a browser target, not a desktop")
                case Wait(seconds=seconds):
                    time.sleep(seconds)
                case _:  # pragma: no cover - the union is closed
                    raise AssertionError(action)
        except gui.FailSafeException:
            raise UsageError(
                "stopped: the mouse was moved into a screen corner (pyautogui's fail-safe)"
            ) from None

    def _focus_for_keys(self, point: Point | None) -> None:
        """Give the keyboard focus to the window the keys are for: the one at the typing point,
        else the captured window, else the one under the pointer, else the launched
        program's."""
        if self._connection is None:
            return
        windows = list_windows(self.env)
        target = None
        if point is not None:
            x, y = self._screen_point(point)
            target = next((w for w in windows if w.contains(x, y)), None)
        if target is None and self._window is not None:
            target = next((w for w in windows if w.id == self._window.id), None)
        if target is None:
            x, y = self._gui.position()
            target = next((w for w in windows if w.contains(x, y)), None)
        if target is None and self.program is not None:
            target = next((w for w in windows if self.program.owns(w)), None)
        if target is None and windows:
            target = windows[0]
        if target is not None and not focus_window(self._connection, int(target.id, 16)):
            log.info("the window %r did not take the keyboard focus", target.title)

    def _type(self, action: TypeText) -> None:
        gui = self._gui
        if action.point is not None:
            x, y = self._screen_point(action.point)
            # A triple click selects the field's line in most toolkits; typing then replaces it.
            clicks = 3 if action.clear else 1
            gui.click(x, y, clicks=clicks, interval=_interval(clicks))
            if action.clear:
                gui.press("backspace")
        elif action.clear:
            gui.hotkey("ctrl", "a")
            gui.press("backspace")
        if action.text.isascii():
            gui.write(action.text)
        elif self._connection is not None:
            from actions.x11_typing import type_unicode

            type_unicode(self._connection, action.text, write_plain=gui.write, settle=self.settle)
        else:
            self._xdotool_type(action.text)
        if action.submit:
            gui.press("enter")

    def settle(self, timeout_s: float = 3.0, *, interval_s: float = 0.1) -> bool:
        """Wait until two captures ``interval_s`` apart are the same (a program still drawing);
        False if the screen was still changing after ``timeout_s``."""
        seen: list[str] = []

        def steady() -> bool:
            seen.append(self.state().fingerprint)
            return len(seen) > 1 and seen[-1] == seen[-2]

        return bool(polling(timeout_s=timeout_s, interval_s=interval_s, accept=bool)(steady))

    def _xdotool_type(self, text: str) -> None:
        """Where there is no Xlib connection of our own: xdotool types any Unicode text (it can
        race a busy application, see :mod:`actions.x11_typing`)."""
        if shutil.which("xdotool") is None:
            raise ActionError(
                "typing non-ASCII text on a desktop needs xdotool: sudo apt-get install -y xdotool"
            )
        done = subprocess.run(
            ["xdotool", "type", "--delay", "20", "--", text],
            env=self.env, capture_output=True, text=True, timeout=60 + len(text) * 0.1,
        )  # fmt: skip
        if done.returncode != 0:
            raise ActionError(f"xdotool could not type: {done.stderr.strip()}")

    # -- verification --------------------------------------------------------------------------
    def state(self, point: Point | None = None) -> PageState:
        """What is on the screen (a hash of the capture) and the window captured."""
        region, source = self._region()
        shot = self._mss.grab(region)
        return PageState(location=source, fingerprint=hashlib.sha1(shot.bgra).hexdigest())

    def value_at(self, action: Action) -> str | None:
        """A desktop field's value cannot be read from the outside: None."""
        return None

    @property
    def page(self) -> Any:
        """None: engines read the desktop from pixels only."""
        return None

    def close(self) -> None:
        """Release the capture connection (the display and programs belong to the target)."""
        self._mss.close()
        if self._connection is not None:
            if getattr(self._backend, "_display", None) is self._connection:
                self._backend._display = None  # type: ignore[union-attr]
            self._connection.close()
            self._connection = None


def _on_screen(window: Window, screen: dict[str, int]) -> dict[str, int]:
    """The part of the window on the screen (a dialog may open partly off it, and X refuses
    to capture outside the screen)."""
    left, top = max(window.x, screen["left"]), max(window.y, screen["top"])
    right = min(window.x + window.width, screen["left"] + screen["width"])
    bottom = min(window.y + window.height, screen["top"] + screen["height"])
    if right <= left or bottom <= top:
        raise ActionError(f"the window {window.title!r} is off the screen")
    return {"left": left, "top": top, "width": right - left, "height": bottom - top}


def _key_names(keys: str) -> list[str]:
    """``Control+Shift+T`` -> ``["ctrl", "shift", "t"]``; single characters are lower-cased in
    chords, since pyautogui would add a Shift for an upper-case letter."""
    parts = [p for p in keys.split("+") if p] or ["+"]
    names = []
    for part in parts:
        key = _KEYS.get(part.casefold())
        if key is None:
            key = part.lower() if len(parts) > 1 or len(part) > 1 else part
        names.append(key)
    return names


def _interval(clicks: int) -> float:
    """Seconds between the clicks of a multiple click. pyautogui also sleeps this long after
    the last click, so a single click gets none (it was 50 ms of every desktop step)."""
    return 0.05 if clicks > 1 else 0.0


def _clicks(pixels: float) -> int:
    """Wheel clicks for a distance in pixels (at least one, keeping its sign)."""
    clicks = max(1, round(abs(pixels) / SCROLL_PX_PER_CLICK))
    return clicks if pixels > 0 else -clicks
