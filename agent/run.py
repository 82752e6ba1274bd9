"""A run from its start to its end: the trace, the run folder, the cache, and how it ends.

One owner for the end of a run, whoever drives it (``agent run`` or the Python API): whatever
ends it (success, a failed step, an error, Ctrl-C), :meth:`Run.finish` gives the trace its
status, marks the steps that never ran, writes the trace and the report and saves the cache,
once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from agent.cache import LocateCache, check_mode
from agent.errors import AgentError, StepFailed
from agent.report import try_write_report
from agent.secrets import MaskingFilter, Secrets
from agent.signals import Stopped
from agent.trace import RunStatus, StepRecord, Trace, TraceWriter, new_run_dir, slug
from perception.screen import Screenshot

log = logging.getLogger(__name__)


class Run:
    """One run's record.

    Args:
        trace: The trace to fill (a task runner's comes with its steps listed, pending).
        out: Where run folders go (``runs/``); None keeps no files.
        secrets: Values masked in everything written, log lines included, while the run lasts.
        cache: The locate cache, saved when the run ends.
    """

    def __init__(
        self,
        trace: Trace,
        *,
        out: Path | None,
        secrets: Secrets | None = None,
        cache: LocateCache | None = None,
    ) -> None:
        self.trace = trace
        self.secrets = secrets or Secrets()
        self.cache = cache
        self.writer = (
            TraceWriter(new_run_dir(out, trace.task), trace, secrets=self.secrets)
            if out is not None
            else None
        )
        self._started = time.monotonic()
        self._finished = False
        # Every log line of the run, from any logger, is masked.
        self._masking = MaskingFilter(self.secrets)
        self._handlers = list(logging.getLogger().handlers)
        for handler in self._handlers:
            handler.addFilter(self._masking)
        self.save()

    @property
    def run_dir(self) -> Path | None:
        """The run's folder, if it keeps files."""
        return self.writer.run_dir if self.writer else None

    @property
    def path(self) -> Path | None:
        """Where ``trace.json`` is written, if it is."""
        return self.writer.path if self.writer else None

    def save(self) -> None:
        """Write the trace now."""
        if self.writer is not None:
            self.writer.write()

    def step_done(self, record: StepRecord, shot: Screenshot | None) -> None:
        """Keep a finished step's screenshot; write the trace at once if the step failed."""
        if self.writer is None:
            return
        if shot is not None:
            self.writer.save_screenshot(record, shot)
        self.writer.checkpoint(urgent=record.status != "passed")

    def finish(
        self, status: RunStatus | None = None, *, error: BaseException | None = None
    ) -> None:
        """End the run (only the first call counts): its status is ``status``, or follows
        from ``error`` (the exception that ended it), else ``passed`` unless already set."""
        if self._finished:
            return
        self._finished = True
        trace = self.trace
        if error is not None:
            trace.status = _status_for(error)
            if isinstance(error, Stopped):
                trace.error = str(error)  # "stopped by SIGTERM"
            elif not isinstance(error, StepFailed | KeyboardInterrupt):
                trace.error = str(error) if isinstance(error, AgentError) else _named(error)
        elif status is not None:
            trace.status = status
        elif trace.status == "running":
            trace.status = "passed"
        if trace.status != "passed":
            _mark_rest(trace, "skipped")
        trace.ended = datetime.now().isoformat(timespec="seconds")
        trace.duration_ms = round((time.monotonic() - self._started) * 1000, 1)
        try:
            self.save()
            if self.writer is not None:
                try_write_report(self.writer.run_dir)
            if self.cache is not None:
                self.cache.save()
        finally:
            for handler in self._handlers:
                handler.removeFilter(self._masking)


def _status_for(error: BaseException) -> RunStatus:
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    return "failed" if isinstance(error, StepFailed) else "error"


def _named(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _mark_rest(trace: Trace, status: str) -> None:
    """A step cut off while running is an error; the ones that never started get ``status``."""
    for record in trace.steps:
        if record.status == "running":
            record.status = "error"
        elif record.status == "pending":
            record.status = status  # type: ignore[assignment]


RUN_OPTIONS = ("name", "trace_dir", "secrets", "cache", "cache_dir")
"""The constructor's options that shape the run (see :func:`new_run`)."""


def new_run(
    engine: str,
    *,
    name: str = "api run",
    trace_dir: str | Path | None = "runs",
    secrets: Mapping[str, str] | Secrets | None = None,
    cache: str | LocateCache | None = None,
    cache_dir: str | Path = "gui-agent-cache",
) -> Run:
    """The run an API Agent records into: its trace in ``trace_dir/<name>-<date>`` and, with
    a cache mode, the cache file ``<cache_dir>/<name>.cache.yaml``."""
    known = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    if isinstance(cache, str):
        mode = check_mode(cache)
        cache = None
        if mode != "off":
            cache = LocateCache(Path(cache_dir) / f"{slug(name)}.cache.yaml", mode, secrets=known)
    out = Path(trace_dir) if trace_dir is not None else None
    return Run(Trace(task=name, engine=engine), out=out, secrets=known, cache=cache)
