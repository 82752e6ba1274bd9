"""Several targets in one model call: a form's consecutive steps grounded together.

When a task runs with a model engine (one that has ``locate_many``) and a step is followed by
more steps that act on described targets, the first of them asks the model for all their boxes
in one generation. Each later step takes its box only while it is on the same page or window
and the pixels in the box still look as they did (a thumbnail, as in :mod:`agent.cache`);
otherwise it asks on its own. Text appearing elsewhere (a message, a log) does not spoil the
boxes; a target that moved or changed does.
"""

from __future__ import annotations

from typing import Any

from agent.cache import looks_the_same, thumbnail, where
from agent.task import step_args
from perception.elements import Element
from perception.screen import Screenshot

MAX_TARGETS = 6
"""At most this many targets per call (a longer answer costs more than it saves)."""


def upcoming_targets(steps: list[Any], start: int) -> list[str]:
    """The described targets of the steps from ``start`` on, while they act on targets."""
    targets: list[str] = []
    for step in steps[start:]:
        verb, args = step_args(step)
        match verb:
            case "click" | "double_click" | "right_click" | "hover":
                targets.append(args.target)  # type: ignore[attr-defined]
            case "type" if args.into:  # type: ignore[attr-defined]
                targets.append(args.into)  # type: ignore[attr-defined]
            case "select":
                targets.append(args.in_)  # type: ignore[attr-defined]
            case "drag":
                targets += [args.from_, args.to]  # type: ignore[attr-defined]
            case _:
                break
        if len(targets) >= MAX_TARGETS:
            break
    return list(dict.fromkeys(targets))[:MAX_TARGETS]


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
