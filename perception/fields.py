"""Text fields from pixels: the empty boxes beside labels, for typing on screens without a DOM.

OCR reads a form's labels ("Username") but not its fields, which hold no text. A text field is
drawn as a wide, hollow rectangle with a light inside; this finds such rectangles, and
:func:`field_for_label` picks the one a label names: the field the text sits in (a placeholder
or a value), else the nearest to its right on the same row, else the nearest just below it.
"""

from __future__ import annotations

from typing import Any

from perception.elements import Box

MIN_WIDTH = 30
MIN_HEIGHT = 12
MAX_HEIGHT = 80
EDGE_COVER = 0.85
"""The share of each side of the rectangle its outline must cover (rounded corners miss some)."""
RIGHT_GAP = 260
"""How far to the right of its label a field may start, in screenshot pixels."""
BELOW_GAP = 40


def find_fields(gray: Any) -> list[Box]:
    """Boxes of text fields on a grayscale capture (a 2-D uint8 numpy array), reading order."""
    import cv2

    found: list[Box] = []
    _, otsu = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    # Otsu alone loses light borders (#ccc on white); anything not near-white keeps them.
    light = ((gray < 235) * 255).astype("uint8")
    across = cv2.getStructuringElement(cv2.MORPH_RECT, (20, 1))
    down = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 12))
    # Rounded corners leave the four sides apart: a 5-pixel join closes them; but a field 4
    # pixels above a row of buttons (GTK dialogs) then merges with them, so a 3-pixel join
    # is tried too.
    for mask, join in ((otsu, 5), (light, 5), (otsu, 3), (light, 3)):
        # Only long straight strokes: a label touching the field's border (text strokes are
        # short) no longer merges with it.
        lines = cv2.bitwise_or(
            cv2.morphologyEx(mask, cv2.MORPH_OPEN, across),
            cv2.morphologyEx(mask, cv2.MORPH_OPEN, down),
        )
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (join, join)))
        grown = join // 2
        count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for i in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[i])
            if w < MIN_WIDTH or h < MIN_HEIGHT or h > MAX_HEIGHT or w < 1.5 * h:
                continue
            if area > 8 * 2 * (w + h):
                continue  # not hollow: a solid bar, a button face, a block of text
            x, y, w, h = x + grown, y + grown, w - 2 * grown, h - 2 * grown  # undo the join
            box = Box(x0=x, y0=y, x1=x + w, y1=y + h)
            part = labels[y - grown : y + h + grown, x - grown : x + w + grown] == i
            if _is_outline(part) and _light_inside(gray, box):
                if not any(box.intersection_area(other) > 0.8 * box.area for other in found):
                    found.append(box)
    for box in _light_faces(gray):
        if not any(box.intersection_area(other) > 0.5 * box.area for other in found):
            found.append(box)
    found.sort(key=lambda b: (b.y0, b.x0))
    return found


FACE = 245
"""A field's face is at least this light; the window around it darker (a sunken GTK 2 entry,
whose bottom and right edges are as light as the window, or a Tk entry: a white box on gray)."""
SURROUND = 235


def _light_faces(gray: Any) -> list[Box]:
    """Fields drawn as a light face on a darker window, with no outline all round."""
    import cv2
    import numpy as np

    light = ((gray >= FACE) * 255).astype("uint8")
    count, _, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=4)
    out: list[Box] = []
    height, width = gray.shape
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if w < MIN_WIDTH or h < MIN_HEIGHT or h > MAX_HEIGHT or w < 1.5 * h:
            continue
        if area < 0.6 * w * h or x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue  # not a filled rectangle, or cut by the capture's edge
        ring = np.concatenate([gray[y - 1, x : x + w], gray[y + h, x : x + w],
                               gray[y : y + h, x - 1], gray[y : y + h, x + w]])  # fmt: skip
        if float((ring < SURROUND).mean()) < 0.9:
            continue  # light all round: part of a light page, not a box on a darker window
        box = Box(x0=x, y0=y, x1=x + w, y1=y + h)
        if _light_inside(gray, box):
            out.append(box)
    return out


def _is_outline(part: Any) -> bool:
    """Whether the component covers all four sides of its box (within a 5-pixel band: the
    dilated outline)."""
    band = 5
    sides = (
        part[:band, :].any(axis=0),
        part[-band:, :].any(axis=0),
        part[:, :band].any(axis=1),
        part[:, -band:].any(axis=1),
    )
    return all(side.mean() >= EDGE_COVER for side in sides)


def _light_inside(gray: Any, box: Box) -> bool:
    """A field's inside is mostly light and empty, or holds text from its left edge; text
    centred with margins on both sides is a button's."""
    inner = _inside(gray, box)
    if not inner.size or float((inner > 200).mean()) < 0.7:
        return False
    columns = _inked_columns(inner)
    if not len(columns):
        return True
    width = inner.shape[1]
    left, right = int(columns[0]), int(columns[-1])
    centred = abs((left + right) / 2 - width / 2) < 0.12 * width
    return not (centred and left > 0.15 * width)


