"""What an action did on a desktop, from pixels and the window list.

The same rule as in a browser (:mod:`actions.effects`), with the screen as the only witness.
Before the action the pointer rests on the target and two frames are taken; what differs
between them, and what changed since the step's capture away from the pointer (a clock, a
blinking caret), is background and masked. After it, the action's effects are pixels that
changed outside that mask (a thin caret-shaped change alone does not count), a window that
opened or closed, or the window's title.
"""

from __future__ import annotations

import time
from collections import deque
from typing import TYPE_CHECKING, Any

from actions.display import list_windows
from actions.effects import Effects
from actions.schema import Hover, Point
from agent.errors import TargetClosed

if TYPE_CHECKING:
    from actions.desktop import DesktopExecutor

REST_S = 0.1
"""How long the pointer rests on the target before the first frame (hover effects land)."""
APART_S = 0.15
"""How far apart the two frames before the action are (what differs is changing by itself)."""
INK = 16
"""A channel difference larger than this is a changed pixel."""
CELL = 4
"""Changes are grouped on a grid of cells this many pixels wide."""
BUSY_SHARE = 1 / 3
"""A group of changed cells this much inside what was changing before the action is that
change going on, not the action's."""
CARET = (3, 40)
"""A change no wider and no taller than this (pixels) is a caret blinking, not an effect."""


class ScreenEffects:
    """Watches a desktop executor's screen for the effects of its actions."""

    def __init__(self, executor: DesktopExecutor) -> None:
        self._ex = executor
        self._base: Any = None
        self._busy: set[tuple[int, int]] = set()
        self._title = ""
        self._windows: dict[str, str] = {}
        self._scale = 1.0

    def _frame(self) -> tuple[Any, str]:
        import numpy as np

        image, title = self._ex.grab()
        return np.asarray(image, dtype=np.int16), title

    def _windows_now(self) -> dict[str, str]:
        try:
            return {w.id: w.title for w in list_windows(self._ex.env)}
        except Exception:  # noqa: BLE001 - no xwininfo: the frame is the only witness
            return {}

    def watch(self, point: Point | None, handle: str | None, *, hover: bool = True) -> None:
        """An action at ``point`` (screenshot pixels of the latest capture) is about to start."""
        last = self._ex.last_frame
        if hover and point is not None:
            self._ex.perform(Hover(point=point))
        time.sleep(REST_S)
        first, _ = self._frame()
        time.sleep(APART_S)
        self._base, self._title = self._frame()
        self._scale = self._ex.scale
        busy = _cells(first, self._base)
        if last is not None:
            import numpy as np

            before = np.asarray(last, dtype=np.int16)
            if before.shape == first.shape:
                for group in _groups(_cells(before, first)):
                    if not _around(group, point):  # under the pointer: hover, not noise
                        busy |= group
        self._busy = _grow(busy)
        self._windows = self._windows_now()

    def seen(self) -> Effects:
        """What changed since :meth:`watch`."""
        effects = Effects()
        try:
            now, title = self._frame()
        except TargetClosed as exc:  # the program ended (its Quit button): that is an effect
            effects.seen.append(str(exc))
            return effects
        if title != self._title:
            effects.seen.append(f"the window is now {title!r}")
        windows = self._windows_now()
        for wid, name in windows.items():
            if wid not in self._windows:
                effects.seen.append(f"a window opened: {name!r}")
        for wid, name in self._windows.items():
            if wid not in windows:
                effects.seen.append(f"a window closed: {name!r}")
        if self._base is None or now.shape != self._base.shape:
            effects.seen.append("the window changed size")
            return effects
        diff = _diff(self._base, now)
        for group in _groups(_cells(self._base, now, diff)):
            # However far a clock's new digits reach, they are its own; but a row selected
            # beside a scroll bar that showed when the pointer came is mostly not busy.
            if len(group & self._busy) >= BUSY_SHARE * len(group):
                if "pixels that were changing before the action" not in effects.ignored:
                    effects.ignored.append("pixels that were changing before the action")
                continue
            x, y, w, h = _extent(diff, group)
            s = self._scale
            if w <= CARET[0] * s and h <= CARET[1] * s:
                effects.ignored.append(f"a caret-like blink at {x},{y}")
            elif len(effects.seen) < 6:
                effects.seen.append(f"pixels changed at {x},{y} ({w}x{h})")
        return effects

    def done(self) -> None:
        """Nothing to close on a desktop: the next watch takes new frames."""

    def settle(self, max_s: float) -> str | None:
        """Wait until two frames a tenth of a second apart are the same, at most ``max_s``."""
        if self._ex.settle(max_s):
            return None
        return f"the screen was still changing after {max_s:.1f} s: read as it was"


def _diff(a: Any, b: Any) -> Any:
    """The pixels where two frames of one size differ."""
    import numpy as np

    return np.abs(a - b).max(axis=2) > INK


def _extent(diff: Any, group: set[tuple[int, int]]) -> tuple[int, int, int, int]:
    """The exact box (x, y, w, h) of the changed pixels in a group of cells."""
    import numpy as np

    rows = [r for r, _ in group]
    cols = [c for _, c in group]
    top, left = min(rows) * CELL, min(cols) * CELL
    part = diff[top : (max(rows) + 1) * CELL, left : (max(cols) + 1) * CELL]
    ys, xs = np.nonzero(part)
    return (left + int(xs.min()), top + int(ys.min()),
            int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1)  # fmt: skip


def _cells(a: Any, b: Any, diff: Any = None) -> set[tuple[int, int]]:
    """The grid cells where two frames differ."""
    import numpy as np

    if a.shape != b.shape:
        return set()
    diff = _diff(a, b) if diff is None else diff
    height, width = diff.shape
    rows, cols = -(-height // CELL), -(-width // CELL)
    padded = np.zeros((rows * CELL, cols * CELL), dtype=bool)
    padded[:height, :width] = diff
    grid = padded.reshape(rows, CELL, cols, CELL).any(axis=(1, 3))
    return {(int(r), int(c)) for r, c in zip(*np.nonzero(grid), strict=True)}


def _groups(cells: set[tuple[int, int]]) -> list[set[tuple[int, int]]]:
    """Cells in touching groups (8-neighbours)."""
    left, groups = set(cells), []
    while left:
        start = left.pop()
        group, todo = {start}, deque([start])
        while todo:
            r, c = todo.popleft()
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    near = (r + dr, c + dc)
                    if near in left:
                        left.remove(near)
                        group.add(near)
                        todo.append(near)
        groups.append(group)
    return groups


def _around(group: set[tuple[int, int]], point: Point | None) -> bool:
    """Whether a group of changed cells surrounds the point or lies beside it (a hover
    highlight is often a ring around a box that itself stays the same)."""
    if point is None:
        return False
    row, col = int(point.y) // CELL, int(point.x) // CELL
    rows = [r for r, _ in group]
    cols = [c for _, c in group]
    return min(rows) - 2 <= row <= max(rows) + 2 and min(cols) - 2 <= col <= max(cols) + 2


def _grow(cells: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """The cells and their neighbours (a change a pixel beside the mask is still the mask's)."""
    return {(r + dr, c + dc) for r, c in cells for dr in (-1, 0, 1) for dc in (-1, 0, 1)}
