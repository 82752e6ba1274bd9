"""Points on an element that a click can use: where it is on top, or where it is once
scrolled out from under a fixed bar (in screenshot pixels, frames' offsets added)."""

from __future__ import annotations

from typing import Any

from actions import frames
from actions import page_scripts as scripts
from actions.schema import Point
from agent.errors import OccludedTarget


def visible_point(page: Any, handle: str, scale: float) -> Point | None:
    """Where the element itself is on top, or None when it is covered everywhere."""
    try:
        found = page.locator(handle).evaluate(scripts.VISIBLE_POINT_JS, timeout=2000)
    except Exception:  # noqa: BLE001 - a stale handle: the page changed
        return None
    if not found:
        return None
    ox, oy = frames.offset(page, handle)
    return Point(x=(found[0] + ox) * scale, y=(found[1] + oy) * scale)


def unstick(page: Any, handle: str, scale: float) -> tuple[Point | None, str]:
    """Scroll the element out from under a fixed bar: its new point, and what covered it.

    Raises:
        OccludedTarget: A modal dialog covers it (scrolling cannot help).
    """
    try:
        found = page.locator(handle).evaluate(scripts.UNSTICK_JS, timeout=2000)
    except Exception:  # noqa: BLE001 - a stale handle: the page changed
        return None, ""
    if found["modal"]:
        raise OccludedTarget(f"the target is behind a modal dialog: {found['modal']}")
    if not found["point"]:
        return None, found["bar"] or ""
    ox, oy = frames.offset(page, handle)
    x, y = found["point"]
    return Point(x=(x + ox) * scale, y=(y + oy) * scale), found["bar"]
