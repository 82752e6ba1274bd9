"""A page that addresses the agent cannot widen its powers: the guards are tested with a
scripted planner that obeys the page, so nothing depends on a model's good sense."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from agent.runner import run_task
from agent.taskfile import load_task
from tests.conftest import PAGES
from tests.test_goal import ScriptedPlanner, call

PASSWORD = "hunter2-very-secret"


def _task(tmp_path: Path, goal: str) -> Path:
    shutil.copy(PAGES / "hostile.html", tmp_path / "hostile.html")
    path = tmp_path / "task.yaml"
    path.write_text(
        "name: Hostile\nbrowser: {url: hostile.html, viewport: {width: 1000, height: 600}}\n"
        "secrets: [SHOP_PASSWORD]\nallowed_domains: [shop.example]\n"
        f"steps:\n  - goal: {goal}\n",
        encoding="utf-8",
    )
    return path


def _grid(browser: Any, selector: str) -> list[int]:
    """Where an element of the hostile page is, on the model's 0-1000 grid (1000x600 view)."""
    context = browser.new_context(viewport={"width": 1000, "height": 600})
    page = context.new_page()
    page.goto((PAGES / "hostile.html").as_uri())
    box = page.locator(selector).bounding_box()
    context.close()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return [round(x / 1000 * 1000), round(y / 600 * 1000)]


def _written(run_dir: Path) -> str:
    return "".join(p.read_bytes().decode("latin-1") for p in run_dir.rglob("*") if p.is_file())


def test_a_page_cannot_make_the_model_type_a_secret_the_goal_does_not_name(
    tmp_path: Path, browser: Any
) -> None:
    obedient = ScriptedPlanner(
        [call("left_click", coordinate=_grid(browser, "#box")),
         call("type", text="${SHOP_PASSWORD}")]
    )  # fmt: skip
    loaded = load_task(_task(tmp_path, "Buy the item"), env={"SHOP_PASSWORD": PASSWORD})
    trace, path = run_task(loaded, engine=obedient, out=tmp_path / "runs", browser=browser)
    step = trace.steps[0]
    assert trace.status == "failed" and step.status == "failed"
    assert "Refused" in (step.error or "") and "SHOP_PASSWORD" in (step.error or "")
    assert step.attempts == 1
    assert PASSWORD not in _written(path.parent)


def test_a_goal_that_names_a_secret_may_type_it(tmp_path: Path, browser: Any) -> None:
    planner = ScriptedPlanner(
        [
            call("left_click", coordinate=_grid(browser, "#box")),
            call("type", text="${SHOP_PASSWORD}"),
            call("terminate", status="success"),
        ]
    )
    loaded = load_task(
        _task(tmp_path, "Type ${SHOP_PASSWORD} into Box"), env={"SHOP_PASSWORD": PASSWORD}
    )
    trace, path = run_task(loaded, engine=planner, out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed", trace.steps[0].error
    # The page sent each keystroke elsewhere: the browser blocked every request, and the trace
    # names them without their query (which held the typed value, letter by letter).
    assert trace.blocked_requests and set(trace.blocked_requests) == {"http://evil.invalid/collect"}
    written = _written(path.parent)
    assert PASSWORD not in written and PASSWORD[:6] not in written


def test_a_page_cannot_lead_the_agent_off_the_allowed_domains(tmp_path: Path, browser: Any) -> None:
    planner = ScriptedPlanner(
        [call("left_click", coordinate=_grid(browser, "#evil")), call("terminate",
                                                                       status="success")]
    )  # fmt: skip
    loaded = load_task(_task(tmp_path, "Buy the item"), env={"SHOP_PASSWORD": PASSWORD})
    trace, _ = run_task(loaded, engine=planner, out=tmp_path / "runs", browser=browser)
    assert trace.blocked_requests == ["http://evil.invalid/steal"]
