"""The trace on disk while a run goes on: a failed step is there at once, with its screenshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from actions.playwright import PlaywrightExecutor
from agent.api import Agent
from agent.errors import StepFailed
from perception.offline import OfflineEngine
from tests.conftest import ROOT


def test_a_failed_step_is_on_disk_with_its_screenshot_before_the_run_ends(
    tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Passing steps are written at most once a second; make that never, to see that a failure
    # does not wait for it.
    monkeypatch.setattr("agent.trace.CHECKPOINT_S", 3600.0)
    page = browser.new_page()
    page.goto((ROOT / "tasks" / "sites" / "login.html").as_uri())
    ai = Agent(PlaywrightExecutor(page), OfflineEngine(), trace_dir=tmp_path, retries=0)
    ai.type("alice", into="Username")
    with pytest.raises(StepFailed) as failed:
        ai.click("the Launch rockets button", timeout=0.2)
    # The script may stop here (or crash): what it was told must already be on disk.
    assert failed.value.trace is not None and failed.value.screenshot is not None
    written = json.loads(failed.value.trace.read_text(encoding="utf-8"))
    assert [s["status"] for s in written["steps"]] == ["passed", "failed"]
    for step in written["steps"]:
        assert (failed.value.trace.parent / step["screenshot"]).stat().st_size > 1000
    ai.close("failed")
    page.close()
