"""One way to stop, whatever stops a run: Ctrl-C, ``kill`` (SIGTERM, as CI timeouts and
``docker stop`` send) or a closed terminal (SIGHUP) all raise :class:`Stopped`, a
``KeyboardInterrupt``, so the same path closes the browser and writes the trace and the
report (status ``interrupted``)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

CAUGHT = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


class Stopped(KeyboardInterrupt):
    """The process was asked to stop by a signal; ``signal`` is its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"stopped by {signal.Signals(signum).name}")
        self.signal = signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Stopped` in the main thread (the
    handlers before are put back after). Elsewhere than the main thread, nothing changes."""
    try:
        before = {s: signal.signal(s, _raise) for s in CAUGHT}
    except ValueError:  # not the main thread: signals are not ours to take
        yield
        return
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
