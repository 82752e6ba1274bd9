"""Running steps written as YAML against a page, through the same code as `agent run`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from agent.step.execute import execute_step
from agent.task import Task, describe, step_args
from agent.trace import StepRecord
from perception.engine import Located
from perception.offline import OfflineEngine

ENGINE = OfflineEngine()


def run_steps(
    executor: Any,
    steps_yaml: str,
    *,
    retries: int = 1,
    timeout: float = 5.0,
    engine: Any = None,
    cache: Any = None,
) -> list[StepRecord]:
    """Run steps (a YAML list) in order on the executor's current page; stop at a failure."""
    steps = yaml.safe_load(steps_yaml)
    task = Task.model_validate(
        {
            "name": "t",
            "browser": {"url": "x"},
            "steps": steps,
            "retries": retries,
            "timeout": timeout,
        }
    )
    records = []
    for index, step in enumerate(task.steps):
        verb, args = step_args(step)
        record = StepRecord(index=index, verb=verb, target=describe(verb, args))
        execute_step(
            step,
            record,
            executor=executor,
            engine=engine or ENGINE,
            task_timeout=timeout,
            retries=retries,
            base_url=executor.page.url,
            cache=cache,
        )
        records.append(record)
        if record.status != "passed":
            break
    return records


def write_task(folder: Path, name: str, body: str) -> Path:
    """A task file on the login example site (by absolute path), with ``body`` after the header."""
    path = folder / f"{name}.yaml"
    site = Path(__file__).resolve().parent.parent / "tasks" / "sites" / "login.html"
    path.write_text(f"name: {name}\nbrowser: {{url: {site}}}\n{body}", encoding="utf-8")
    return path


def log_lines(executor: Any) -> list[str]:
    """What the verbs test page logged."""
    return executor.page.locator("#log li").all_inner_texts()  # type: ignore[no-any-return]


class CountingEngine(OfflineEngine):
    """The real offline engine, counting how often it is asked to locate a target (reading
    a value with extract, which locates too, is not counted: the cache does not replay it)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.locates = 0
        self._reading = False

    def locate(self, *args: Any, **kwargs: Any) -> Located:
        self.locates += 0 if self._reading else 1
        return super().locate(*args, **kwargs)

    def extract(self, *args: Any, **kwargs: Any) -> Any:
        self._reading = True
        try:
            return super().extract(*args, **kwargs)
        finally:
            self._reading = False


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the moment of asking."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
