"""Running a task file: open its target, run its steps through an Agent, keep the trace.

The runner drives the Python API (:class:`agent.api.Agent`), never the reverse: a task file is
a list of Agent calls, and the run ends the way an API run does (:meth:`agent.run.Run.finish`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.api import Agent
from agent.cache import LocateCache
from agent.errors import AgentError, TraceUnwritable, UserError
from agent.prefetch import Prefetch
from agent.run import Run
from agent.task import describe, step_args, upcoming_targets
from agent.taskfile import LoadedTask
from agent.trace import RunStatus, StepRecord, Trace
from perception.engine import Engine, LocatesMany

log = logging.getLogger(__name__)

StepCallback = Callable[[StepRecord], None]


def run_task(
    loaded: LoadedTask,
    *,
    engine: Engine,
    out: Path = Path("runs"),
    headed: bool = False,
    browser: Any = None,
    cdp: str | None = None,
    connect: str | None = None,
    display: str | None = None,
    cache: LocateCache | None = None,
    confirm: Callable[[str], bool] | None = None,
    on_step_start: StepCallback | None = None,
    on_step_end: StepCallback | None = None,
) -> tuple[Trace, Path]:
    """Run one validated task; the trace is written even when the run fails or is interrupted.

    ``browser`` (a running Playwright ``Browser``) is reused when given; ``cdp`` attaches to a
    Chromium running elsewhere; else one is launched. ``display`` overrides a desktop task's
    display (``auto``, ``virtual``, ``:N``). ``cache`` (a :class:`~agent.cache.LocateCache`)
    replays validated locates and is saved at the end, whatever the outcome. ``confirm`` asks a
    person before a ``confirm: true`` step acts (None: such steps fail).
    Returns the trace and its path. Model and action failures end the run with status
    ``failed``; environment problems (no browser) with ``error``. User errors (a wrong
    option) and ``KeyboardInterrupt`` are re-raised after the trace is written, with status
    ``error`` and ``interrupted``.
    """
    task = loaded.task
    trace = Trace(task=task.name, file=str(loaded.path), engine=engine.name)
    for index, step in enumerate(task.steps):
        verb, args = step_args(step)
        trace.steps.append(StepRecord(index=index, verb=verb, target=describe(verb, args)))
    run = Run(trace, out=out, secrets=loaded.secrets, cache=cache)
    assert run.path is not None
    target = task.desktop if task.desktop is not None else task.browser
    assert target is not None  # the task file's checks require one
    try:
        with Agent.open(
            target, engine, base_dir=loaded.path.parent, headed=headed,
            allowed_domains=task.allowed_domains, browser=browser, cdp=cdp, connect=connect,
            display=display,
            run=run, timeout=task.timeout, model_timeout=task.model_timeout,
            retries=task.retries, confirm=confirm, dialogs=task.dialogs,
            downloads=loaded.path.parent / task.downloads if task.downloads else None,
        ) as agent:  # fmt: skip
            agent.close(_run_steps(loaded, agent, on_step_start, on_step_end))
    except BaseException as exc:
        run.finish(error=exc)  # a no-op when the Agent has ended the run already
        # Model, action and environment failures are the run's outcome (in the trace); a
        # wrong option, Ctrl-C and bugs are the caller's to see.
        if not isinstance(exc, AgentError) or isinstance(exc, UserError | TraceUnwritable):
            raise
    return trace, run.path


def _run_steps(
    loaded: LoadedTask,
    agent: Agent,
    on_step_start: StepCallback | None,
    on_step_end: StepCallback | None,
) -> RunStatus:
    steps = loaded.task.steps
    prefetch = Prefetch() if isinstance(agent.engine, LocatesMany) else None
    for step, record in zip(steps, agent.trace.steps, strict=True):
        if on_step_start:
            on_step_start(record)
        upcoming = upcoming_targets(steps, record.index) if prefetch is not None else []
        agent.run_step(step, record, prefetch=prefetch, upcoming=upcoming)
        if record.status != "passed":
            where = loaded.where("steps", record.index)
            log.info("%s: step %d failed: %s", where, record.index + 1, record.error)
        if on_step_end:
            on_step_end(record)
        if record.status != "passed":
            return "failed"
    return "passed"
