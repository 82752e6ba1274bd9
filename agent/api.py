"""The Python API: an Agent whose methods are the verbs of task files.

A task file is a list of these calls: the task runner drives an Agent step by step, so both go
through one implementation (:meth:`Agent.run_step`). Every API run writes a trace (``runs/`` by
default, ``trace_dir=None`` to keep none) and raises :class:`~agent.errors.StepFailed` when a
step fails after its tries.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from actions.base import BlocksRequests, Executor
from agent.cache import LocateCache
from agent.engines import engine_for
from agent.errors import (
    AgentError,
    AmbiguousTarget,
    ElementNotFound,
    StepFailed,
    UsageError,
    usage_error,
)
from agent.executor_setup import prepare
from agent.prefetch import Prefetch
from agent.run import RUN_OPTIONS, Run, new_run
from agent.secrets import Secrets
from agent.step.context import MODEL_TIMEOUT_S
from agent.step.execute import execute_step
from agent.targets import BLANK, open_target
from agent.task import STEP_MODELS, BrowserTarget, DesktopTarget, describe, step_args
from agent.trace import RunStatus, StepRecord
from agent.values import Kind, convert
from agent.verb_methods import VerbMethods
from perception.elements import Element
from perception.engine import Engine

log = logging.getLogger(__name__)
T = TypeVar("T")


class Agent(VerbMethods):
    """Drive a browser page or a desktop with described targets: ``ai.click("Sign in")``.

    Build one with :meth:`browser` (launches Chromium), :meth:`for_page` (wraps a Playwright
    page you already have) or :meth:`desktop` (an X display, virtual when there is none); use it
    as a context manager so the run's trace is finished and what it started is stopped.

    Args:
        executor: What acts (a browser page's or a desktop's executor).
        engine: What finds elements (see :func:`agent.engines.make_engine`).
        name: Names the run and its folder.
        trace_dir: Where run folders go; None keeps no trace.
        timeout: Seconds per step, not counting the time a model takes to answer.
        model_timeout: Seconds of model answers one step may spend besides ``timeout``.
        retries: Extra tries for a failing step.
        owns_executor: Close the executor when the Agent closes.
        secrets: Values typed as ``${NAME}`` and never shown.
        cache: A cache mode (``read-write``...) for ``<cache_dir>/<name>.cache.yaml``, or a
            :class:`~agent.cache.LocateCache`.
        confirm: Asks a person before a ``confirm`` step acts.
        run: The run to record into (the task runner's); else a new one is started.
        dialogs: How to answer confirm and prompt dialogs no ``dialog`` step answers.
        downloads: Where downloaded files go (default: the run folder's ``downloads/``).
    """

    def __init__(
        self,
        executor: Any,
        engine: Engine,
        *,
        name: str = "api run",
        trace_dir: str | Path | None = "runs",
        timeout: float = 15.0,
        model_timeout: float = MODEL_TIMEOUT_S,
        retries: int = 2,
        owns_executor: bool = False,
        secrets: Mapping[str, str] | Secrets | None = None,
        cache: str | LocateCache | None = None,
        cache_dir: str | Path = "gui-agent-cache",
        confirm: Callable[[str], bool] | None = None,
        run: Run | None = None,
        dialogs: Literal["accept", "dismiss"] | None = None,
        downloads: str | Path | None = None,
    ) -> None:
        self.executor: Executor = executor
        self.engine = engine
        self.timeout = timeout
        self.model_timeout = model_timeout
        self.retries = retries
        self.confirm = confirm
        self._owns = owns_executor
        self._closed = False
        self._stack = ExitStack()  # what a constructor started (a browser, a display, a program)
        self.run = run or new_run(
            engine.name, name=name, trace_dir=trace_dir, secrets=secrets, cache=cache,
            cache_dir=cache_dir,
        )  # fmt: skip
        self.secrets = self.run.secrets
        self.cache = self.run.cache
        self.trace = self.run.trace
        prepare(executor, self.run, dialogs=dialogs, downloads=downloads)

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        target: BrowserTarget | DesktopTarget,
        engine: Engine,
        *,
        base_dir: Path | None = None,
        headed: bool = False,
        allowed_domains: list[str] | None = None,
        browser: Any = None,
        cdp: str | None = None,
        display: str | None = None,
        navigate: bool = True,
        connect: str | None = None,
        **options: Any,
    ) -> Agent:
        """Open a task file's kind of target (see :func:`agent.targets.open_target`) and
        return an Agent that closes it; ``options`` go to the constructor."""
        run = options.pop("run", None) or new_run(
            engine.name, **{k: options.pop(k) for k in RUN_OPTIONS if k in options}
        )
        stack = ExitStack()
        try:
            opened = stack.enter_context(
                open_target(
                    target, base_dir=base_dir, headed=headed, allowed_domains=allowed_domains,
                    timeout_s=float(options.get("timeout", 15.0)), browser=browser, cdp=cdp,
                    display=display, log_dir=run.run_dir, navigate=navigate, connect=connect,
                )
            )  # fmt: skip
            agent = cls(opened.executor, engine, run=run, **options)
        except BaseException as exc:
            stack.close()
            run.finish(error=exc)
            raise
        agent._stack = stack
        agent.trace.target = opened.record
        agent.run.save()
        return agent

    @classmethod
    def browser(
        cls,
        url: str | None = None,
        *,
        engine: str | Engine = "auto",
        model: str | None = None,
        endpoint: str | None = None,
        headless: bool = True,
        viewport: tuple[int, int] = (1280, 800),
        device_scale_factor: float = 1.0,
        allowed_domains: list[str] | None = None,
        cdp: str | None = None,
        **options: Any,
    ) -> Agent:
        """Launch Chromium (or attach to one at ``cdp``, or use a Playwright browser server at
        ``connect=ws://...``), open ``url``, and return an Agent. ``url`` may be a local file
        path: its folder is served on 127.0.0.1 while the Agent lives. Other ``options`` go to
        the constructor (``trace_dir``, ``timeout``, ``retries``, ``name``)."""
        target = _validated(
            BrowserTarget, "Agent.browser()",
            {"url": url or BLANK, "device_scale_factor": device_scale_factor,
             "viewport": {"width": viewport[0], "height": viewport[1]}, "headed": not headless},
        )  # fmt: skip
        built = engine_for(engine, model=model, endpoint=endpoint)
        agent = cls.open(
            target, built, allowed_domains=allowed_domains, cdp=cdp, navigate=False, **options
        )
        start = agent.trace.target["start_url"]
        if start != BLANK:  # the first step of the trace, with its screenshot
            try:
                agent.goto(start)
            except BaseException as exc:
                agent.close(error=exc)
                raise
        return agent

    @classmethod
    def for_page(
        cls,
        page: Any,
        *,
        engine: str | Engine = "auto",
        model: str | None = None,
        endpoint: str | None = None,
        **options: Any,
    ) -> Agent:
        """Wrap an existing sync Playwright ``Page`` (pytest-playwright's ``page``): launches
        nothing and closes nothing."""
        from actions.playwright import PlaywrightExecutor

        built = engine_for(engine, model=model, endpoint=endpoint)
        return cls(PlaywrightExecutor(page), built, **options)

    @classmethod
    def desktop(
        cls,
        launch: str | None = None,
        *,
        window: str | None = None,
        display: str = "auto",
        screen: tuple[int, int] = (1920, 1080),
        wm: str | None = None,
        engine: str | Engine = "auto",
        model: str | None = None,
        endpoint: str | None = None,
        **options: Any,
    ) -> Agent:
        """Work on a desktop: ``display`` ``auto`` ($DISPLAY, else a virtual Xvfb of size
        ``screen``), ``virtual`` or ``:N``; ``launch`` starts a program (ended on close) and
        ``window`` waits for its window and confines captures to it (or to a dialog of the
        program's above it); ``wm`` starts a window manager on a virtual display (``fluxbox``).

        ``options`` go to the constructor (``trace_dir``, ``timeout``, ``retries``, ``name``).
        """
        target = _validated(
            DesktopTarget, "Agent.desktop()",
            {"launch": launch, "window": window, "display": display, "wm": wm,
             "screen": {"width": screen[0], "height": screen[1]}},
        )  # fmt: skip
        return cls.open(target, engine_for(engine, model=model, endpoint=endpoint), **options)

    @property
    def page(self) -> Any:
        """The Playwright page (None on a desktop)."""
        return self.executor.page

    @property
    def trace_path(self) -> Path | None:
        """Where ``trace.json`` is written, if traces are kept."""
        return self.run.path

    # -- the one step implementation ------------------------------------------------------------
    def run_step(
        self,
        step: BaseModel,
        record: StepRecord | None = None,
        *,
        prefetch: Prefetch | None = None,
        upcoming: list[str] | None = None,
    ) -> tuple[StepRecord, AgentError | None]:
        """Run a validated step, record it in the trace, and write the trace.

        ``prefetch`` and ``upcoming`` (the task runner's) let a model engine ground this and
        the next steps' targets in one call.
        """
        verb, args = step_args(step)
        if record is None:
            record = StepRecord(index=len(self.trace.steps), verb=verb, target=describe(verb, args))
            self.trace.steps.append(record)
        page = self.executor.page
        shot, cause = execute_step(
            step, record, executor=self.executor, engine=self.engine, task_timeout=self.timeout,
            model_timeout=self.model_timeout, retries=self.retries,
            base_url=page.url if page is not None else "", secrets=self.secrets,
            cache=self.cache, confirm=self.confirm, prefetch=prefetch, upcoming=upcoming,
        )  # fmt: skip
        if self.secrets:  # an error may quote a field's content: nothing shown holds a value
            masked = StepRecord.model_validate(self.secrets.mask(record.model_dump(mode="json")))
            for key in StepRecord.model_fields:
                setattr(record, key, getattr(masked, key))
        if record.status == "passed" and verb == "extract":
            self.trace.outputs[args.what] = record.output
        self.run.step_done(record, shot)
        return record, cause

    def do(self, verb: str, **args: Any) -> Any:
        """Run any verb by its task-file name, with its task-file arguments (Python names
        for ``in``, ``from`` and ``as``: ``in_``, ``from_``, ``as_``); returns its output.

        Raises:
            UsageError: An unknown verb or a wrong argument.
            StepFailed: The step failed after its tries.
        """
        if verb not in STEP_MODELS:
            raise UsageError(f"unknown verb {verb!r}; valid verbs: {', '.join(STEP_MODELS)}")
        try:
            step = STEP_MODELS[verb].model_validate(
                {verb: {k: v for k, v in args.items() if v is not None}}
            )
        except ValidationError as exc:
            raise usage_error(exc, f"{verb}()", skip=1) from None
        record, cause = self.run_step(step)
        if record.status != "passed":
            self.trace.status = "failed"
            run_dir = self.run.run_dir
            shot = run_dir / record.screenshot if run_dir and record.screenshot else None
            raise StepFailed(
                f"step {record.index + 1} ({verb} {record.target}) failed: {record.error}"
                + (f"\n  screenshot: {shot}" if shot else "")
                + (f"\n  trace: {self.trace_path}" if self.trace_path else ""),
                step=record, screenshot=shot, trace=self.trace_path, cause=cause,
            )  # fmt: skip
        return record.output

    # -- the verbs (the rest are in VerbMethods) ---------------------------------------------
    @overload
    def extract(self, what: str, *, timeout: float | None = None) -> str: ...
    @overload
    def extract(
        self, what: str, *, as_type: builtins.type[T], timeout: float | None = None
    ) -> T: ...
    def extract(self, what: str, *, as_type: Any = str, timeout: float | None = None) -> Any:
        """What the described element shows: its text, or a typed value (``int``, ``float``,
        ``bool``, a pydantic model or any type pydantic validates).

        Raises:
            StepFailed: Nothing matches, or the text is not a value of that type.
        """
        text = self.do("extract", what=what, timeout=timeout)
        if as_type is str:
            return text
        try:
            if as_type in (int, float, bool):
                kinds: dict[Any, Kind] = {int: "int", float: "float", bool: "bool"}
                return convert(text, kinds[as_type])
            adapter = TypeAdapter(as_type)
            try:
                return adapter.validate_json(text)
            except ValidationError:
                return adapter.validate_python(text)
        except (ValueError, ValidationError) as exc:
            kind = getattr(as_type, "__name__", str(as_type))
            record = self.trace.steps[-1]
            record.status, record.error = "failed", f"not a {kind}: {exc}"
            self.run.save()
            raise StepFailed(
                f"extract({what!r}) read {text!r}, which is not a {kind}: "
                f"{str(exc).splitlines()[0]}",
                step=record, screenshot=None, trace=self.trace_path, cause=exc,
            ) from None  # fmt: skip

    def locate(self, description: str) -> Element:
        """The described element on the current screen (no action).

        Raises:
            ElementNotFound: Nothing matches well enough.
            AmbiguousTarget: Several elements match equally well.
        """
        shot = self.executor.capture()
        found = self.engine.locate(shot, description, page=self.page)
        if found.element is None and found.tie:
            raise AmbiguousTarget(found.ambiguity(description))
        if found.element is None:
            raise ElementNotFound(f"nothing matches {description!r}")
        return found.element

    def elements(self) -> list[Element]:
        """Every element worth acting on, on the current screen."""
        return self.engine.elements(self.executor.capture(), page=self.page)

    # -- lifetime -------------------------------------------------------------------------------
    def close(self, status: RunStatus | None = None, *, error: BaseException | None = None) -> None:
        """Finish the run (its trace, report and cache: :meth:`agent.run.Run.finish`) and
        close what this Agent opened (once: later calls do nothing)."""
        if self._closed:
            return
        self._closed = True
        try:
            if isinstance(self.executor, BlocksRequests):
                self.trace.blocked_requests = list(self.executor.blocked)
            self.run.finish(status, error=error)
        finally:
            if self._owns:
                self.executor.close()
            self._stack.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(
        self,
        kind: builtins.type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(error=exc)


M = TypeVar("M", bound=BaseModel)


def _validated(model: builtins.type[M], what: str, data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise usage_error(exc, what) from None
