"""The step object: what one step has while it runs (its record, clock and latest capture).

Every stage (locate, act, reads, goals) takes a :class:`StepRun` and works through it, so the
timing of each phase and what the trace keeps are done one way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from actions.base import Executor, WatchesEffects
from agent.cache import CacheEntry, LocateCache
from agent.prefetch import Prefetch
from agent.secrets import Secrets
from agent.trace import StepRecord
from perception.elements import Element
from perception.engine import CountsModelTime, Engine, KeepsRawOutput, Located, WrapsModel
from perception.screen import Screenshot

Phase = Literal["capture", "locate", "act", "verify"]

MODEL_TIMEOUT_S = 600.0
"""Seconds of model answers a step may spend on top of its timeout. A step's timeout is for
the page or program (appearing, settling, reacting); a model's answer takes 1-5 s on a GPU and
20-100 s on a CPU, and counting it would leave no time for a retry after a wrong answer."""

SETTLE_MAX_S = 1.5
"""How long a capture waits for a changing screen to settle before it reads it anyway."""


@dataclass
class StepContext:
    """What a step needs besides its arguments."""

    executor: Executor
    engine: Engine
    record: StepRecord
    timeout_s: float
    retries: int
    base_url: str = ""
    secrets: Secrets = field(default_factory=Secrets)
    cache: LocateCache | None = None
    confirm: Callable[[str], bool] | None = None
    """Asks a person whether a ``confirm: true`` step may act; None: nobody can be asked."""
    prefetch: Prefetch | None = None
    upcoming: list[str] = field(default_factory=list)
    """The targets of this step and the next ones, for one model call (agent.prefetch)."""
    model_timeout_s: float = MODEL_TIMEOUT_S
    """Model time the step may spend besides ``timeout_s`` (see MODEL_TIMEOUT_S)."""


class StepRun:
    """One step while it runs: its record, its clock, its latest capture.

    Args:
        ctx: The executor, engine, record, timeout and the rest of what the step uses.
    """

    def __init__(self, ctx: StepContext) -> None:
        self.ctx = ctx
        self.record = ctx.record
        self.started = time.monotonic()
        self._model_at_start = model_seconds(ctx.engine)
        self.last_screenshot: Screenshot | None = None
        """The step's latest capture (saved into the run folder)."""
        self.found: list[CacheEntry] = []
        """Elements found live on this try, stored in the cache once the step has passed."""

    @property
    def verb(self) -> str:
        """The step's verb (handlers shared by several verbs tell them apart by it)."""
        return self.record.verb

    @property
    def executor(self) -> Executor:
        """The browser or desktop the step acts on."""
        return self.ctx.executor

    @property
    def engine(self) -> Engine:
        """What finds the step's elements."""
        return self.ctx.engine

    @property
    def page(self) -> Any:
        """The live page for engines that read the DOM (None on a desktop)."""
        return self.ctx.executor.page

    @contextmanager
    def timed(self, phase: Phase) -> Iterator[None]:
        """Add the block's time to the record's ``phase``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            timings = self.record.timings
            setattr(timings, phase, getattr(timings, phase) + (time.perf_counter() - start) * 1000)

    @contextmanager
    def engine_call(self, phase: Literal["locate", "verify"]) -> Iterator[None]:
        """Time an engine call and keep its raw answer in the trace, even when it fails."""
        try:
            with self.timed(phase):
                yield
        finally:
            self.keep_raw()

    def keep_raw(self) -> None:
        """Keep the engine's latest raw answer (model engines have one) in the trace."""
        engine = self.ctx.engine
        if isinstance(engine, KeepsRawOutput) and engine.last_raw is not None:
            self.record.model_output = engine.last_raw

    def model_spent(self) -> float:
        """Seconds this step has spent waiting for a model's answers."""
        return model_seconds(self.ctx.engine) - self._model_at_start

    def remaining(self) -> float:
        """Seconds left before the step's timeout. Time in the model is not counted, up to
        ``model_timeout_s``: on a CPU one answer takes longer than a whole step's timeout."""
        excused = min(self.model_spent(), self.ctx.model_timeout_s)
        return max(0.0, self.ctx.timeout_s - (time.monotonic() - self.started - excused))

    def capture(self) -> Screenshot:
        """Take a screenshot, once the screen has settled, and remember it as the step's
        latest."""
        executor = self.ctx.executor
        with self.timed("capture"):
            said = None
            if isinstance(executor, WatchesEffects):
                said = executor.effects.settle(min(SETTLE_MAX_S, self.remaining()))
            if said and said not in self.record.notes:
                self.record.notes.append(said)
            shot = executor.capture()
        self.last_screenshot = shot
        return shot

    def note(self, found: Located) -> None:
        """Record an engine's answer: the element, the candidates, a tie, its notes."""
        record = self.record
        if found.element is not None:
            record.element = found.element.summary()
            record.engine = found.element.engine
        record.candidates = [c.summary() for c in found.candidates]
        record.tie = found.tie
        for line in found.notes:
            if line not in record.notes:
                record.notes.append(line)

    def note_element(self, element: Element, *, only: bool = False) -> None:
        """Record the element the step used; ``only``: it came without a search (the cache,
        one shared call), so it is its own sole candidate."""
        self.record.element = element.summary()
        self.record.engine = element.engine
        if only:
            self.record.candidates = [element.summary()]


def model_seconds(engine: Engine) -> float:
    """The seconds an engine (or the model an ``auto`` engine wraps) has spent in its model."""
    model = engine.vlm if isinstance(engine, WrapsModel) else engine
    return model.model_seconds if isinstance(model, CountsModelTime) else 0.0
