"""Every example task runs green end to end: real Chromium, its site served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.cache import is_cache_file
from agent.runner import run_task
from agent.taskfile import load_task
from agent.trace import Trace
from perception.offline import OfflineEngine
from tests.conftest import TASKS

EXAMPLES = sorted(p for p in TASKS.glob("*.yaml") if not is_cache_file(p))


def test_there_are_at_least_three_examples() -> None:
    assert {p.name for p in EXAMPLES} >= {"login.yaml", "register.yaml", "todo.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_task_passes_and_leaves_a_complete_trace(
    path: Path, tmp_path: Path, browser: Any
) -> None:
    trace, trace_path = run_task(
        load_task(path), engine=OfflineEngine(), out=tmp_path, browser=browser
    )
    failed = [s for s in trace.steps if s.status != "passed"]
    assert trace.status == "passed", failed[0].error if failed else trace.error
    assert trace_path.parent.parent == tmp_path
    assert trace_path.parent.name.startswith(trace_path.parent.name.split("-2")[0])
    on_disk = Trace.model_validate(json.loads(trace_path.read_text()))
    assert on_disk.status == "passed" and len(on_disk.steps) == len(trace.steps)
    for step in on_disk.steps:
        assert step.screenshot and (trace_path.parent / step.screenshot).stat().st_size > 1000
        assert step.attempts >= 1 and step.duration_ms > 0
    located = [s for s in on_disk.steps if s.verb in ("click", "type", "select")]
    for step in located:
        assert step.element is not None and len(step.element["box"]) == 4
        assert step.action is not None and step.timings.locate > 0


def test_extract_values_land_in_the_trace_outputs(tmp_path: Path, browser: Any) -> None:
    trace, _ = run_task(
        load_task(TASKS / "todo.yaml"), engine=OfflineEngine(), out=tmp_path, browser=browser
    )
    assert trace.outputs == {"items left": 1}
