"""A limit on how long one piece of engine work may run, checked where the work is long.

``agent serve`` reads images anyone on its port sends. A screenshot tiled edge to edge with
small words costs the offline engine minutes (every word is a label to group and a line to
recognise), and every other request waits behind it for the engine. Inside
``with work_limit(seconds):`` the long loops (label grouping, each batch the text recogniser
runs, each OCR pass, each candidate a model is asked about) call :func:`check`, which raises
:class:`~agent.errors.WorkLimitExceeded` once the time is up. The overrun is at most one
uninterruptible piece (one recogniser batch, one text detection pass: about half a second to
three seconds on a 1920x1080 capture here). Outside a limit, :func:`check` costs one lookup.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from agent.errors import WorkLimitExceeded

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("work_deadline", default=None)


@contextmanager
def work_limit(seconds: float | None) -> Iterator[None]:
    """Limit the engine work done inside the block to about ``seconds`` (None: no limit).

    A limit inside another keeps the earlier deadline when it is sooner.
    """
    if seconds is None:
        yield
        return
    if seconds <= 0:
        raise ValueError(f"a work limit must be positive, not {seconds}")
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    if outer is not None and outer[0] < deadline:
        deadline, seconds = outer
    token = _deadline.set((deadline, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float | None:
    """Seconds left under the current limit (None when there is none; never below 0)."""
    current = _deadline.get()
    return None if current is None else max(0.0, current[0] - time.monotonic())


def check(doing: str) -> None:
    """Raise WorkLimitExceeded, naming what was being done, once the current limit is spent."""
    current = _deadline.get()
    if current is not None and time.monotonic() >= current[0]:
        raise WorkLimitExceeded(
            f"the engine stopped {doing}: this image needs more than the {current[1]:g} s "
            "of work one request may take"
        )
