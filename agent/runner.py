"""Running a task file: set up the target, run its steps through the loop, keep the trace."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from actions.base import Executor
from agent.cache import LocateCache
from agent.errors import AgentError, UserError
from agent.loop import EXPECT_TIMEOUT_S, StepContext, StepRunner
from agent.prefetch import Prefetch, upcoming_targets
from agent.report import try_write_report
from agent.secrets import MaskingFilter, Secrets
from agent.task import BrowserTarget, DesktopTarget, describe, step_args
from agent.taskfile import LoadedTask
from agent.trace import RunStatus, StepRecord, Trace, TraceWriter, new_run_dir
from perception.engine import Engine
from perception.screen import Screenshot

log = logging.getLogger(__name__)

StepCallback = Callable[[StepRecord], None]


@contextmanager
def browser_target(
    target: BrowserTarget,
    task_dir: Path,
    *,
    headed: bool,
    allowed_domains: list[str] | None,
    timeout_s: float,
    browser: Any = None,
    cdp: str | None = None,
) -> Iterator[tuple[Executor, str]]:
    """Serve the local site if the URL is a path, launch Chromium, open the URL.

    Yields the executor and the start URL.
    """
    from actions.playwright import PlaywrightExecutor
    from agent.site import LocalSite

    with ExitStack() as stack:
        url = target.url
        if "://" not in url:
            local = (task_dir / url).resolve()
            root = task_dir.resolve()
            if root not in local.parents:
                root = local.parent
            site = stack.enter_context(LocalSite(root))
            url = site.url_for(local.relative_to(root).as_posix() + url[len(url.split("#")[0]) :])
        executor = PlaywrightExecutor.launch(
            viewport=(target.viewport.width, target.viewport.height),
            device_scale_factor=target.device_scale_factor,
            headless=not (headed or target.headed),
            allowed_domains=allowed_domains,
            timeout_s=timeout_s,
            browser=browser,
            cdp=cdp,
        )
        stack.callback(executor.close)
        executor.page.goto(url, wait_until="load")
        yield executor, url


SETTLE_S = 5.0
"""How long a launched program's window may keep changing before the first step starts."""


@contextmanager
def desktop_target(
    target: DesktopTarget, *, display: str | None = None, log_dir: Path | None = None
) -> Iterator[tuple[Executor, dict[str, Any]]]:
    """Open the display (starting Xvfb when needed), launch the program, wait for its window.

    ``display`` (the command line's ``--display``) overrides the target's. Yields the executor
    and what the trace records about the target. Everything started here ends with the block.
    """
    from actions.desktop import DesktopExecutor
    from actions.display import Program, open_display

    with ExitStack() as stack:
        size = (target.screen.width, target.screen.height)
        opened = stack.enter_context(open_display(display or target.display, size=size))
        info: dict[str, Any] = {"display": opened.name, "virtual": opened.virtual}
        program = None
        if target.launch:
            log_path = log_dir / "program.log" if log_dir else None
            program = stack.enter_context(Program(target.launch, opened.env, log_path=log_path))
            program.wait_for_window(target.window)
        executor = DesktopExecutor(
            opened.name,
            xauthority=opened.xauthority,
            window=target.window,
            fail_safe=not opened.virtual,  # nobody can reach a virtual display's corners
            program=program,
        )
        stack.callback(executor.close)
        if target.launch and not executor.settle(SETTLE_S, interval_s=0.15):
            log.info("the screen was still changing after %g s; starting anyway", SETTLE_S)
        yield executor, info


