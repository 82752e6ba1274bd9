"""Controls from pixels alone: the field beside a label, the box beside a checkbox's words.

Where there is no DOM (a desktop, an image), what acts is not a label's words but the light
box beside them (a text field, a select box) or the small square or ring before them (a
checkbox, a radio button). Gray levels and the screen's fields are kept for the latest screen.
"""

from __future__ import annotations

from typing import Any

from perception.choose import ACCEPT
from perception.elements import Box, Element
from perception.fields import (
    field_for_label,
    find_buttons,
    find_fields,
    has_end_arrow,
    has_end_mark,
)
from perception.lines import beside_labels
from perception.matching import Intent, Query, score
from perception.screen import Screenshot
from perception.toggles import toggle_for_label


class PixelControls:
    """Finds the control a label names, from pixels (one per engine, caches per screen)."""

    def __init__(self) -> None:
        self._field_cache: dict[str, list[Box]] = {}  # the latest screen's text fields
        self._gray_cache: dict[str, Any] = {}

    def controls(
        self,
        scored: list[Element],
        query: Query,
        intent: Intent,
        screenshot: Screenshot,
        notes: list[str],
        *,
        wants_field: bool,
        wants_button: bool = False,
    ) -> list[Element]:
        """The candidates with the fields (``wants_field``), the plain buttons (``wants_button``:
        "the button", which has no words to find) or else the check boxes their labels name
        added, best first."""
        role = "combobox" if intent is Intent.SELECT else "textbox"
        labels: set[int] = set()

        def rescore(text: str, role: str) -> float:
            return score(query, text=text, role=role, intent=intent)

        if wants_button:
            onto = [
                Element(box=b, text="", role="button", confidence=0.7, engine="offline/ocr")
                for b in find_buttons(self.gray(screenshot))
            ]
            note = "buttons from pixels"
            # Words are no button: "Click the button." in an instruction is a sentence.
            scored = [e for e in scored if e.role != "text"] if onto else scored
        elif wants_field and not query.text:  # "the field": every field there is
            gray = self.gray(screenshot)

            def chance(box: Box) -> float:
                # "The dropdown": a box ending in an arrow first, then one ending in another
                # mark of its own (a date field's calendar), then any box.
                if intent is not Intent.SELECT:
                    return 0.7
                if has_end_arrow(gray, box):
                    return 0.74
                return 0.72 if has_end_mark(gray, box) else 0.68

            onto = [
                Element(box=f, text="", role=role, confidence=chance(f), engine="offline/ocr")
                for f in self.fields(screenshot)
            ]
            note = "fields from pixels"
        elif wants_field:
            fields = self.fields(screenshot)

            def field(label: Box) -> tuple[Box, str] | None:
                found = field_for_label(label, fields) if fields else None
                return None if found is None else (found, role)

            onto, labels = beside_labels(scored, field, accept=ACCEPT, rescore=rescore)
            note = "field beside its label"
        else:
            gray = self.gray(screenshot)
            onto, labels = beside_labels(
                scored, lambda label: toggle_for_label(gray, label), accept=ACCEPT,
                rescore=rescore,
            )  # fmt: skip
            note = "box beside its label"
        if onto:
            notes.append(note)
            # A label with its field (or box) found is a worse place to act: behind it.
            rest = [
                e.model_copy(update={"confidence": e.confidence * 0.9}) if id(e) in labels else e
                for e in scored
            ]
            scored = sorted(onto + rest, key=lambda e: -e.confidence)
        return scored

    def gray(self, screenshot: Screenshot) -> Any:
        """The capture in gray levels (a numpy array), kept for the latest screen."""
        key = screenshot.digest
        if key not in self._gray_cache:
            import numpy as np

            self._gray_cache = {key: np.asarray(screenshot.image.convert("L"))}
        return self._gray_cache[key]

    def fields(self, screenshot: Screenshot) -> list[Box]:
        """The text fields (light outlined boxes) of a capture, kept for the latest screen."""
        key = screenshot.digest
        if key not in self._field_cache:
            self._field_cache = {key: find_fields(self.gray(screenshot))}
        return self._field_cache[key]