def has_end_mark(gray: Any, box: Box) -> bool:
    """Whether a field ends in a small mark of its own at the right (a select box's arrow, a
    date field's calendar), apart from any text at its left: what tells a select box from a
    plain text field when neither has a label."""
    return _end_mark(gray, box) is not None


def has_end_arrow(gray: Any, box: Box) -> bool:
    """Whether that mark is an arrow (a select box's): flatter than it is wide and narrowing
    downwards, where a date field's calendar is as tall as it is wide."""
    mark = _end_mark(gray, box)
    if mark is None:
        return False
    rows = mark.any(axis=1).nonzero()[0]
    if not len(rows):
        return False
    height = int(rows[-1] - rows[0] + 1)
    widths = mark[rows[0] : rows[-1] + 1].sum(axis=1)
    return height <= 0.8 * mark.shape[1] and int(widths[-1]) < int(widths.max())


def _end_mark(gray: Any, box: Box) -> Any:
    """The ink of the field's end mark (a boolean array), or None when it has none."""
    inner = _inside(gray, box)
    if not inner.size:
        return None
    columns = _inked_columns(inner)
    if not len(columns):
        return None
    width = inner.shape[1]
    right = int(columns[-1])
    # The last run of inked columns: where the mark starts.
    gaps = (columns[1:] - columns[:-1] > 3).nonzero()[0]
    start = int(columns[gaps[-1] + 1]) if len(gaps) else int(columns[0])
    mark = right - start + 1
    if right > 0.85 * width and mark <= max(24, 0.12 * width) and (start > 0.5 * width):
        return inner[:, start : right + 1] < 128
    return None


def _inside(gray: Any, box: Box) -> Any:
    """The box's inside, its outline left out."""
    return gray[int(box.y0) + 3 : int(box.y1) - 3, int(box.x0) + 3 : int(box.x1) - 3]


def _inked_columns(inner: Any) -> Any:
    """Indexes of the columns that hold dark ink (text, an arrow)."""
    return (inner < 128).any(axis=0).nonzero()[0]


def field_for_label(label: Box, fields: list[Box]) -> Box | None:
    """The field a label names: the one holding it, else the nearest right, else below."""
    cx, cy = label.center
    for field in fields:
        if field.contains_point(cx, cy):
            return field
    best: tuple[float, Box] | None = None
    for field in fields:
        overlap_y = min(label.y1, field.y1) - max(label.y0, field.y0)
        gap_right = field.x0 - label.x1
        if overlap_y >= 0.5 * label.height and -5 <= gap_right <= RIGHT_GAP:
            if best is None or gap_right < best[0]:
                best = (gap_right, field)
    if best is not None:
        return best[1]
    for field in fields:
        gap_below = field.y0 - label.y1
        if -3 <= gap_below <= BELOW_GAP and field.x0 - 40 <= label.x0 <= field.x1:
            if best is None or gap_below < best[0]:
                best = (gap_below, field)
    return best[1] if best is not None else None


BUTTON_FACE = (225, 250)
"""Gray levels of a plain button's face (Chromium's #efefef, most light themes)."""
BUTTON_MIN, BUTTON_MAX = (24, 16), (400, 200)
"""The smallest and largest (width, height) a button may have, in screenshot pixels."""


def find_buttons(gray: Any) -> list[Box]:
    """Boxes of plain buttons on a grayscale capture: a light face, solid but for its words,
    framed by a darker border all round (what "the button" is on a screen without a DOM)."""
    import cv2
    import numpy as np

    low, high = BUTTON_FACE
    face = (((gray >= low) & (gray <= high)) * 255).astype("uint8")
    count, _, stats, _ = cv2.connectedComponentsWithStats(face, connectivity=4)
    found: list[Box] = []
    rows, cols = gray.shape
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if not (BUTTON_MIN[0] <= w <= BUTTON_MAX[0] and BUTTON_MIN[1] <= h <= BUTTON_MAX[1]):
            continue
        if area < 0.6 * w * h or x < 1 or y < 1 or x + w >= cols or y + h >= rows:
            continue
        inside = gray[y : y + h, x : x + w]
        ring = np.concatenate([
            gray[y - 1, x : x + w], gray[y + h, x : x + w],
            gray[y : y + h, x - 1], gray[y : y + h, x + w],
        ])  # fmt: skip
        darker = float(np.mean(ring < np.median(inside) - 25))
        if darker >= 0.7 and int(np.sum(inside < 128)) >= 5:  # framed, with words on it
            found.append(Box(x0=x - 1, y0=y - 1, x1=x + w + 1, y1=y + h + 1))
    found.sort(key=lambda b: (b.y0, b.x0))
    return found
