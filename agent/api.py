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
from typing import Any, TypeVar, overload

from pydantic import BaseModel, TypeAdapter, ValidationError

from agent.cache import LocateCache, check_mode
from agent.errors import AgentError, ElementNotFound, StepFailed, UsageError
from agent.prefetch import Prefetch
from agent.report import try_write_report
from agent.runner import execute_step
from agent.secrets import Secrets
from agent.task import STEP_MODELS, describe, step_args
from agent.trace import StepRecord, Trace, TraceWriter, new_run_dir, slug
from agent.values import Kind, convert
from perception.elements import Element
from perception.engine import Engine

log = logging.getLogger(__name__)
T = TypeVar("T")


class Agent:
    """Drive a browser page with described targets: ``ai.click("Sign in")``.

    Build one with :meth:`browser` (launches Chromium), :meth:`for_page` (wraps a Playwright
    page you already have) or :meth:`desktop` (an X display, virtual when there is none); use it
    as a context manager so the run's trace is finished and what it started is stopped.
    """

    def __init__(
        self,
        executor: Any,
        engine: Engine,
        *,
        name: str = "api run",
        trace_dir: str | Path | None = "runs",
        timeout: float = 15.0,
        retries: int = 2,
        owns_executor: bool = False,
        writer: TraceWriter | None = None,
        secrets: Mapping[str, str] | Secrets | None = None,
        cache: str | LocateCache | None = None,
        cache_dir: str | Path = "gui-agent-cache",
        confirm: Callable[[str], bool] | None = None,
    ) -> None:
        self.executor = executor
        self.engine = engine
        self.timeout = timeout
        self.retries = retries
        self._owns = owns_executor
        self.secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
        # A mode builds the cache file <cache_dir>/<name>.cache.yaml; the runner hands in its own.
        if isinstance(cache, str) and check_mode(cache) != "off":
            path = Path(cache_dir) / f"{slug(name)}.cache.yaml"
            cache = LocateCache(path, check_mode(cache), secrets=self.secrets)
        self.cache: LocateCache | None = cache if isinstance(cache, LocateCache) else None
        self.confirm = confirm
        self._site: Any = None
        self._stack = ExitStack()  # what a constructor started (a display, a program)
        # The task runner hands in its own trace (and writes its report); API runs start one.
        self._writer = writer
        self._hands_in = writer is not None
        if writer is not None:
            self.trace = writer.trace
        else:
            self.trace = Trace(task=name, engine=engine.name)
            if trace_dir is not None:
                self._writer = TraceWriter(
                    new_run_dir(Path(trace_dir), name), self.trace, secrets=self.secrets
                )
                self._writer.write()

    # -- construction --------------------------------------------------------------------------
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
        """Launch Chromium (or attach to one at ``cdp``), open ``url``, and return an Agent.

        ``url`` may be a local file path: its folder is served on 127.0.0.1 while the Agent
        lives. ``options`` go to the constructor (``trace_dir``, ``timeout``, ``retries``,
        ``name``).
        """
        from actions.playwright import PlaywrightExecutor

        site = None
        if url and "://" not in url:
            from agent.site import LocalSite

            local = Path(url).expanduser().resolve()
            if not local.is_file():
                raise UsageError(f"Agent.browser: no such file {url!r} (and not a URL)")
            site = LocalSite(local.parent).__enter__()
            url = site.url_for(local.name)
        built = _engine(engine, model, endpoint)
        executor = PlaywrightExecutor.launch(
            viewport=viewport,
            device_scale_factor=device_scale_factor,
            headless=headless,
            allowed_domains=allowed_domains,
            timeout_s=float(options.get("timeout", 15.0)),
            cdp=cdp,
        )
        agent = cls(executor, built, owns_executor=True, **options)
        agent._site = site
        if url:
            try:
                agent.goto(url)
            except BaseException:
                agent.close()
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

        return cls(PlaywrightExecutor(page), _engine(engine, model, endpoint), **options)

    @classmethod
    def desktop(
        cls,
        launch: str | None = None,
        *,
        window: str | None = None,
        display: str = "auto",
        screen: tuple[int, int] = (1280, 800),
        engine: str | Engine = "auto",
        model: str | None = None,
        endpoint: str | None = None,
        **options: Any,
    ) -> Agent:
        """Work on a desktop: ``display`` ``auto`` ($DISPLAY, else a virtual Xvfb of size
        ``screen``), ``virtual`` or ``:N``; ``launch`` starts a program (ended on close) and
        ``window`` waits for its window and confines captures to it.

        ``options`` go to the constructor (``trace_dir``, ``timeout``, ``retries``, ``name``).
        """
        from agent.runner import desktop_target
        from agent.task import DesktopTarget

        try:
            target = DesktopTarget.model_validate(
                {"launch": launch, "window": window, "display": display,
                 "screen": {"width": screen[0], "height": screen[1]}}
            )  # fmt: skip
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "desktop"
            raise UsageError(f"Agent.desktop(): {where}: {first['msg']}") from None
        built = _engine(engine, model, endpoint)
        stack = ExitStack()
        try:
            executor, info = stack.enter_context(desktop_target(target))
            agent = cls(executor, built, **options)
        except BaseException:
            stack.close()
            raise
        agent._stack = stack
        agent.trace.target = {"desktop": target.model_dump(mode="json"), **info}
        if agent._writer is not None:
            agent._writer.write()
        return agent

    @property
    def page(self) -> Any:
        """The Playwright page (None on a desktop)."""
        return self.executor.page

    @property
    def trace_path(self) -> Path | None:
        """Where ``trace.json`` is written, if traces are kept."""
        return self._writer.path if self._writer else None

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
        page = getattr(self.executor, "page", None)
        shot, cause = execute_step(
            step, record, executor=self.executor, engine=self.engine, task_timeout=self.timeout,
            retries=self.retries, base_url=page.url if page is not None else "",
            secrets=self.secrets, cache=self.cache, confirm=self.confirm, prefetch=prefetch,
            upcoming=upcoming,
        )  # fmt: skip
        if self.secrets:  # an error may quote a field's content: nothing shown holds a value
            masked = StepRecord.model_validate(self.secrets.mask(record.model_dump(mode="json")))
            for key in StepRecord.model_fields:
                setattr(record, key, getattr(masked, key))
        if record.status == "passed" and verb == "extract":
            self.trace.outputs[args.what] = record.output  # type: ignore[attr-defined]
        if self._writer is not None:
            if shot is not None:
                self._writer.save_screenshot(record, shot)
            self._writer.checkpoint(urgent=record.status != "passed")
        return record, cause

    def _do(self, verb: str, args: dict[str, Any]) -> Any:
        try:
            step = STEP_MODELS[verb].model_validate(
                {verb: {k: v for k, v in args.items() if v is not None}}
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][1:]) or verb
            raise UsageError(f"{verb}(): {where}: {first['msg']}") from None
        record, cause = self.run_step(step)
        if record.status != "passed":
            self.trace.status = "failed"
            shot = (
                self._writer.run_dir / record.screenshot
                if self._writer and record.screenshot
                else None
            )
            raise StepFailed(
                f"step {record.index + 1} ({verb} {record.target}) failed: {record.error}"
                + (f"\n  screenshot: {shot}" if shot else "")
                + (f"\n  trace: {self.trace_path}" if self.trace_path else ""),
                step=record, screenshot=shot, trace=self.trace_path, cause=cause,
            )  # fmt: skip
        return record.output

    # -- the verbs -------------------------------------------------------------------------------
    def goto(self, url: str, *, timeout: float | None = None) -> None:
        """Open a URL (relative URLs resolve against the current page)."""
        self._do("goto", {"url": url, "timeout": timeout})

    def click(self, target: str, *, timeout: float | None = None) -> None:
        """Click the described element; the page, focus or content must change."""
        self._do("click", {"target": target, "timeout": timeout})

    def double_click(self, target: str, *, timeout: float | None = None) -> None:
        """Double-click the described element."""
        self._do("double_click", {"target": target, "timeout": timeout})

    def right_click(self, target: str, *, timeout: float | None = None) -> None:
        """Right-click the described element."""
        self._do("right_click", {"target": target, "timeout": timeout})

    def hover(self, target: str, *, timeout: float | None = None) -> None:
        """Move the mouse over the described element."""
        self._do("hover", {"target": target, "timeout": timeout})

    def type(
        self, text: str, *, into: str | None = None, clear: bool = True, submit: bool = False,
        timeout: float | None = None,
    ) -> None:  # fmt: skip
        """Type text into the described field (or where focus is); it must hold the text."""
        self._do(
            "type",
            {"text": text, "into": into, "clear": clear, "submit": submit, "timeout": timeout},
        )

    def press(self, keys: str, *, timeout: float | None = None) -> None:
        """Press a key or a chord such as ``Control+A``."""
        self._do("press", {"keys": keys, "timeout": timeout})

    def scroll(
        self, direction: str = "down", *, amount: float = 1.0, within: str | None = None,
        timeout: float | None = None,
    ) -> None:  # fmt: skip
        """Scroll the page, or inside the described element, by ``amount`` screens."""
        self._do(
            "scroll",
            {"direction": direction, "amount": amount, "within": within, "timeout": timeout},
        )

    def select(self, option: str, *, in_: str, timeout: float | None = None) -> None:
        """Choose ``option`` in the described select box (``in`` in task files)."""
        self._do("select", {"option": option, "in": in_, "timeout": timeout})

    def drag(self, from_: str, *, to: str, timeout: float | None = None) -> None:
        """Drag one described element onto another (``from`` in task files)."""
        self._do("drag", {"from": from_, "to": to, "timeout": timeout})

    def wait(self, seconds: float) -> None:
        """Pause."""
        self._do("wait", {"seconds": seconds})

    def wait_for(self, target: str, *, timeout: float | None = None) -> None:
        """Wait until the described element is there."""
        self._do("wait_for", {"target": target, "timeout": timeout})

    def expect(self, text: str, *, timeout: float | None = None) -> None:
        """The text (or a described element) must be visible; retried until the timeout (5 s)."""
        self._do("expect", {"text": text, "timeout": timeout})

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
        text = self._do("extract", {"what": what, "timeout": timeout})
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
            if self._writer:
                self._writer.write()
            raise StepFailed(
                f"extract({what!r}) read {text!r}, which is not a {kind}: "
                f"{str(exc).splitlines()[0]}",
                step=record, screenshot=None, trace=self.trace_path, cause=exc,
            ) from None  # fmt: skip

    def act(self, goal: str, *, max_steps: int = 15, timeout: float | None = None) -> str | None:
        """A goal for the vision-language model, planned step by step; returns its answer."""
        result: str | None = self._do(
            "goal", {"goal": goal, "max_steps": max_steps, "timeout": timeout or 600}
        )
        return result

    def locate(self, description: str) -> Element:
        """The described element on the current screen (no action).

        Raises:
            ElementNotFound: Nothing matches well enough.
        """
        shot = self.executor.capture()
        found = self.engine.locate(shot, description, page=self.page)
        if found.element is None:
            raise ElementNotFound(f"nothing matches {description!r}")
        return found.element

    def elements(self) -> list[Element]:
        """Every element worth acting on, on the current screen."""
        return self.engine.elements(self.executor.capture(), page=self.page)

    # -- lifetime -------------------------------------------------------------------------------
    def close(self, status: str | None = None) -> None:
        """Finish the trace and close what this Agent launched."""
        from datetime import datetime

        if self.trace.status == "running":
            self.trace.status = status or "passed"  # type: ignore[assignment]
        self.trace.ended = datetime.now().isoformat(timespec="seconds")
        self.trace.blocked_requests = list(getattr(self.executor, "blocked", []))
        if self._writer is not None:
            self._writer.write()
            if self._writer.trace is self.trace and not self._hands_in:
                try_write_report(self._writer.run_dir)
        if self.cache is not None and not self._hands_in:
            self.cache.save()
        if self._owns:
            self.executor.close()
        if self._site is not None:
            self._site.close()
            self._site = None
        self._stack.close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(
        self,
        kind: builtins.type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is KeyboardInterrupt:
            self.close("interrupted")
        elif kind is not None and self.trace.status == "running":
            self.close("error" if not isinstance(exc, StepFailed) else "failed")
        else:
            self.close()


def _engine(engine: str | Engine, model: str | None, endpoint: str | None) -> Engine:
    if not isinstance(engine, str):
        return engine
    from agent.engines import EngineSettings, make_engine

    settings = EngineSettings.resolve({"engine": engine, "model": model, "endpoint": endpoint})
    built = make_engine(settings=settings)
    vlm = getattr(built, "vlm", None) or built
    load = getattr(vlm, "load", None)
    if load is not None:
        load()
    return built
