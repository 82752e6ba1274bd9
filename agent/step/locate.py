"""Locating a step's element: the cache, then one shared call, then the engine, then scrolling
it into view."""

from __future__ import annotations

from actions.base import Reveals
from actions.retry import waiting_for
from agent.errors import ActionError, AmbiguousTarget, ElementNotFound, ModelError
from agent.step.context import StepRun
from perception.elements import Element
from perception.engine import LocatesMany
from perception.matching import Intent
from perception.screen import Screenshot

REVEAL_TRIES = 3
"""Captures (and scrolls) before a target that stays off screen is an error."""
ACT_RESERVE_S = 1.5
"""The part of a step's time that waiting for its target leaves to the action and its check."""


def locate(step: StepRun, description: str, intent: Intent) -> Element:
    """Capture and find an element, scrolling it into view when it lies off screen.

    A target that is not there yet is looked for again, backing off, until the step's timeout
    leaves only the time its action and check need (as Playwright's actions wait). On a
    step's first try, a validated cache entry or a box from one shared model call answers
    without asking the engine again.
    """
    waiting = waiting_for(timeout_s=step.remaining() - ACT_RESERVE_S, retry_on=ElementNotFound)
    for attempt in waiting:
        with attempt:
            return _locate_now(step, description, intent)
    raise AssertionError("unreachable")  # pragma: no cover - tenacity returns or raises


def _locate_now(step: StepRun, description: str, intent: Intent) -> Element:
    """One look (and, for a target off screen, a few scrolls); ElementNotFound if absent."""
    executor = step.executor
    for _ in range(REVEAL_TRIES):
        shot = step.capture()
        cached = _from_cache(step, description, shot)
        if cached is not None:
            return cached
        prefetched = _prefetched(step, description, shot)
        if prefetched is not None:
            remember(step, description, shot, prefetched)
            return prefetched
        with step.engine_call("locate"):
            found = step.engine.locate(shot, description, intent=intent, page=step.page)
        step.note(found)
        element = found.element
        if element is None and found.tie:
            raise AmbiguousTarget(found.ambiguity(description))
        if element is None:
            near = ", ".join(
                f"{c.text[:40]!r} ({c.role}, {c.confidence:.2f})" for c in found.candidates[:3]
            )
            raise ElementNotFound(
                f"nothing matches {description!r}" + (f"; closest: {near}" if near else "")
            )
        if (
            element.box.inside(*shot.size)
            or not element.handle
            or not isinstance(executor, Reveals)
        ):
            remember(step, description, shot, element)
            return element
        with step.timed("act"):
            executor.reveal(element.handle)
    raise ActionError(f"{description!r} stays off screen after scrolling it into view")


def _cache_key(step: StepRun, description: str) -> str:
    return f"{step.verb} {description}"


def _from_cache(step: StepRun, description: str, shot: Screenshot) -> Element | None:
    cache = step.ctx.cache
    if cache is None or not cache.reads or step.record.attempts > 1:
        return None  # a retry locates live: the cached element may be why the try failed
    with step.timed("locate"):
        element, status = cache.lookup(_cache_key(step, description), shot, step.page)
    if step.record.cache != "miss":
        step.record.cache = status
    if element is not None:
        step.note_element(element, only=True)
    return element


def remember(step: StepRun, description: str, shot: Screenshot, element: Element) -> None:
    """Keep how to find the element again, read from the screen it was found on (so before
    acting); stored by :func:`commit` once the step has passed."""
    cache = step.ctx.cache
    if cache is None:
        return
    entry = cache.entry_for(_cache_key(step, description), shot, step.page, element)
    if entry is not None:
        step.found.append(entry)


def commit(step: StepRun) -> None:
    """Store what this step found live (called once the step has passed)."""
    if step.ctx.cache is not None:
        for entry in step.found:
            step.ctx.cache.store(entry)
    step.found.clear()


def _prefetched(step: StepRun, description: str, shot: Screenshot) -> Element | None:
    """The target's box from one call for this and the next steps' targets, if any."""
    prefetch, page, engine = step.ctx.prefetch, step.page, step.engine
    if prefetch is None or step.record.attempts > 1:
        return None
    element = prefetch.take(description, shot, page)
    upcoming = step.ctx.upcoming
    first = len(upcoming) > 1 and upcoming[0] == description
    if element is None and isinstance(engine, LocatesMany) and first:
        try:
            with step.engine_call("locate"):
                found = engine.locate_many(shot, upcoming)
        except ModelError as exc:
            step.record.notes.append(f"one call for {len(upcoming)} targets failed: {exc}")
            return None
        prefetch.fill({d: r.element for d, r in found.items() if r.element}, shot, page)
        element = prefetch.take(description, shot, page)
    if element is not None:
        step.record.notes.append(f"grounded in one call with {prefetch.size - 1} more targets")
        step.note_element(element, only=True)
    return element
