"""Where a screen shows a secret, read from its pixels: the masker a desktop capture uses.

A browser finds a secret in the page itself (``actions.secret_boxes``); a desktop program's
fields cannot be read from the outside, so each capture is read with OCR, and every run of
characters that :func:`agent.secrets.secret_pattern` matches (any case, a start of at least
``PREFIX_MIN`` characters, separators) is blacked out before a model, the trace or the report
sees the capture. What OCR misreads is not found: a secret drawn in a font it cannot read, or
as part of a picture, stays visible.
"""

from __future__ import annotations

import logging
import re

from agent.errors import VerificationFailed
from agent.secrets import SEPARATORS, Secrets, secret_pattern
from perception.elements import Box
from perception.ocr import RapidOcrReader, TextLine
from perception.screen import Screenshot

log = logging.getLogger(__name__)

_NOT_SECRET = re.compile(SEPARATORS)


class SecretMasker:
    """Gives, for each capture, the box of every secret (or start of one) its text shows, and
    keeps what it found in the latest one for the ``type`` step's check.

    Each capture costs one OCR read (about half a second on a 1280x800 window here); a screen
    that has not changed is read once (the reader caches by the capture's hash).
    """

    def __init__(self, secrets: Secrets, reader: RapidOcrReader | None = None) -> None:
        values = [value for value in secrets.values.values() if value]
        self._patterns = [secret_pattern(value) for value in values]
        self._ocr = reader or RapidOcrReader()
        self.found: list[tuple[Box, int]] = []
        """The latest capture's matches: each box, and how many characters it holds."""

    def __call__(self, shot: Screenshot) -> list[list[float]]:
        """The boxes to black out in ``shot`` (image pixels)."""
        self.found = [match for line in self._ocr.read(shot) for match in self._spans(line)]
        if self.found:
            log.debug("blacked out %d secret spans in %s", len(self.found), shot.source or "")
        return [[box.x0, box.y0, box.x1, box.y1] for box, _ in self.found]

    def check_field(self, area: Box, secret: str) -> str | None:
        """After typing ``secret`` into a field in ``area``: a note when the latest capture
        showed it there whole; None when it showed none of it there (a password field's
        marks, to be counted instead). Nothing of the secret is quoted.

        Raises:
            VerificationFailed: The field shows only a start of it (it kept a prefix).
        """
        inside = [n for box, n in self.found if box.intersection_area(area) > 0.5 * box.area]
        if not inside:
            return None
        shown, length = max(inside), len(_NOT_SECRET.sub("", secret))
        if shown >= length:
            return f"the field shows the secret's {length} characters (read, then blacked out)"
        raise VerificationFailed(
            f"the field shows only the first {shown} of the secret's {length} characters"
        )

    def _spans(self, line: TextLine) -> list[tuple[Box, int]]:
        """The matches in one line, with their boxes (its character boxes skip spaces)."""
        out = []
        for pattern in self._patterns:
            for match in pattern.finditer(line.text):
                start = len(line.text[: match.start()].replace(" ", ""))
                length = len(_NOT_SECRET.sub("", match.group()))
                end = start + len(match.group().replace(" ", ""))
                out.append((line.span_box(start, end), length))
        return out
