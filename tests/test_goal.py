"""The goal loop's own logic, driven by a scripted planner (the model path has its own tests)."""

from __future__ import annotations

from typing import Any

import pytest

from perception.engine import Plan
from perception.offline import OfflineEngine
from perception.parsing import plan_from_text
from tests.conftest import page_url
from tests.helpers import log_lines, run_steps


class ScriptedPlanner(OfflineEngine):
    """Answers plan() from a list of model texts; everything else as the offline engine."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.histories: list[list[str]] = []
        self.last_raw: str | None = None

    def plan(self, screenshot: Any, goal: str, *, history: list[str]) -> Plan:
        self.histories.append(list(history))
        self.last_raw = self.answers.pop(0)
        return plan_from_text(self.last_raw, screenshot.size)


def call(action: str, **args: Any) -> str:
    import json

    return (
        "<tool_call>\n"
        + json.dumps({"name": "computer_use", "arguments": {"action": action, **args}})
        + "\n</tool_call>"
    )


def grid_of(executor: Any, selector: str) -> list[int]:
    box = executor.page.locator(selector).bounding_box()
    width, height = executor.page.viewport_size["width"], executor.page.viewport_size["height"]
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    return [round(x / width * 1000), round(y / height * 1000)]


def test_a_goal_acts_until_the_model_terminates(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    one = grid_of(executor, "#one")
    planner = ScriptedPlanner(
        [call("left_click", coordinate=one), call("terminate", status="success")]
    )
    records = run_steps(executor, "[{goal: Click One}]", engine=planner)
    assert records[0].status == "passed", records[0].error
    assert log_lines(executor) == ["clicked One"]
    assert planner.histories[1] == [f'{{"action": "left_click", "coordinate": {one}}}']


def test_a_repeated_action_on_an_unchanged_screen_is_noticed_then_fails(
    executor: Any, site: Any
) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    nothing = grid_of(executor, "#inert")
    planner = ScriptedPlanner([call("left_click", coordinate=nothing)] * 5)
    records = run_steps(executor, "[{goal: Make something happen}]", engine=planner)
    record = records[0]
    assert record.status == "failed"
    assert "repeated" in (record.error or "") and "unchanged screen" in (record.error or "")
    assert "did not change" in planner.histories[2][-1], "the model is told"
    assert len(record.plan) == 3


def test_unusable_answers_are_fed_back_then_fail_with_the_raw_text(
    executor: Any, site: Any
) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    planner = ScriptedPlanner(["I think I should click.", "Hmm.", "<tool_call>{oops"])
    records = run_steps(executor, "[{goal: Click One}]", engine=planner)
    record = records[0]
    assert record.status == "failed" and "no computer_use tool call" in (record.error or "")
    assert [entry["raw"] for entry in record.plan] == [
        "I think I should click.",
        "Hmm.",
        "<tool_call>{oops",
    ]
    assert "could not be used" in planner.histories[1][0]
    assert record.model_output == "<tool_call>{oops"


def test_the_model_giving_up_fails_the_step(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    planner = ScriptedPlanner(["No such button.\n" + call("terminate", status="failure")])
    records = run_steps(executor, "[{goal: Buy a unicorn}]", engine=planner)
    assert records[0].status == "failed" and "gave up: No such button." in (records[0].error or "")


def test_max_steps_bounds_a_goal(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    planner = ScriptedPlanner([call("scroll", pixels=-200), call("scroll", pixels=200)] * 3)
    records = run_steps(executor, "[{goal: {goal: Wander, max_steps: 4}}]", engine=planner)
    assert records[0].status == "failed" and "after 4 actions" in (records[0].error or "")
    assert len(records[0].plan) == 4


def test_off_grid_coordinates_are_never_clicked(executor: Any, site: Any) -> None:
    executor.page.goto(page_url(site, "verbs.html"))
    planner = ScriptedPlanner([call("left_click", coordinate=[1500, -3])] * 3)
    records = run_steps(executor, "[{goal: Click outside}]", engine=planner)
    assert records[0].status == "failed" and "outside the 0-1000 grid" in (records[0].error or "")
    assert log_lines(executor) == []
    assert len(records[0].plan) == 3 and "could not be used" in planner.histories[1][0]


# -- goals in the locate cache -------------------------------------------------------------------
def test_a_successful_goal_is_recorded_then_replayed_without_the_model(
    make_executor: Any, site: Any, tmp_path: Any
) -> None:
    from agent.cache import LocateCache

    cache = LocateCache(tmp_path / "goal.cache.yaml")
    first = make_executor()
    first.page.goto(page_url(site, "verbs.html"))
    one = grid_of(first, "#one")
    planner = ScriptedPlanner(
        [call("left_click", coordinate=one), call("terminate", status="success")]
    )
    (record,) = run_steps(first, "[{goal: Click One}]", engine=planner, cache=cache)
    assert record.status == "passed" and record.cache == "live"
    cache.save()

    again = make_executor()
    again.page.goto(page_url(site, "verbs.html"))
    silent = ScriptedPlanner([])  # asked anything, it would fail the step
    replay = LocateCache(tmp_path / "goal.cache.yaml")
    (record,) = run_steps(again, "[{goal: Click One}]", engine=silent, cache=replay)
    assert record.status == "passed", record.error
    assert record.cache == "hit" and silent.histories == []
    assert log_lines(again) == ["clicked One"]


def test_a_replay_that_stops_fitting_hands_over_to_the_model_midway(
    make_executor: Any, site: Any, tmp_path: Any
) -> None:
    import yaml

    from agent.cache import LocateCache

    cache = LocateCache(tmp_path / "goal.cache.yaml")
    first = make_executor()
    first.page.goto(page_url(site, "verbs.html"))
    one, three = grid_of(first, "#one"), grid_of(first, "#three")
    planner = ScriptedPlanner([
        call("left_click", coordinate=one), call("right_click", coordinate=three),
        call("terminate", status="success"),
    ])  # fmt: skip
    goal = "[{goal: Click One then right-click Three}]"
    (record,) = run_steps(first, goal, engine=planner, cache=cache)
    assert record.status == "passed"
    cache.save()

    # The page changed where the second action acts: Three now reads "Drei".
    again = make_executor()
    again.page.goto(page_url(site, "verbs.html"))
    again.page.evaluate("document.querySelector('#three').textContent = 'Drei'")
    live = ScriptedPlanner([call("right_click", coordinate=three),
                            call("terminate", status="success")])  # fmt: skip
    replay = LocateCache(tmp_path / "goal.cache.yaml")
    (record,) = run_steps(again, goal, engine=live, cache=replay)
    assert record.status == "passed", record.error
    assert record.cache == "miss"
    assert live.histories[0] == [f'{{"action": "left_click", "coordinate": {one}}}']
    assert log_lines(again) == ["clicked One", "right clicked Three"]
    assert any("recorded action 2 no longer fits" in n for n in record.notes)
    replay.save()  # the live plan succeeded: the recording now matches the new page
    (plan,) = yaml.safe_load((tmp_path / "goal.cache.yaml").read_text())["plans"]
    assert [a["action"]["type"] for a in plan["actions"]] == ["click", "click"]


def test_a_failed_goal_does_not_replace_the_recording(
    make_executor: Any, site: Any, tmp_path: Any
) -> None:
    from agent.cache import LocateCache

    path = tmp_path / "goal.cache.yaml"
    first = make_executor()
    first.page.goto(page_url(site, "verbs.html"))
    one = grid_of(first, "#one")
    cache = LocateCache(path)
    run_steps(first, "[{goal: Click One}]", cache=cache, engine=ScriptedPlanner(
        [call("left_click", coordinate=one), call("terminate", status="success")]))  # fmt: skip
    cache.save()
    recorded = path.read_text()
    again = make_executor()
    again.page.goto(page_url(site, "verbs.html"))
    again.page.evaluate("document.querySelector('#one').textContent = 'Eins'")
    cache = LocateCache(path)
    (record,) = run_steps(again, "[{goal: Click One}]", cache=cache, engine=ScriptedPlanner(
        [call("terminate", status="failure")]))  # fmt: skip
    assert record.status == "failed"
    cache.save()
    assert path.read_text() == recorded


def test_a_drag_from_the_pointer_starts_where_the_last_action_left_it(
    executor: Any, site: Any
) -> None:
    """Qwen's left_click_drag names only its end; before anything placed the pointer, the model
    is told to mouse_move first instead of the drag starting anywhere."""
    executor.page.goto(page_url(site, "verbs.html"))
    card, archive = grid_of(executor, "#card"), grid_of(executor, "#to")
    box = executor.page.locator("#card").bounding_box()
    planner = ScriptedPlanner(
        [
            call("left_click_drag", coordinate=archive),
            call("mouse_move", coordinate=card),
            call("left_click_drag", coordinate=archive),
            call("terminate", status="success"),
        ]
    )
    records = run_steps(executor, "[{goal: Move the card to the archive}]", engine=planner)
    record = records[0]
    assert record.status == "passed", record.error
    assert "mouse_move to where the drag starts first" in record.plan[0]["error"]
    drag = record.plan[2]["action"]
    assert drag["type"] == "drag" and drag["start"]["x"] == pytest.approx(
        box["x"] + box["width"] / 2, abs=3
    )
    assert "dropped in Archive" in log_lines(executor)
