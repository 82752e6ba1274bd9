"""X displays for the desktop executor: a virtual one (Xvfb), its windows, launched programs.

``display: auto`` uses ``$DISPLAY`` when it is set and starts an Xvfb when it is not (a server,
CI); ``virtual`` always starts one (so a run on a workstation leaves its mouse alone); ``:N``
names a running display. Programs are started in their own process group and ended with it.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from actions.retry import polling
from actions.x11_focus import manager_running
from actions.x11_windows import Window, ask_to_close, connection, visible_windows
from agent.errors import DisplayUnavailable, UsageError

log = logging.getLogger(__name__)

XVFB_START_S = 10.0
WINDOW_WAIT_S = 15.0
CLOSE_WAIT_S = 2.0
"""How long a program asked to close may take before it is ended."""
WM_WAIT_S = 10.0
"""How long a window manager may take to take over the display."""
DEFAULT_SCREEN = (1920, 1080)
"""A virtual display's size: ordinary dialogs (a GTK Save dialog is ~850 px tall) fit on it."""
_DISPLAY_RE = re.compile(r"^[\w.-]*:\d+(\.\d+)?$")


class VirtualDisplay:
    """An Xvfb server on a free display number, for as long as the object is entered.

    Args:
        size: Screen width and height in pixels.
        font_path: Folders of X core fonts to use instead of the server's default path (the
            built-in fonts come last, as in Xvfb's own path); the tests use it to try
            programs under other font sets.
    """

    def __init__(
        self, size: tuple[int, int] = DEFAULT_SCREEN, *, font_path: list[str] | None = None
    ) -> None:
        self.size = size
        self.font_path = font_path
        self.name = ""
        self.xauthority = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> VirtualDisplay:
        xvfb = shutil.which("Xvfb")
        if xvfb is None:
            raise DisplayUnavailable(
                "no display: DISPLAY is not set and Xvfb is not installed to start a virtual "
                "one. Install it (sudo apt-get install -y xvfb) or run on a desktop session."
            )
        self._tmp = tempfile.TemporaryDirectory(prefix="gui-agent-x-")
        self.xauthority = str(Path(self._tmp.name) / "Xauthority")
        read, write = os.pipe()
        width, height = self.size
        command = [xvfb, "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                   "-nolisten", "tcp", "-noreset"]  # fmt: skip
        if self.font_path is not None:
            command += ["-fp", ",".join([*self.font_path, "built-ins"])]
        log.info("starting a virtual display (Xvfb %dx%d)", width, height)
        self._process = subprocess.Popen(
            command, pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        os.close(write)
        try:
            number = self._read_number(read)
        finally:
            os.close(read)
        self.name = f":{number}"
        _write_xauthority(Path(self.xauthority), number)
        log.info("virtual display %s is up", self.name)
        return self

    def _read_number(self, fd: int) -> str:
        """Xvfb writes the display number it chose to ``-displayfd`` once it accepts clients."""
        import select

        data = b""
        while not data.endswith(b"\n"):
            ready, _, _ = select.select([fd], [], [], XVFB_START_S)
            chunk = os.read(fd, 64) if ready else b""
            if not chunk:
                self.__exit__(None, None, None)
                raise DisplayUnavailable(f"Xvfb did not start within {XVFB_START_S:g} s")
            data += chunk
        return data.decode().strip()

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stderr is not None:
                self._process.stderr.close()
            self._process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def _write_xauthority(path: Path, number: str) -> None:
    """An authority file with one entry for the display.

    Xvfb runs without -auth, so any cookie is accepted; the entry is there because python-xlib
    prints a warning on stdout when the file has none.
    """
    import socket
    import struct

    def counted(data: bytes) -> bytes:
        return struct.pack(">H", len(data)) + data

    family_local = 256
    entry = struct.pack(">H", family_local) + b"".join(
        counted(part)
        for part in (socket.gethostname().encode(), number.encode(), b"MIT-MAGIC-COOKIE-1",
                     os.urandom(16))
    )  # fmt: skip
    path.write_bytes(entry)


@dataclass(frozen=True)
class OpenDisplay:
    """A display to work on: its name, its authority file, and whether gui-agent started it."""

    name: str
    xauthority: str | None
    virtual: bool

    @property
    def env(self) -> dict[str, str]:
        """The environment for programs and X tools on this display."""
        return x_env(self.name, self.xauthority)


DISPLAY_CHOICES = '"auto", "virtual" or an X display such as ":99"'


def check_display_choice(choice: str) -> str:
    """``choice`` if it is ``auto``, ``virtual`` or ``:N``; else a UsageError."""
    if choice in ("auto", "virtual") or _DISPLAY_RE.match(choice):
        return choice
    raise UsageError(f"display: expected {DISPLAY_CHOICES}, got {choice!r}")


@contextmanager
def open_display(
    choice: str = "auto", *, size: tuple[int, int] = DEFAULT_SCREEN
) -> Iterator[OpenDisplay]:
    """Resolve ``auto``, ``virtual`` or ``:N`` to a display.

    A virtual display started here is stopped when the block ends.
    """
    check_display_choice(choice)
    current = os.environ.get("DISPLAY", "")
    if choice == "auto" and current:
        yield OpenDisplay(current, os.environ.get("XAUTHORITY"), virtual=False)
    elif choice in ("auto", "virtual"):
        with VirtualDisplay(size) as virtual:
            yield OpenDisplay(virtual.name, virtual.xauthority, virtual=True)
    else:
        yield OpenDisplay(choice, os.environ.get("XAUTHORITY"), virtual=False)


@contextmanager
def environ(**values: str) -> Iterator[None]:
    """Set environment variables for the block; restore (or remove) them afterwards."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def x_env(display: str, xauthority: str | None) -> dict[str, str]:
    """The environment for a program (or an X tool) that should run on ``display``."""
    env = dict(os.environ, DISPLAY=display)
    if xauthority:
        env["XAUTHORITY"] = xauthority
    return env


def list_windows(env: dict[str, str]) -> list[Window]:
    """The named windows a person can see on the display, topmost first (not tooltips,
    menus, unmapped or helper windows: :mod:`actions.x11_windows`)."""
    with connection(env) as display:
        return visible_windows(display)


def find_window(
    env: dict[str, str], title: str, *, program: Program | None = None
) -> Window | None:
    """The window to work in: the largest visible one whose title contains ``title``
    (case-insensitive) or whose program is called so (WM_CLASS), the launched program's own
    first; while the program shows another window above it (a dialog), that one.
    """
    windows = list_windows(env)
    named = [w for w in windows if w.named(title)]
    if program is not None:
        named = [w for w in named if program.owns(w)] or named
    if not named:
        return None
    chosen = max(named, key=lambda w: w.area)
    if program is not None:
        above = windows[: windows.index(chosen)]
        dialog = next((w for w in above if program.owns(w)), None)
        if dialog is not None:
            return dialog
    return chosen


class Program:
    """A program launched on a display, ended (its whole process group) when the block ends.

    Args:
        command: A shell-like command line (split with shlex; no shell runs it).
        env: Its environment (``x_env``).
        log_path: Where its standard output and error go.
        close_gracefully: At the end, first ask its windows to close (WM_DELETE_WINDOW) and
            wait a moment, so that work in progress (a save) finishes; then end it.
    """

    def __init__(
        self,
        command: str,
        env: dict[str, str],
        *,
        log_path: Path | None = None,
        close_gracefully: bool = True,
    ):
        self.command = command
        self.close_gracefully = close_gracefully
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._before: set[str] = set()

    def __enter__(self) -> Program:
        argv = shlex.split(self.command)
        if not argv:
            raise UsageError("desktop.launch: empty command")
        if shutil.which(argv[0], path=self.env.get("PATH")) is None:
            raise UsageError(f"desktop.launch: program {argv[0]!r} not found on PATH")
        # The windows already there, read before the program can open its own (it may be quick).
        self._before = {w.id for w in list_windows(self.env)}
        with ExitStack() as stack:
            out = (
                stack.enter_context(self.log_path.open("wb"))
                if self.log_path
                else subprocess.DEVNULL
            )
            self.process = subprocess.Popen(
                argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        log.info("launched %s (pid %d)", self.command, self.process.pid)
        return self

    def _ask_to_close(self) -> None:
        """Ask each of its windows to close, as a window's close button does, and give it
        CLOSE_WAIT_S to finish what it was doing (a save in progress) and exit."""
        try:
            with connection(self.env) as display:
                asked = [w for w in visible_windows(display) if self.owns(w)]
                for window in asked:
                    ask_to_close(display, window)
        except DisplayUnavailable:
            return  # the display is gone: nothing to ask
        if asked and self.process is not None:
            try:
                self.process.wait(timeout=CLOSE_WAIT_S)
            except subprocess.TimeoutExpired:
                log.info("%s did not close within %g s; ending it", self.command, CLOSE_WAIT_S)

    def owns(self, window: Window) -> bool:
        """Whether the window is the program's: its process is in the program's session (when
        the window names its process), else it appeared after the launch."""
        if self.process is None:
            return False
        if window.pid is not None:
            return _session(window.pid) == self.process.pid
        return window.id not in self._before

    def exited(self) -> int | None:
        """The exit status if the program has ended, else None."""
        return None if self.process is None else self.process.poll()

    def output_tail(self, lines: int = 5) -> str:
        """The end of what the program printed, for error messages."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:])

    def wait_for_window(self, title: str | None, *, timeout_s: float = WINDOW_WAIT_S) -> None:
        """Wait until a window titled ``title`` appears (any new window when None)."""
        before = self._before

        def probe() -> bool | None:
            if self.exited() is not None:
                return None  # stop polling: it has ended
            windows = list_windows(self.env)
            if title is not None:
                return any(w.named(title) for w in windows)
            return any(w.id not in before for w in windows)

        found = polling(timeout_s=timeout_s, interval_s=0.1, accept=lambda r: r is not False)(probe)
        if found is None:
            tail = self.output_tail()
            raise DisplayUnavailable(
                f"desktop.launch: {self.command!r} ended (status {self.exited()}) before its "
                "window appeared" + (f"; it said:\n{tail}" if tail else "")
            )
        if not found:
            titles = ", ".join(repr(w.title) for w in list_windows(self.env)[:10]) or "none"
            what = f"a window titled {title!r}" if title else "a window"
            raise DisplayUnavailable(
                f"desktop.launch: {self.command!r} showed no {what} within {timeout_s:g} s "
                f"(windows on the display: {titles})"
            )

    def __exit__(self, *exc: object) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        if self.close_gracefully:
            self._ask_to_close()
            if process.poll() is not None:
                return
        try:
            os.killpg(process.pid, 15)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, 9)
            except ProcessLookupError:
                pass
            process.wait()


def _session(pid: int) -> int | None:
    """The session id of a process (programs are launched as session leaders), None when it is
    gone or not on this machine."""
    try:
        return os.getsid(pid)
    except OSError:
        return None


@contextmanager
def window_manager(command: str, env: dict[str, str], *, log_path: Path | None = None
                   ) -> Iterator[Program]:  # fmt: skip
    """Start a window manager on the display and wait until it manages it (it names its check
    window on the root, as EWMH managers do); ended with the block."""
    with Program(command, env, log_path=log_path, close_gracefully=False) as manager:

        def probe() -> bool | None:
            if manager.exited() is not None:
                return None
            with connection(env) as display:
                return manager_running(display)

        running = polling(timeout_s=WM_WAIT_S, interval_s=0.1, accept=lambda r: r is not False)(
            probe
        )
        if not running:
            tail = manager.output_tail()
            raise DisplayUnavailable(
                f"desktop.wm: {command!r} did not take over the display within {WM_WAIT_S:g} s"
                + (f"; it said:\n{tail}" if tail else "")
            )
        log.info("window manager %s is running", command)
        yield manager
