"""Reading the screen without acting: visible text, an element's presence, a value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from actions.retry import polling
from agent.errors import ElementNotFound, VerificationFailed
from agent.step.context import StepRun
from agent.values import Kind, convert
from perception.elements import Element
from perception.matching import Intent, parse_description
from perception.screen import Screenshot

PRESENCE_CONFIDENCE = 0.85
"""`wait_for`, and `expect` given a description, need a match this sure: a fuzzy near-miss
must not pass for the real thing."""
POLL_S = 0.2
"""How often a waiting step reads the screen again."""


def find_text(step: StepRun, text: str) -> Element | None:
    """The visible text, or else (for `the Sign out button`) the element it describes."""
    shot = step.capture()
    with step.engine_call("verify"):
        found = step.engine.find_text(shot, text, page=step.page)
    if found is None and parse_description(text).roles:
        return present(step, text, shot)
    return found


def present(step: StepRun, description: str, shot: Screenshot | None = None) -> Element | None:
    """The described element if the engine is sure enough it is there, else None."""
    shot = shot or step.capture()
    with step.engine_call("locate"):
        found = step.engine.locate(shot, description, intent=Intent.TEXT, page=step.page)
    element = found.element
    if element is None and found.tie:
        element = found.candidates[0]  # several are there: any one shows it is
    if element is None or element.confidence < PRESENCE_CONFIDENCE:
        return None
    step.note(found)
    return element


def poll_for(
    step: StepRun, probe: Callable[[], Element | None], what: str, *, expect: bool = False
) -> Element:
    """Read until ``probe`` finds something or the step's time is up (VerificationFailed)."""
    timeout = step.remaining()

    def attempt() -> Element | None:
        try:
            return probe()
        except ElementNotFound:
            return None

    found = polling(timeout_s=timeout, interval_s=POLL_S, accept=lambda e: e is not None)(attempt)
    if found is None:
        kind = "expected text" if expect else "element"
        raise VerificationFailed(f"{kind} {what!r} not visible after {round(timeout, 1):g} s")
    step.note_element(found)
    return found


def extract(step: StepRun, what: str, kind: Kind) -> Any:
    """What the described element holds (a field's or a checkbox's value) or shows, as
    ``kind``; ElementNotFound when nothing matches or the text is not of that kind."""
    shot = step.capture()
    with step.engine_call("locate"):
        element = step.engine.extract(shot, what, page=step.page)
    if element is None:
        raise ElementNotFound(f"nothing matches {what!r}")
    step.note_element(element)
    text = element.value if element.value is not None else element.text
    try:
        return convert(text, kind)
    except ValueError as exc:
        raise ElementNotFound(f"{what!r}: {exc}") from None
