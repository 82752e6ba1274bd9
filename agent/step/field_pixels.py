"""Reading back what a desktop field shows after typing: its pixels are the only witness.

A browser field's value is read from the DOM; a desktop program's is not readable from the
outside, so the field's box is read with OCR once the screen has settled. A secret is never
read as text (it would reach the trace): its characters are counted instead, as the dots or
asterisks a password field draws.
"""

from __future__ import annotations

import difflib
from collections import deque

from agent.errors import MissingDependency, VerificationFailed
from perception.elements import Box
from perception.ocr import RapidOcrReader
from perception.screen import Screenshot

SURE = 0.8
"""OCR this similar to the typed text (or containing it) confirms it."""
CLOSE = 0.5
"""Below this the field shows something else: the typing failed or went elsewhere."""
ZOOM = 2
"""Field crops are enlarged before OCR (small UI text reads better)."""

_reader = RapidOcrReader(cache_size=4)


def _squash(text: str) -> str:
    return "".join(text.split()).casefold()


def readable(text: str) -> bool:
    """Whether OCR can read the text back: Latin letters (accents included), digits,
    punctuation and Chinese; Greek, Cyrillic, Arabic and the like it cannot."""
    return all(
        ord(ch) < 0x250 or 0x2000 <= ord(ch) < 0x2C00 or 0x3000 <= ord(ch) < 0xA000 for ch in text
    )


def check_changed(before: Screenshot | None, after: Screenshot, box: Box) -> str:
    """Text OCR cannot read: at least the field's pixels must have changed."""
    if before is None or before.size != after.size:
        return "not read back (OCR cannot read this script)"
    if _crop(before, box, zoom=1).image.tobytes() == _crop(after, box, zoom=1).image.tobytes():
        raise VerificationFailed("typing changed nothing in the field")
    return "the field changed (OCR cannot read this script back)"


def field_area(box: Box, width: int, *, whole_field: bool) -> Box:
    """Where a field's text shows: the field's own box, or, when the step named the field by
    its old text, from that text to the right edge (where the new text runs), half a line
    taller on each side (OCR's line boxes are taller than the text)."""
    if whole_field:
        return box
    pad = box.height * 0.5
    return Box(x0=box.x0 - pad, y0=box.y0 - pad, x1=width, y1=box.y1 + pad)


def check_typed(shot: Screenshot, box: Box, typed: str, *, whole_field: bool) -> str:
    """What the field shows, when it is close enough to ``typed``; VerificationFailed if not.

    ``whole_field``: the box is the field's; else it is text the step named the field by (its
    old content), and the field is read from there to the right, where the new text runs.
    """
    crop = _crop(shot, field_area(box, shot.size[0], whole_field=whole_field))
    try:
        lines = _reader.read(crop)
    except MissingDependency:
        return "not read back (OCR is not installed)"
    shown = " ".join(line.text for line in lines)
    want, got = _squash(typed), _squash(shown)
    ratio = _best_window(want, got)
    if want in got or ratio >= SURE:
        return f"the field shows {shown!r}"
    if ratio >= CLOSE:
        return f"the field shows {shown!r}, close to what was typed (OCR, {ratio:.2f})"
    raise VerificationFailed(f"after typing {typed!r}, the field shows {shown!r}")


def _best_window(want: str, got: str) -> float:
    """How well the best stretch of ``got`` (as long as ``want``) matches ``want``."""
    if not want:
        return 1.0
    if len(got) <= len(want):
        return difflib.SequenceMatcher(None, want, got).ratio()
    return max(
        difflib.SequenceMatcher(None, want, got[i : i + len(want)]).ratio()
        for i in range(len(got) - len(want) + 1)
    )


def check_secret(shot: Screenshot, box: Box, length: int) -> str:
    """A typed secret: the field must show as many marks (dots, asterisks) as it has
    characters. Nothing of what it shows is read as text."""
    marks = count_marks(_crop(shot, box, zoom=1))
    if marks == length:
        return f"the field shows {marks} marks for the secret's {length} characters"
    raise VerificationFailed(
        f"the field shows {marks} marks after typing a secret of {length} characters"
    )


def _crop(shot: Screenshot, box: Box, zoom: int = ZOOM) -> Screenshot:
    width, height = shot.size
    x0, y0 = max(0, int(box.x0) - 2), max(0, int(box.y0) - 2)
    x1, y1 = min(width, int(box.x1) + 2), min(height, int(box.y1) + 2)
    image = shot.image.crop((x0, y0, x1, y1))
    if zoom > 1:
        image = image.resize((image.width * zoom, image.height * zoom))
    return Screenshot(image=image, scale=shot.scale * zoom, source=shot.source)


def count_marks(crop: Screenshot) -> int:
    """Glyph-sized blobs of ink in a field: not its border (touching the edge), not a caret
    (a thin upright line)."""
    import numpy as np

    gray = np.asarray(crop.image.convert("L"), dtype=np.int16)
    background = int(np.median(gray))
    ink = np.abs(gray - background) > 60
    height, width = ink.shape
    left: set[tuple[int, int]] = {(int(y), int(x)) for y, x in zip(*np.nonzero(ink), strict=True)}
    count = 0
    while left:
        start = left.pop()
        todo, ys, xs = deque([start]), [start[0]], [start[1]]
        while todo:
            y, x = todo.popleft()
            for near in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if near in left:
                    left.remove(near)
                    todo.append(near)
                    ys.append(near[0])
                    xs.append(near[1])
        w, h = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
        touches = min(xs) <= 1 or min(ys) <= 1 or max(xs) >= width - 2 or max(ys) >= height - 2
        caret = w <= 2 and h >= height * 0.4
        if not touches and not caret and len(xs) >= 3 and h <= height * 0.7:
            count += 1
    return count
