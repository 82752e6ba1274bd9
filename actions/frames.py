"""Elements inside frames: the page's scripts run in the element's own document, at points in
that document's coordinates.

The accessibility snapshot names an element in a frame ``f1e4`` and (after
:mod:`perception.aria`) gives its box in page coordinates, where the mouse clicks. A script
that asks "what is at this point" must run in the frame, with the point moved by the frame's
place in the page: Playwright knows the element's page box, the frame its own, and the
difference is the frame's offset, same-origin or not.
"""

from __future__ import annotations

import re
from typing import Any

_FRAME_REF = re.compile(r"^aria-ref=f\d+e\d+$")
_RECT_JS = "(el) => { const r = el.getBoundingClientRect(); return [r.left, r.top]; }"


def in_frame(handle: str | None) -> bool:
    """Whether the handle names an element inside a frame."""
    return bool(handle and _FRAME_REF.match(handle))


def offset(page: Any, handle: str | None) -> tuple[float, float]:
    """Where the element's document sits in the page, in CSS pixels ((0, 0) for the page)."""
    if not in_frame(handle):
        return 0.0, 0.0
    locator = page.locator(handle)
    box = locator.bounding_box(timeout=2000)
    left, top = locator.evaluate(_RECT_JS, timeout=2000)
    if box is None:
        return 0.0, 0.0
    return box["x"] - left, box["y"] - top


def evaluate_at(
    page: Any, handle: str | None, script: str, css: tuple[float, float], *rest: Any
) -> Any:
    """Run a page script taking ``[x, y, ...]`` in the document of the element ``handle``
    names (the page's own when it is in no frame), the point moved into that document."""
    if not in_frame(handle):
        return page.evaluate(script, [*css, *rest])
    ox, oy = offset(page, handle)
    wrapped = f"(el, args) => ({script})(args)"
    return page.locator(handle).evaluate(wrapped, [css[0] - ox, css[1] - oy, *rest], timeout=2000)
