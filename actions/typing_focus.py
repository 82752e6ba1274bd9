"""Putting the focus in the field a step types into: a click on it, a value set directly for
date and colour fields (which take no keys), and code editors whose text covers the field that
takes the keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from actions import frames
from actions import page_scripts as scripts
from actions.schema import TypeText
from agent.errors import OccludedTarget, UserError

if TYPE_CHECKING:
    from actions.playwright import PlaywrightExecutor


def focus_field(executor: PlaywrightExecutor, action: TypeText) -> TypeText:
    """Click into the field the action types into; the action left to type (none, when
    a date or colour field took its value directly)."""
    assert action.point is not None
    css = executor.to_css(action.point)
    try:
        executor.hit_test(action.point, action.handle)
    except OccludedTarget:
        # A code editor draws its text over the hidden field that takes the keys: a
        # click there that focuses the field is a click on it.
        if not _click_focuses(executor, css, action.handle):
            raise
        return action
    refused = frames.evaluate_at(
        executor.page, action.handle, scripts.FILL_SPECIAL_JS, css, action.text
    )
    if refused:
        raise UserError(refused)
    if refused is None:
        executor.page.mouse.click(*css)
        return action
    return action.model_copy(update={"text": "", "clear": False})


def _click_focuses(
    executor: PlaywrightExecutor, css: tuple[float, float], handle: str | None
) -> bool:
    """Click at the point; whether the element with this handle then has the focus."""
    if not handle:
        return False
    executor.page.mouse.click(*css)
    try:
        return bool(executor.page.locator(handle).evaluate(scripts.HAS_FOCUS_JS, timeout=2000))
    except Exception:  # noqa: BLE001 - a stale handle: the page changed
        return False
