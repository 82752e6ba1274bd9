"""One helper object per page or browser context, however many executors wrap it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def one_per(owner: Any, attribute: str, make: Callable[[], T]) -> T:
    """What ``owner`` keeps under ``attribute``, made (its listeners registered) the first
    time: a page wrapped twice (a fixture's page, then an Agent's) has one, so no stale copy
    answers its events for the other."""
    kept = getattr(owner, attribute, None)
    if kept is None:
        kept = make()
        try:
            setattr(owner, attribute, kept)
        except AttributeError:  # an object that takes no attributes: one per caller
            pass
    return kept
