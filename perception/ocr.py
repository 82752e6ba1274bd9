"""Text on the screen from pixels (OCR), with per-character boxes so substrings can be located.

The default reader is rapidocr (PP-OCR models bundled in the wheel, ONNX runtime on CPU), an
optional extra: ``pip install 'gui-agent[ocr]'``. Results are cached by the capture's hash, so a
screen that has not changed is read once.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from agent.errors import MissingDependency
from perception import budget
from perception.elements import Box
from perception.screen import Screenshot

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextLine:
    """One line of text read from the screen.

    Attributes:
        text: The text as read.
        box: The line's box in screenshot pixels.
        score: The reader's confidence, 0..1.
        chars: One box per character of ``text`` with spaces removed, for locating substrings.
    """

    text: str
    box: Box
    score: float
    chars: tuple[Box, ...]

    def span_box(self, start: int, end: int) -> Box:
        """The box of characters ``start:end`` of the space-free text."""
        if not self.chars:
            return self.box
        start = max(0, min(start, len(self.chars) - 1))
        end = max(start + 1, min(end, len(self.chars)))
        box = self.chars[start]
        for char in self.chars[start + 1 : end]:
            box = box.union(char)
        return Box(x0=box.x0, y0=self.box.y0, x1=box.x1, y1=self.box.y1)


WORD_GAP = 1.0
"""Lines side by side on a row closer than this many line heights may be words of one phrase."""


def phrases(lines: list[TextLine]) -> list[TextLine]:
    """Each run of two or more lines side by side on one row, joined into one line: the words
    of a label that the reader kept apart ("Async", "Python"), so that a phrase is found whole,
    and found as part of a longer text where it is one ("Sign in" in "Sign in to the shop")."""
    ordered = sorted(lines, key=lambda line: line.box.x0)
    after: dict[int, TextLine] = {}
    joined: set[int] = set()
    for i, left in enumerate(ordered):
        height = left.box.height
        for right in ordered[i + 1 :]:
            gap = right.box.x0 - left.box.x1
            if gap > WORD_GAP * height:
                break  # sorted by x0: the rest start further right (or are on other rows)
            overlap = min(left.box.y1, right.box.y1) - max(left.box.y0, right.box.y0)
            if (
                gap >= -1
                and overlap >= 0.6 * min(height, right.box.height)
                and id(right) not in joined
            ):
                after[id(left)] = right
                joined.add(id(right))
                break
    out: list[TextLine] = []
    for line in ordered:
        if id(line) in joined or id(line) not in after:
            continue  # not the first of a run
        run = [line]
        while id(run[-1]) in after:
            run.append(after[id(run[-1])])
        box = run[0].box
        for part in run[1:]:
            box = box.union(part.box)
        out.append(
            TextLine(
                text=" ".join(part.text for part in run),
                box=box,
                score=min(part.score for part in run),
                chars=tuple(c for part in run for c in part.chars),
            )
        )
    return out


_libc: Any = None


def _give_back_memory() -> None:
    """Hand the memory a read freed back to the system (glibc keeps it otherwise).

    A read of a 1280x900 screen allocates about 180 MiB of intermediate results; freed, they
    stay in the process's heap, which then holds ~330 MiB between reads instead of ~180 MiB.
    ``malloc_trim`` costs 8-16 ms against a read's 500 ms. Elsewhere than glibc: nothing.
    """
    global _libc
    if _libc is None:
        import ctypes
        import sys

        _libc = False
        if sys.platform.startswith("linux"):
            try:
                _libc = ctypes.CDLL("libc.so.6")
                _libc.malloc_trim  # noqa: B018 - musl has no malloc_trim: check it is there
            except (OSError, AttributeError):
                _libc = False
    if _libc:
        _libc.malloc_trim(0)


def _quad_box(quad: Any) -> Box:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return Box(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


def _spread(text: str, box: Box) -> list[Box]:
    """Spread the characters of ``text`` evenly across ``box`` (a fair guess for one word)."""
    chars = text.replace(" ", "")
    if not chars:
        return []
    step = box.width / len(chars)
    return [
        Box(x0=box.x0 + i * step, y0=box.y0, x1=box.x0 + (i + 1) * step, y1=box.y1)
        for i in range(len(chars))
    ]


class _Checked:
    """An ONNX session of rapidocr's that checks the work limit before each pass it runs: the
    recogniser runs one pass per six lines, so a screen of thousands of lines stops within one
    pass of its limit (see :mod:`perception.budget`)."""

    def __init__(self, session: Any, doing: str) -> None:
        self._session = session
        self._doing = doing

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        budget.check(self._doing)
        return self._session(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_session":  # copy and pickle probe a bare instance
            raise AttributeError(name)
        return getattr(self._session, name)


def _check_each_pass(engine: Any) -> None:
    """Load rapidocr's detector and recogniser now and put a work-limit check before each of
    their passes. Should its internals change shape, the checks between reads still hold."""
    for load, doing in (
        ("_load_det_model", "finding text on the screen"),
        ("_load_rec_model", "reading the screen's text"),
    ):
        try:
            model = getattr(engine, load)()
            model.session = _Checked(model.session, doing)
        except (AttributeError, TypeError):  # another rapidocr layout: lazily loaded, unchecked
            log.debug("rapidocr has no %s: its passes are not checked one by one", load)


class RapidOcrReader:
    """Reads text lines with rapidocr; one shared model per process, results cached per image."""

    name = "rapidocr"
    _lock = threading.Lock()
    _engine: Any = None
    _results: OrderedDict[str, list[TextLine]] = OrderedDict()
    _results_size = 0
    _results_lock = threading.Lock()

    def __init__(self, *, cache_size: int = 16) -> None:
        # One cache for the process: the desktop's secret masker and the engine read the same
        # capture once between them. It holds the most any reader asked for.
        self._cache = RapidOcrReader._results
        RapidOcrReader._results_size = max(RapidOcrReader._results_size, cache_size)

    @classmethod
    def _load(cls) -> Any:
        with cls._lock:
            if cls._engine is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as exc:
                    raise MissingDependency(
                        "OCR needs the 'ocr' extra: pip install 'gui-agent[ocr]' "
                        f"(import failed: {exc})"
                    ) from exc
                # Its own logger prints every model path at INFO on stderr: keep it quiet.
                # No angle classifier: screens show upright text, and it costs ~10% per read.
                engine = RapidOCR(params={"Global.log_level": "warning", "Global.use_cls": False})
                _check_each_pass(engine)
                cls._engine = engine
            return cls._engine

    def read(self, screenshot: Screenshot) -> list[TextLine]:
        """All text lines on the capture, top to bottom."""
        key = screenshot.digest
        with self._results_lock:  # shared by every reader, on any thread
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        import numpy as np

        engine = self._load()
        budget.check("before reading the screen's text")
        result = engine(np.asarray(screenshot.image), return_word_box=True)
        lines = self._lines(result)
        _give_back_memory()
        with self._results_lock:
            self._cache[key] = lines
            while len(self._cache) > RapidOcrReader._results_size:
                self._cache.popitem(last=False)
        log.debug("OCR read %d lines from %s", len(lines), screenshot.source or "a capture")
        return lines

    @staticmethod
    def _lines(result: Any) -> list[TextLine]:
        if result is None or result.boxes is None or result.txts is None:
            return []
        words_per_line = result.word_results or [()] * len(result.txts)
        lines: list[TextLine] = []
        for quad, text, score, words in zip(
            result.boxes, result.txts, result.scores, words_per_line, strict=False
        ):
            box = _quad_box(quad)
            chars: list[Box] = []
            for word in words or ():
                chars.extend(_spread(str(word[0]), _quad_box(word[2])))
            if len(chars) != len(str(text).replace(" ", "")):
                chars = _spread(str(text), box)
            lines.append(TextLine(text=str(text), box=box, score=float(score), chars=tuple(chars)))
        lines.sort(key=lambda line: (round(line.box.y0 / 8), line.box.x0))
        return lines
