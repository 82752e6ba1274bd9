"""The auto engine: the offline engine first, a vision-language model when it is unsure.

Instant steps cost milliseconds when the DOM (or OCR) answers well; the model (seconds on a GPU,
a minute on a CPU) is asked only when the offline match is weak or absent. Goal steps always go
to the model.
"""

from __future__ import annotations

from typing import Any

from perception.elements import Element
from perception.engine import Engine, KeepsRawOutput, Located, Plan
from perception.matching import Intent
from perception.offline import OfflineEngine
from perception.screen import Screenshot

DEFAULT_THRESHOLD = 0.75
"""An offline match below this confidence is handed to the model."""


class AutoEngine:
    """Offline first, then the configured model.

    Args:
        offline: The offline engine.
        vlm: The model engine, or None (then this is the offline engine and goals fail clearly).
        threshold: Offline matches below this confidence go to the model.
    """

    name = "auto"

    def __init__(
        self,
        offline: OfflineEngine,
        vlm: Engine | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.offline = offline
        self.vlm = vlm
        self.threshold = threshold
        self.last_raw: str | None = None

    def _from_vlm(self) -> None:
        self.last_raw = self.vlm.last_raw if isinstance(self.vlm, KeepsRawOutput) else None

    def locate(
        self,
        screenshot: Screenshot,
        description: str,
        *,
        intent: Intent = Intent.CLICK,
        page: Any = None,
    ) -> Located:
        """The offline answer when it is sure enough, else the model's."""
        self.last_raw = None
        found = self.offline.locate(screenshot, description, intent=intent, page=page)
        best = found.element.confidence if found.element else 0.0
        if self.vlm is None or best >= self.threshold:
            return found
        answer = self.vlm.locate(screenshot, description, intent=intent, page=page)
        self._from_vlm()
        why = (
            f"offline tie between {found.tied} candidates"
            if found.tie
            else f"offline best {best:.2f} < {self.threshold:g}"
        )
        answer.notes.insert(0, f"{why}: asked {self.vlm.name}")
        return answer

    def find_text(self, screenshot: Screenshot, text: str, *, page: Any = None) -> Element | None:
        """Offline first; the model when the offline engine does not see the text."""
        self.last_raw = None
        found = self.offline.find_text(screenshot, text, page=page)
        if found is not None or self.vlm is None:
            return found
        answer = self.vlm.find_text(screenshot, text, page=page)
        self._from_vlm()
        return answer

    def extract(self, screenshot: Screenshot, what: str, *, page: Any = None) -> Element | None:
        """Offline first; the model when the offline match is weak."""
        self.last_raw = None
        found = self.offline.extract(screenshot, what, page=page)
        if self.vlm is None or (found is not None and found.confidence >= self.threshold):
            return found
        answer = self.vlm.extract(screenshot, what, page=page)
        self._from_vlm()
        return answer

    def elements(self, screenshot: Screenshot, *, page: Any = None) -> list[Element]:
        """The DOM's elements in a browser; the model's on pixels alone, when there is one."""
        if page is None and self.vlm is not None:
            return self.vlm.elements(screenshot, page=page)
        return self.offline.elements(screenshot, page=page)

    def plan(self, screenshot: Screenshot, goal: str, *, history: list[str]) -> Plan:
        """Goals go to the model (the offline engine explains which options enable one)."""
        self.last_raw = None
        if self.vlm is None:
            return self.offline.plan(screenshot, goal, history=history)
        plan = self.vlm.plan(screenshot, goal, history=history)
        self._from_vlm()
        return plan
