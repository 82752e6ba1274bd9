"""Short labels read one by one: calculator keys, buttons, single glyphs.

A full-screen OCR detector reads lines of prose well but misreads or drops isolated glyphs (on
xcalc it reads "9" as "6", "(" as "1" and misses "7"). Here glyphs are found from the pixels
(connected components of a binarised capture, in both polarities, with button frames and solid
faces dropped), grouped into labels, and each label is recognised on its own, upscaled. The
first reader is rapidocr's recogniser (no detection); tesseract, when installed, gets a second
look at the labels it is unsure of. Crops are cached by their pixels, so after a click only the
labels that changed are read again.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from perception import budget
from perception.elements import Box
from perception.ocr import RapidOcrReader, TextLine, _spread
from perception.screen import Screenshot

log = logging.getLogger(__name__)

MAX_GLYPH_HEIGHT = 40
"""Taller components are frames, panels or pictures, not characters."""
MAX_GLYPH_WIDTH = 60
MAX_LABELS = 400
"""A screen with more candidate labels than this is prose or noise: the detector reads it."""
UNSURE = 0.6
"""Below this recogniser score, a label is read again by tesseract (when installed)."""
REC_HEIGHT = 32
"""Crops are upscaled to about this many pixels high, what the recogniser was trained on."""


@dataclass(frozen=True)
class LabelBox:
    """A group of glyphs that reads as one label.

    Attributes:
        box: Where it is, in screenshot pixels.
        inverted: True for light text on a dark face.
    """

    box: Box
    inverted: bool


def find_labels(gray: Any) -> list[LabelBox]:
    """Label boxes on a grayscale capture (a 2-D uint8 numpy array), top to bottom."""
    import cv2

    found: list[LabelBox] = []
    _, dark = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    for inverted, mask in ((False, dark), (True, 255 - dark)):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        boxes = stats[1:, :4].copy()
        boxes[:, 2:] += boxes[:, :2]  # x, y, w, h -> x0, y0, x1, y1
        glyphs: list[list[int]] = []
        specks: list[list[int]] = []
        for i in _checked(range(1, count), "finding the screen's labels"):
            x, y, w, h, area = (int(v) for v in stats[i])
            if h > MAX_GLYPH_HEIGHT or w > MAX_GLYPH_WIDTH:
                continue
            if w < 2 and h < 6:
                # The dot of an "i", a "!" or a "÷": part of a label, never one on its own
                # (alone, "÷" reads as "-" and "i" as "1").
                specks.append([x, y, x + w, y + h])
                continue
            if w > 6 and h > 6 and area > 0.9 * w * h:
                continue  # a solid face (a button's background), not a character
            if w >= 10 and h >= 10 and area < 0.5 * w * h and _encloses(boxes, i - 1):
                continue  # a frame round a label (a button's border, square or rounded)
            glyphs.append([x, y, x + w, y + h])
        for x0, y0, x1, y1 in _with_specks(_group(glyphs), specks):
            if y1 - y0 >= 4 or x1 - x0 >= 4:
                box = Box(x0=x0, y0=y0, x1=x1, y1=y1)
                found.append(LabelBox(box=box, inverted=inverted))
    # The other polarity sees the holes of letters (the inside of an "o") as glyphs: a label
    # inside a label of the other polarity is such a hole.
    out = [
        label
        for label in _checked(found, "finding the screen's labels")
        if not any(
            other.inverted != label.inverted
            and other.box.area > label.box.area
            and other.box.intersection_area(label.box) >= 0.8 * label.box.area
            for other in found
        )
    ]
    out.sort(key=lambda label: (label.box.y0, label.box.x0))
    return out


def _checked(items: Iterable[Any], doing: str) -> Iterator[Any]:
    """The items, with a work-limit check every 256 (these loops are quadratic: a screen tiled
    with words makes them the longest work the offline engine does)."""
    for i, item in enumerate(items):
        if i % 256 == 0:
            budget.check(doing)
        yield item


def _encloses(boxes: Any, index: int) -> bool:
    """Whether component ``index``'s box holds another component's box entirely."""
    x0, y0, x1, y1 = boxes[index]
    inside = (boxes[:, 0] > x0) & (boxes[:, 1] > y0) & (boxes[:, 2] < x1) & (boxes[:, 3] < y1)
    return bool(inside.any())


def _with_specks(groups: list[list[int]], specks: list[list[int]]) -> list[list[int]]:
    """The groups grown by the specks stacked on them within 2 px (dots above or below)."""
    for speck in _checked(specks, "grouping the screen's glyphs"):
        for into in groups:
            above_or_below = max(into[1], speck[1]) - min(into[3], speck[3]) <= 2
            if above_or_below and into[0] <= speck[0] and speck[2] <= into[2]:
                into[:] = [into[0], min(into[1], speck[1]), into[2], max(into[3], speck[3])]
                break
    return groups


def _group(glyphs: list[list[int]]) -> list[list[int]]:
    """Merge glyphs side by side (a word) or stacked within 2 px (the bars of "=").

    A narrow glyph ("!", "l", "1") sits in the middle of a fixed-width font's cell, so the gap
    beside it is wider than between two letters of ordinary width.
    """
    groups = sorted(glyphs)
    changed = True
    while changed:
        changed = False
        merged: list[list[int]] = []
        for box in _checked(groups, "grouping the screen's glyphs"):
            for into in merged:
                h_gap = max(into[0], box[0]) - min(into[2], box[2])
                v_gap = max(into[1], box[1]) - min(into[3], box[3])
                height = max(into[3] - into[1], box[3] - box[1], 8)
                narrow = min(into[2] - into[0], box[2] - box[0]) <= 0.25 * height
                if h_gap <= (0.6 if narrow else 0.45) * height and v_gap <= 2:
                    into[:] = [
                        min(into[0], box[0]),
                        min(into[1], box[1]),
                        max(into[2], box[2]),
                        max(into[3], box[3]),
                    ]
                    changed = True
                    break
            else:
                merged.append(list(box))
        groups = merged
    return groups


class LabelReader:
    """Reads every short label on a capture; one recogniser per process, crops cached.

    Args:
        use_tesseract: Ask tesseract about labels the first reader is unsure of, when the
            ``tesseract`` program and pytesseract are installed.
    """

    name = "labels"
    _lock = threading.Lock()

    def __init__(self, *, use_tesseract: bool = True, cache_size: int = 4096) -> None:
        self.use_tesseract = use_tesseract and _tesseract_available()
        self._crops: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._screens: OrderedDict[str, list[TextLine]] = OrderedDict()
        self._cache_size = cache_size

    def read(self, screenshot: Screenshot) -> list[TextLine]:
        """The labels on the capture with their text, top to bottom (empty readings dropped)."""
        key = screenshot.digest
        if key in self._screens:
            self._screens.move_to_end(key)
            return self._screens[key]
        import numpy as np

        gray = np.asarray(screenshot.image.convert("L"))
        found = find_labels(gray)
        if len(found) > MAX_LABELS:
            log.debug("%d label candidates: too many to read one by one", len(found))
            found = []
        readings = self._recognise([_crop(gray, label) for label in found])
        lines: list[TextLine] = []
        for label, (text, score) in zip(found, readings, strict=True):
            if text:
                chars = tuple(_spread(text, label.box))
                lines.append(TextLine(text=text, box=label.box, score=score, chars=chars))
        self._screens[key] = lines
        while len(self._screens) > 16:
            self._screens.popitem(last=False)
        log.debug("read %d labels (%d candidates)", len(lines), len(found))
        return lines

    def _recognise(self, crops: list[Any]) -> list[tuple[str, float]]:
        """``(text, score)`` per crop: cached ones from the cache, the rest in one batch."""
        import cv2

        keys = [hashlib.sha1(c.tobytes() + str(c.shape).encode()).hexdigest() for c in crops]
        todo = {key: crop for key, crop in zip(keys, crops, strict=True) if key not in self._crops}
        if todo:
            engine = RapidOcrReader._load()
            images = [cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) for crop in todo.values()]
            with self._lock:  # one ONNX session serves every reader of the process
                result = engine.recognize_txt(images)
            texts = list(result.txts or ())
            scores = list(result.scores or ())
            for i, (key, crop) in enumerate(todo.items()):
                text = str(texts[i]).strip() if i < len(texts) else ""
                score = float(scores[i]) if i < len(scores) and text else 0.0
                if score < UNSURE and self.use_tesseract:
                    budget.check("reading unsure labels again")
                    second = _tesseract(crop)
                    if second is not None and second[1] > score:
                        text, score = second
                self._crops[key] = (text, score)
        out = []
        for key in keys:
            self._crops.move_to_end(key)
            out.append(self._crops[key])
        while len(self._crops) > self._cache_size:
            self._crops.popitem(last=False)
        return out


def _crop(gray: Any, label: LabelBox) -> Any:
    """The label, dark on light, upscaled towards the recogniser's height, with a margin.

    The margin is painted in the background's shade rather than cut from the screen, so a
    neighbouring border or cursor does not read as a character.
    """
    import cv2
    import numpy as np

    box = label.box
    x0, y0, x1, y1 = int(box.x0), int(box.y0), int(box.x1), int(box.y1)
    crop = gray[y0:y1, x0:x1]
    # The background is the shade just around the label (a dense glyph's own median is ink).
    around = gray[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2]
    ring = np.concatenate([around[0], around[-1], around[:, 0], around[:, -1]])
    background = int(np.median(ring))
    if label.inverted:
        crop, background = 255 - crop, 255 - background
    factor = max(1, round(REC_HEIGHT / (crop.shape[0] + 8)))
    if factor > 1:
        crop = cv2.resize(crop, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    margin = 4 * factor + 8
    return cv2.copyMakeBorder(
        crop, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=background
    )


def _tesseract_available() -> bool:
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def _tesseract(crop: Any) -> tuple[str, float] | None:
    """Tesseract's reading of one label (a single line), with its mean word confidence."""
    import pytesseract

    try:
        data = pytesseract.image_to_data(
            crop, config="--psm 7", output_type=pytesseract.Output.DICT, timeout=5
        )
    except (RuntimeError, pytesseract.TesseractError) as exc:
        log.debug("tesseract failed on a label: %s", exc)
        return None
    words = [
        (str(text), float(conf))
        for text, conf in zip(data["text"], data["conf"], strict=False)
        if str(text).strip() and float(conf) >= 0
    ]
    if not words:
        return None
    text = " ".join(word for word, _ in words)
    return text, sum(conf for _, conf in words) / len(words) / 100
