"""A step's execution: confirmation, tries with re-locating between them, the record's status."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from actions.base import AnswersDialogs, Executor
from actions.retry import step_retrying
from agent.cache import LocateCache
from agent.errors import RETRYABLE, AgentError, Refused
from agent.prefetch import Prefetch
from agent.secrets import Secrets
from agent.step.act import dialogs_answered, downloads_kept, tabs_followed
from agent.step.catalog import VERBS
from agent.step.context import MODEL_TIMEOUT_S, StepContext, StepRun
from agent.step.locate import commit
from agent.step.registry import Verb
from agent.task import step_args
from agent.trace import StepRecord
from perception.engine import Engine
from perception.screen import Screenshot


def execute_step(
    step: BaseModel,
    record: StepRecord,
    *,
    executor: Executor,
    engine: Engine,
    task_timeout: float = 15.0,
    model_timeout: float = MODEL_TIMEOUT_S,
    retries: int = 2,
    base_url: str = "",
    secrets: Secrets | None = None,
    cache: LocateCache | None = None,
    confirm: Callable[[str], bool] | None = None,
    prefetch: Prefetch | None = None,
    upcoming: list[str] | None = None,
) -> tuple[Screenshot | None, AgentError | None]:
    """Run one validated step (a task file's, or an Agent method's), filling ``record``.

    Model and action failures (and user errors found while acting) mark the step failed; they
    do not raise. Returns the step's last screenshot and the error that failed it, if any.
    """
    verb, args = step_args(step)
    entry = VERBS[verb]
    timeout = args.timeout or min(entry.timeout or task_timeout, task_timeout)
    run = StepRun(
        StepContext(
            executor=executor, engine=engine, record=record, timeout_s=timeout,
            retries=retries, base_url=base_url, secrets=secrets or Secrets(), cache=cache,
            confirm=confirm, prefetch=prefetch, upcoming=upcoming or [],
            model_timeout_s=model_timeout,
        )
    )  # fmt: skip
    record.status = "running"
    if isinstance(executor, AnswersDialogs) and not verb.startswith("expect"):
        executor.dialogs.recent.clear()  # an expect after this step reads its dialogs
    started = time.monotonic()
    cause: AgentError | None = None
    try:
        record.output = _run(run, entry, args)
        record.status = "passed"
    except AgentError as exc:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
        cause = exc
    finally:
        record.duration_ms = round((time.monotonic() - started) * 1000, 1)
        t = record.timings
        t.capture, t.locate, t.act, t.verify = (
            round(v, 1) for v in (t.capture, t.locate, t.act, t.verify)
        )
    return run.last_screenshot, cause


def _run(step: StepRun, entry: Verb[Any], args: Any) -> Any:
    """The step's tries (one for verbs that wait on their own); returns its output."""
    tabs_followed(step)  # a tab opened, or a popup closed, after the step before ended
    if args.confirm:
        _ask_confirmation(step)
    attempts = 1 if entry.polls else 1 + step.ctx.retries
    for attempt in step_retrying(attempts=attempts, left=step.remaining):
        with attempt:
            step.record.attempts += 1
            step.found.clear()
            try:
                result = entry.handler(step, args)
                dialogs_answered(step)  # one opened late (a timer) is this step's too
                downloads_kept(step)
                tabs_followed(step)
                commit(step)
                return result
            except RETRYABLE as exc:
                # Every try's failure stays in the trace, not only the last one.
                step.record.notes.append(f"try {step.record.attempts}: {exc}")
                raise
    return None  # pragma: no cover - tenacity either returns or raises


def _ask_confirmation(step: StepRun) -> None:
    record = step.record
    what = f"{record.verb} {record.target}".strip()
    if step.ctx.confirm is None:
        raise Refused(
            f"step {record.index + 1} ({what}) asks for confirmation, and nobody can be "
            "asked here: run it in a terminal, or pass --yes to confirm every step"
        )
    if not step.ctx.confirm(what):
        raise Refused(f"step {record.index + 1} ({what}) was not confirmed")
    record.notes.append("confirmed")