def run_task(
    loaded: LoadedTask,
    *,
    engine: Engine,
    out: Path = Path("runs"),
    headed: bool = False,
    browser: Any = None,
    cdp: str | None = None,
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
    run_dir = new_run_dir(out, task.name)
    trace = Trace(task=task.name, file=str(loaded.path), engine=engine.name)
    writer = TraceWriter(run_dir, trace, secrets=loaded.secrets)
    masking = MaskingFilter(loaded.secrets)
    handlers = logging.getLogger().handlers
    for handler in handlers:  # every log line of the run, from any logger, is masked
        handler.addFilter(masking)
    for index, step in enumerate(task.steps):
        verb, args = step_args(step)
        trace.steps.append(StepRecord(index=index, verb=verb, target=describe(verb, args)))
    writer.write()
    started = time.monotonic()
    try:
        if task.desktop is not None:
            trace.target = {"desktop": task.desktop.model_dump(mode="json")}
            with desktop_target(task.desktop, display=display, log_dir=run_dir) as (
                executor,
                info,
            ):
                trace.target.update(info)
                trace.status = _run_steps(
                    loaded, executor, engine, writer, "", cache, confirm, on_step_start,
                    on_step_end,
                )  # fmt: skip
        else:
            assert task.browser is not None
            trace.target = {"browser": task.browser.model_dump(mode="json")}
            with browser_target(
                task.browser,
                loaded.path.parent,
                headed=headed,
                allowed_domains=task.allowed_domains,
                timeout_s=task.timeout,
                browser=browser,
                cdp=cdp,
            ) as (executor, url):
                trace.target["start_url"] = url
                trace.status = _run_steps(
                    loaded, executor, engine, writer, url, cache, confirm, on_step_start,
                    on_step_end,
                )  # fmt: skip
                trace.blocked_requests = list(getattr(executor, "blocked", []))
    except KeyboardInterrupt:
        trace.status = "interrupted"
        _mark_rest(trace, "skipped")
        raise
    except UserError as exc:
        # A wrong option (--headed without a display) is the caller's to fix: raise it, with
        # the trace written all the same.
        trace.status = "error"
        trace.error = str(exc)
        _mark_rest(trace, "skipped")
        raise
    except AgentError as exc:
        trace.status = "error"
        trace.error = str(exc)
        _mark_rest(trace, "skipped")
    except Exception as exc:
        trace.status = "error"
        trace.error = f"{type(exc).__name__}: {exc}"
        _mark_rest(trace, "skipped")
        raise
    finally:
        trace.ended = datetime.now().isoformat(timespec="seconds")
        trace.duration_ms = round((time.monotonic() - started) * 1000, 1)
        writer.write()
        try_write_report(writer.run_dir)
        if cache is not None:
            cache.save()
        for handler in handlers:
            handler.removeFilter(masking)
    return trace, writer.path


def _mark_rest(trace: Trace, status: str) -> None:
    for record in trace.steps:
        if record.status == "running":
            record.status = "error"
        elif record.status == "pending":
            record.status = status  # type: ignore[assignment]


def _run_steps(
    loaded: LoadedTask,
    executor: Executor,
    engine: Engine,
    writer: TraceWriter,
    base_url: str,
    cache: LocateCache | None,
    confirm: Callable[[str], bool] | None,
    on_step_start: StepCallback | None,
    on_step_end: StepCallback | None,
) -> RunStatus:
    from agent.api import Agent

    task, trace = loaded.task, writer.trace
    agent = Agent(
        executor, engine, writer=writer, timeout=task.timeout, retries=task.retries,
        secrets=loaded.secrets, cache=cache, confirm=confirm,
    )  # fmt: skip
    prefetch = Prefetch() if hasattr(engine, "locate_many") else None
    for step, record in zip(task.steps, trace.steps, strict=True):
        if on_step_start:
            on_step_start(record)
        upcoming = upcoming_targets(task.steps, record.index) if prefetch is not None else []
        agent.run_step(step, record, prefetch=prefetch, upcoming=upcoming)
        if record.status != "passed":
            where = loaded.where("steps", record.index)
            log.info("%s: step %d failed: %s", where, record.index + 1, record.error)
        if on_step_end:
            on_step_end(record)
        if record.status != "passed":
            _mark_rest(trace, "skipped")
            return "failed"
    return "passed"


def execute_step(
    step: Any,
    record: StepRecord,
    *,
    executor: Executor,
    engine: Engine,
    task_timeout: float = 15.0,
    retries: int = 2,
    base_url: str = "",
    secrets: Secrets | None = None,
    cache: LocateCache | None = None,
    confirm: Callable[[str], bool] | None = None,
    prefetch: Prefetch | None = None,
    upcoming: list[str] | None = None,
) -> tuple[Screenshot | None, AgentError | None]:
    """Run one validated step, filling ``record``.

    Model and action failures (and user errors found while acting) mark the step failed; they
    do not raise. Returns the step's last screenshot and the error that failed it, if any.
    """
    verb, args = step_args(step)
    if verb == "expect":
        timeout = args.timeout or min(EXPECT_TIMEOUT_S, task_timeout)
    else:
        timeout = args.timeout or task_timeout
    runner = StepRunner(
        StepContext(
            executor=executor,
            engine=engine,
            record=record,
            timeout_s=timeout,
            retries=retries,
            base_url=base_url,
            secrets=secrets or Secrets(),
            cache=cache,
            confirm=confirm,
            prefetch=prefetch,
            upcoming=upcoming or [],
        )
    )
    record.status = "running"
    started = time.monotonic()
    cause: AgentError | None = None
    try:
        record.output = runner.run(verb, args)
        record.status = "passed"
    except AgentError as exc:
        record.status = "failed"
        record.error = f"{type(exc).__name__}: {exc}"
        cause = exc
    finally:
        record.duration_ms = round((time.monotonic() - started) * 1000, 1)
        _round(record)
    return runner.last_screenshot, cause


def _round(record: StepRecord) -> None:
    t = record.timings
    t.capture, t.locate, t.act, t.verify = (
        round(v, 1) for v in (t.capture, t.locate, t.act, t.verify)
    )
