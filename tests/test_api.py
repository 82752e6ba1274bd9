"""The Python API against real Chromium and the example sites."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from agent import Agent, StepFailed
from agent.errors import ElementNotFound, UsageError
from tests.conftest import ROOT, page_url


def readme_block(heading: str) -> str:
    """The first ```python block after a README heading."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readme_example_runs_as_a_script(tmp_path: Path) -> None:
    # A process of its own, as an RPA script runs (it launches its own Chromium).
    script = tmp_path / "rpa.py"
    script.write_text(readme_block("Python API"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    total, trace_path = result.stdout.split("total: ")[1].split(" trace: ")
    assert total == "290"
    trace = json.loads(Path(trace_path.strip()).read_text())
    assert trace["status"] == "passed" and len(trace["steps"]) == 9
    assert trace["outputs"] == {"Total": "Total: 290 EUR"}
    shutil.rmtree(Path(trace_path.strip()).parent)


def test_for_page_wraps_an_existing_page_and_closes_nothing(
    executor: Any, site: Any, tmp_path: Path
) -> None:
    page = executor.page
    page.goto(site.url_for("tasks/sites/login.html"))
    ai = Agent.for_page(page, engine="offline", trace_dir=tmp_path)
    ai.type("alice", into="Username")
    ai.type("hunter2", into="Password")
    ai.click("Sign in")
    ai.expect("Welcome, alice")
    assert ai.locate("Sign out").role == "button"
    assert {"Sign out"} <= {e.text for e in ai.elements()}
    ai.close()
    assert not page.is_closed(), "an Agent over a given page must not close it"


def test_a_failing_step_raises_with_the_step_screenshot_and_trace(
    executor: Any, site: Any, tmp_path: Path
) -> None:
    executor.page.goto(site.url_for("tasks/sites/login.html"))
    with (
        pytest.raises(StepFailed) as info,
        Agent.for_page(executor.page, trace_dir=tmp_path, retries=1) as ai,
    ):
        ai.click("Proceed to checkout")
    error = info.value
    assert isinstance(error.cause, ElementNotFound)
    assert error.step.attempts == 2 and error.step.verb == "click"
    assert error.screenshot is not None and error.screenshot.exists()
    assert error.trace is not None and json.loads(error.trace.read_text())["status"] == "failed"
    assert "Proceed to checkout" in str(error) and str(error.trace) in str(error)


class Summary(BaseModel):
    left: int


def test_extract_typed_values_or_a_clear_error(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    ai = Agent.for_page(executor.page, trace_dir=None)
    assert ai.extract("Total", as_type=float) == 1234.0
    with pytest.raises(StepFailed, match="which is not a int"):
        ai.extract("Docs", as_type=int)
    with pytest.raises(StepFailed, match="not a Summary"):
        ai.extract("Docs", as_type=Summary)
    assert ai.trace_path is None


def test_bad_arguments_are_usage_errors(executor: Any) -> None:
    ai = Agent.for_page(executor.page, trace_dir=None)
    with pytest.raises(UsageError, match="scroll\\(\\): .*direction"):
        ai.scroll("sideways")
    with pytest.raises(UsageError, match="wait"):
        ai.wait(-1)


def test_act_needs_a_model_engine(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    ai = Agent.for_page(executor.page, trace_dir=None)
    with pytest.raises(StepFailed, match="--engine qwen3vl"):
        ai.act("click every button")
