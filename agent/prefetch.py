"""Several targets in one model call: a form's consecutive steps grounded together.

When a task runs with a model engine (one that has ``locate_many``) and a step is followed by
more steps that act on described targets, the first of them asks the model for all their boxes
in one generation. Each later step takes its box only while it is on the same page or window
and the pixels in the box still look as they did (a thumbnail: :mod:`perception.fingerprints`);
otherwise it asks on its own. Text appearing elsewhere (a message, a log) does not spoil the
boxes; a target that moved or changed does.
"""

from __future__ import annotations

from typing import Any

from agent.cache import where
from perception.elements import Element
from perception.fingerprints import looks_the_same, thumbnail
from perception.screen import Screenshot


class Prefetch:
    """Boxes read in one call, handed out while the screen they were read from holds."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[Element, str]] = {}
        self.where = ""
        self.size = 0

    def fill(self, found: dict[str, Element], shot: Screenshot, page: Any) -> None:
        """Keep what one call found on this screen, with how each box looked."""
        self.found = {d: (e, thumbnail(shot, e.box)) for d, e in found.items()}
        self.where = where(shot, page)
        self.size = len(found)

    def take(self, description: str, shot: Screenshot, page: Any) -> Element | None:
        """The target's box if it is on the same page and still looks the same, else None."""
        kept = self.found.pop(description, None)
        if kept is None:
            return None
        element, look = kept
        if where(shot, page) != self.where:
            self.found.clear()  # another page or window: the rest is stale too
            return None
        if not looks_the_same(shot, element.box, look):
            return None  # the target moved or changed
        return element
