"""The trace: the JSON record of a run, written whatever happens.

The report and the cache read it; nothing else keeps its own log of a run. It is rewritten
after every step that fails, at least once a second while steps pass, and when the run ends
(whatever the end), so a run that crashes or is interrupted still leaves its record.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from agent.errors import TraceUnwritable, UsageError
from agent.secrets import Secrets
from perception.screen import Screenshot

log = logging.getLogger(__name__)

CHECKPOINT_S = 1.0
"""While steps pass, the trace on disk is at most this many seconds behind the run."""

StepStatus = Literal["pending", "running", "passed", "failed", "error", "skipped"]
RunStatus = Literal["running", "passed", "failed", "error", "interrupted"]


class Timings(BaseModel):
    """Milliseconds spent per phase of a step, summed over its attempts."""

    capture: float = 0.0
    locate: float = 0.0
    act: float = 0.0
    verify: float = 0.0

    @property
    def total(self) -> float:
        """All phases together."""
        return self.capture + self.locate + self.act + self.verify


class StepRecord(BaseModel):
    """What happened in one step."""

    index: int
    verb: str
    target: str = ""
    status: StepStatus = "pending"
    engine: str = ""
    cache: Literal["hit", "miss", "live"] | None = Field(
        default=None,
        description="With a locate cache: replayed (hit), an entry that failed validation "
        "(miss, then located live), or no entry (live).",
    )
    element: dict[str, Any] | None = None
    candidates: list[dict[str, Any]] = Field(default_factory=list)
    tie: bool = False
    action: dict[str, Any] | None = None
    timings: Timings = Field(default_factory=Timings)
    attempts: int = 0
    error: str | None = None
    notes: list[str] = Field(default_factory=list)
    output: Any = None
    model_output: str | None = None
    plan: list[dict[str, Any]] = Field(default_factory=list)
    screenshot: str | None = None
    duration_ms: float = 0.0


class Trace(BaseModel):
    """The record of one run of a task."""

    version: int = 1
    task: str
    file: str | None = None
    status: RunStatus = "running"
    engine: str = ""
    target: dict[str, Any] = Field(default_factory=dict)
    started: str = Field(default_factory=lambda: datetime.now().isoformat(timespec="seconds"))
    ended: str | None = None
    duration_ms: float = 0.0
    steps: list[StepRecord] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)
    blocked_requests: list[str] = Field(default_factory=list)
    error: str | None = None


def slug(name: str) -> str:
    """A folder-safe version of a task name."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return text[:60] or "task"


def new_run_dir(out: Path, task_name: str) -> Path:
    """``out/<task-name>-<YYYYmmdd-HHMMSS>``, with a counter when that exists already."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = out / f"{slug(task_name)}-{stamp}"
    path, n = base, 1
    while True:
        try:
            path.mkdir(parents=True, exist_ok=False)
            return path
        except FileExistsError:
            n += 1
            path = base.with_name(f"{base.name}-{n}")
        except OSError as exc:
            raise UsageError(
                f"cannot write runs to {out}: {exc.strerror or exc} (choose another --out)"
            ) from None


class TraceWriter:
    """Keeps a run's folder: ``trace.json`` and one JPEG per step.

    With secrets, their values are masked in everything written, and a field a secret was
    typed into is blacked out in every later screenshot.
    """

    def __init__(self, run_dir: Path, trace: Trace, *, secrets: Secrets | None = None) -> None:
        self.run_dir = run_dir
        self.trace = trace
        self.secrets = secrets or Secrets()
        self._masks: list[list[float]] = []
        self._written = float("-inf")
        self._saving: threading.Thread | None = None

    @property
    def path(self) -> Path:
        """Where ``trace.json`` is."""
        return self.run_dir / "trace.json"

    def save_screenshot(self, record: StepRecord, shot: Screenshot) -> None:
        """Keep the step's last capture beside the trace.

        The JPEG is encoded on a thread of its own while the next step runs (Pillow lets go
        of the GIL while it encodes); :meth:`write` waits for it, so a trace on disk never
        names a screenshot that is not there yet.
        """
        name = f"step-{record.index + 1:03d}.jpg"
        action = record.action or {}
        if record.element and self.secrets.uses(str(action.get("text", ""))):
            self._masks.append(record.element["box"])
        record.screenshot = name
        self._join()
        self._saving = threading.Thread(
            target=self._save, args=(shot, self.run_dir / name, list(self._masks)),
            name=f"save {name}",
        )  # fmt: skip
        self._saving.start()

    @staticmethod
    def _save(shot: Screenshot, path: Path, masks: list[list[float]]) -> None:
        shot = shot.blacked_out(masks)
        try:
            shot.save_jpeg(path)
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc)

    def _join(self) -> None:
        if self._saving is not None:
            self._saving.join()
            self._saving = None

    def checkpoint(self, *, urgent: bool = False) -> None:
        """Write the trace if ``urgent`` (a step failed) or a second has passed since the last
        write: rewriting the whole trace after every passing step would cost a long run more
        and more per step (20 ms at 40 steps)."""
        if urgent or time.monotonic() - self._written >= CHECKPOINT_S:
            try:
                self.write()
            except TraceUnwritable as exc:  # the run goes on; the last write says it again
                log.error("%s", exc)

    def write(self) -> Path:
        """Write the trace atomically (a crash mid-write leaves the previous version).

        Raises:
            TraceUnwritable: The disk is full or read-only (no half-written file is left).
        """
        self._join()
        self._written = time.monotonic()
        tmp = self.path.with_suffix(".json.tmp")
        data = self.secrets.mask(self.trace.model_dump(mode="json"))
        try:
            tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass
            raise TraceUnwritable(
                f"cannot write the trace {self.path}: {exc.strerror or exc}"
            ) from None
        return self.path
