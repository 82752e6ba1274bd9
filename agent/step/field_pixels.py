"""Reading back what a desktop field shows after typing: its pixels are the only witness.

A browser field's value is read from the DOM; a desktop program's is not readable from the
outside, so the field's box is read with OCR once the screen has settled. A secret is never
read as text (it would reach the trace): its characters are counted instead, as the dots or
asterisks a password field draws.
"""

from __future__ import annotations

import difflib
from collections import deque
from typing import TYPE_CHECKING

from actions.retry import polling
from agent.errors import MissingDependency, VerificationFailed
from agent.screen_secrets import SecretMasker
from perception.elements import Box, Element
from perception.matching import EDITABLE
from perception.ocr import RapidOcrReader
from perception.screen import Screenshot
from perception.toggles import flipped

if TYPE_CHECKING:
    from agent.step.context import StepRun

SURE = 0.8
"""OCR this similar to the typed text (or containing it) confirms it."""
CLOSE = 0.5
"""Below this the field shows something else: the typing failed or went elsewhere."""
ZOOM = 2
"""Field crops are enlarged before OCR (small UI text reads better)."""
READ_BACK_S = 2.0
"""How long a field may take to show what was typed (a program draws after the keys)."""
READ_BACK_EVERY_S = 0.2

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
    area = field_area(box, shot.size[0], whole_field=whole_field)
    want, shown, ratio = _squash(typed), "", 0.0
    # Enlarged first (small UI text reads better); at its own size too, since the detector
    # sometimes finds nothing in an enlarged field (a 35-pixel GTK entry).
    for zoom in (ZOOM, 1):
        try:
            lines = _reader.read(_padded(_crop(shot, area, zoom=zoom)))
        except MissingDependency:
            return "not read back (OCR is not installed)"
        reading = " ".join(line.text for line in lines)
        got = _squash(reading)
        score = 1.0 if want in got else _best_window(want, got)
        if score > ratio or not shown:
            shown, ratio = reading, score
        if ratio >= SURE:
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


def _padded(crop: Screenshot, margin: int = 16) -> Screenshot:
    """The crop with a margin of its own background: the text detector finds nothing in a
    field whose border runs along the crop's edge (a focused GTK entry)."""
    from PIL import ImageOps

    # The most common colour is the field's face.
    colours = crop.image.convert("RGB").getcolors(maxcolors=1 << 16) or [(0, (255, 255, 255))]
    face: tuple[int, ...] = tuple(max(colours, key=lambda entry: entry[0])[1])  # type: ignore[arg-type]
    image = ImageOps.expand(crop.image.convert("RGB"), border=margin, fill=face)
    return Screenshot(image=image, scale=crop.scale, source=crop.source)


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


def typed_on_screen(step: StepRun, text: str, element: Element) -> None:
    """A desktop field, read back from its pixels (a secret's characters counted, never
    read), on fresh captures until it shows the text or READ_BACK_S pass: the program may
    draw the keys only after the screen first looked still."""
    box, whole = element.box, element.role in EDITABLE
    was = step.last_screenshot
    secrets = step.ctx.secrets

    def read() -> str | VerificationFailed:
        shot = step.capture()
        try:
            with step.timed("verify"):
                if secrets.uses(held := secrets.mask(text)):  # a placeholder, or a raw value
                    secret = secrets.reveal(held)
                    masker = getattr(step.executor, "masker", None)
                    area = field_area(box, shot.size[0], whole_field=whole)
                    said = (
                        masker.check_field(area, secret)
                        if isinstance(masker, SecretMasker)
                        else None
                    )
                    return said or check_secret(shot, box, len(secret))
                if not readable(text):
                    return check_changed(was, shot, box)
                return check_typed(shot, box, text, whole_field=whole)
        except VerificationFailed as exc:
            return exc

    result = polling(
        timeout_s=min(READ_BACK_S, step.remaining()),
        interval_s=READ_BACK_EVERY_S,
        accept=lambda said: isinstance(said, str),
    )(read)
    if isinstance(result, VerificationFailed):
        raise result
    step.record.notes.append(result)


def toggle_flipped(step: StepRun, before: Screenshot, element: Element, what: str) -> None:
    """A desktop checkbox or radio button must show its new state (a mark in its middle, or
    none) once the screen settles; a click that only moved the focus ring fails (retried).
    A radio button already selected stays so, which is noted."""

    def changed() -> bool:
        after = step.capture()
        if after.size != before.size:
            return True  # another window or layout: the click did something else visible
        gray = (before.image.convert("L"), after.image.convert("L"))
        return flipped(*gray, element.box)

    if polling(timeout_s=min(READ_BACK_S, step.remaining()), interval_s=READ_BACK_EVERY_S)(changed):
        return
    if element.role == "radio":
        step.record.notes.append(f"{what}: the radio button looks as before (already selected?)")
        return
    raise VerificationFailed(f"{what} left the checkbox as it was (only focus or hover changed)")
