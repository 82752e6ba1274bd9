"""Checkboxes and radio buttons from pixels: the small square or circle beside a label.

OCR reads a checkbox's label ("Remember me") but not the box, which holds no text, and on a
desktop (or in an HTML form without a ``<label>`` around it) only the box itself toggles.
:func:`toggle_for_label` looks for one just left of the label's words (the usual layout),
else just right of them, on the same row: a small dark shape about as wide as it is high, its
outline closed (a square or a circle; filled when it is checked). Ink is whatever differs from
the background around the label, so a white box on a gray window (Tk's) counts as much as a
gray outline on a white page (Chromium's).
"""

from __future__ import annotations

from typing import Any, Literal

from perception.elements import Box

MIN_SIDE = 8
MAX_SIDE = 40
"""Sides of a checkbox or radio button in screenshot pixels (13 CSS pixels in Chromium, 26
at a device scale factor of 2; Tk's are 10-15)."""
GAP = 24
"""How far from its label's words the box may be, in screenshot pixels, or 1.5 of the words'
height where that is more (larger text, a higher device scale factor)."""
INK = 24
"""Gray levels this far from the background are ink (Tk's white box on its 217 gray is 38)."""

ToggleKind = Literal["checkbox", "radio"]
TOGGLES = frozenset({"checkbox", "radio"})
"""The roles a description names when it wants such a box."""


def toggle_for_label(gray: Any, label: Box) -> tuple[Box, ToggleKind] | None:
    """The checkbox or radio button a label names on a grayscale capture (a 2-D uint8 numpy
    array), and which of the two it looks like; None when there is none beside it."""
    import cv2
    import numpy as np

    height, width = gray.shape
    gap = max(GAP, 1.5 * label.height)
    cy = (label.y0 + label.y1) / 2
    reach = max(label.height, MAX_SIDE) / 2 + 2
    top, bottom = max(0, int(cy - reach)), min(height, int(cy + reach) + 1)
    sides = (
        (max(0, int(label.x0 - gap) - MAX_SIDE), max(0, int(label.x0) - 1)),  # left first
        (min(width, int(label.x1) + 1), min(width, int(label.x1 + gap) + MAX_SIDE)),
    )
    for left, right in sides:
        if right - left < MIN_SIDE or bottom - top < MIN_SIDE:
            continue
        strip = gray[top:bottom, left:right].astype("int16")
        background = int(np.median(strip))
        ink = (np.abs(strip - background) > INK).astype("uint8")
        count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        best: tuple[float, Box, ToggleKind] | None = None
        for i in range(1, count):
            x, y, w, h, _area = (int(v) for v in stats[i])
            if not (MIN_SIDE <= w <= MAX_SIDE and MIN_SIDE <= h <= MAX_SIDE):
                continue
            if not 0.8 <= w / h <= 1.25 or abs(top + y + h / 2 - cy) > 0.35 * max(h, label.height):
                continue
            part = labels[y : y + h, x : x + w] == i
            kind = _shape(part)
            if kind is None:
                continue
            box = Box(x0=left + x, y0=top + y, x1=left + x + w, y1=top + y + h)
            distance = label.x0 - box.x1 if box.x1 <= label.x0 else box.x0 - label.x1
            if distance <= gap and (best is None or distance < best[0]):
                best = (distance, box, kind)
        if best is not None:
            return best[1], best[2]
    return None


def _shape(part: Any) -> ToggleKind | None:
    """Square or circle from a component's mask (its bounding box), or None for anything
    else (a letter, a stroke): a closed outline, or a filled face."""
    h, w = part.shape
    band = max(1, min(h, w) // 6)
    edges = (
        part[:band, :].any(axis=0).mean(),
        part[-band:, :].any(axis=0).mean(),
        part[:, :band].any(axis=1).mean(),
        part[:, -band:].any(axis=1).mean(),
    )
    corners = (part[0, 0], part[0, -1], part[-1, 0], part[-1, -1])
    if min(edges) >= 0.85:
        return "checkbox"  # all four sides drawn to their ends: a square (rounded a little)
    if min(edges) >= 0.25 and not any(corners) and _ring(part):
        return "radio"  # each side touched around its middle, the corners empty: a circle
    return None


def _ring(part: Any) -> bool:
    """Whether the shape closes around its centre (a circle or a filled dot; not a C, a G)."""
    h, w = part.shape
    cy, cx = h // 2, w // 2
    row, column = part[cy, :], part[:, cx]
    sides = (row[:cx], row[cx + 1 :], column[:cy], column[cy + 1 :])
    return all(bool(side.any()) for side in sides)


CENTRE = 0.5
"""The middle part of a box (this share of each side) is where a check mark or a radio dot
shows; hover and focus change the border and, slightly, the face."""
MARK = 2 * INK
"""A pixel of the middle that changed by more than this went from face to mark (or back);
hover shades a face by less."""
FLIPPED = 0.12
"""A toggle whose middle changed this much (the share of its pixels) has flipped."""


def flipped(before: Any, after: Any, box: Box) -> bool:
    """Whether the toggle in ``box`` changed state between two gray captures (2-D uint8 numpy
    arrays) of one frame: a mark appeared in (or left) its middle."""
    import numpy as np

    w, h = box.x1 - box.x0, box.y1 - box.y0
    x0, y0 = int(box.x0 + w * (1 - CENTRE) / 2), int(box.y0 + h * (1 - CENTRE) / 2)
    x1, y1 = int(box.x1 - w * (1 - CENTRE) / 2) + 1, int(box.y1 - h * (1 - CENTRE) / 2) + 1
    was = np.asarray(before)[y0:y1, x0:x1].astype(int)
    now = np.asarray(after)[y0:y1, x0:x1].astype(int)
    if was.size == 0 or was.shape != now.shape:
        return True  # nothing to compare: not held against the click
    return bool((np.abs(now - was) > MARK).mean() >= FLIPPED)
