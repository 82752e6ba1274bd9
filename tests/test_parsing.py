"""Model text -> pixels: golden outputs in Qwen3-VL's formats, and hostile ones refused."""

from __future__ import annotations

import json
import math

import pytest

from actions.schema import Click, Drag, Hover, Press, Scroll, TypeText, Wait
from agent.errors import CoordinateError
from perception.coords import box_to_pixels, pixels_to_grid, point_to_pixels
from perception.parsing import (
    ModelOutputError,
    groundings_to_elements,
    json_values,
    parse_groundings,
    parse_tool_calls,
    parse_value,
    parse_yes_no,
    plan_from_text,
)
from tests.conftest import ROOT

GOLDEN = json.loads((ROOT / "tests/fixtures/golden/model_outputs.json").read_text())


@pytest.mark.parametrize("case", GOLDEN, ids=[c["name"] for c in GOLDEN])
@pytest.mark.parametrize("size", ["1280x800", "1920x1080", "390x844"])
def test_golden_boxes(case: dict, size: str) -> None:  # type: ignore[type-arg]
    width, height = (int(v) for v in size.split("x"))
    elements, _ = groundings_to_elements(
        parse_groundings(case["text"]), (width, height), engine="qwen3vl"
    )
    got = [[round(v, 1) for v in e.box.as_list()] for e in elements]
    assert got == case["boxes"][size]
    for element in elements:
        assert 0 <= element.box.x0 < element.box.x1 <= width
        assert 0 <= element.box.y0 < element.box.y1 <= height


def test_the_grid_divisor_is_one_setting() -> None:
    assert point_to_pixels([999, 999], (1000, 1000), divisor=999) == (999, 999)
    assert point_to_pixels([500, 500], (1280, 800)) == (640, 400)
    assert box_to_pixels([0, 0, 500, 500], (1280, 800), divisor=500).as_list() == [0, 0, 1280, 800]
    assert pixels_to_grid(640, 400, (1280, 800)) == (500, 500)


@pytest.mark.parametrize(
    "values", [[1001, 5], [-1, 5], [math.nan, 3], [math.inf, 3], ["5", 3], [True, 3], [1, 2, 3]]
)
def test_off_grid_or_non_numbers_are_refused(values: list) -> None:  # type: ignore[type-arg]
    with pytest.raises(CoordinateError):
        point_to_pixels(values, (1280, 800))


def test_json_values_survive_junk() -> None:
    assert json_values('x {"a": 1} y [2, 3] {broken') == [{"a": 1}, [2, 3]]
    assert json_values('```json\n{"a": 1}\n```\n{"b": 2}') == [{"a": 1}]
    assert json_values("[" * 5000) == []  # deep nesting: no RecursionError
    assert json_values("") == []


PLAN_CASES = [
    ('<tool_call>\n{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [500, 500]}}\n</tool_call>',
     Click, {"point": {"x": 640.0, "y": 400.0}, "clicks": 1, "button": "left"}),
    ('Thought: open it.\n<tool_call>\n{"name": "computer_use", "arguments": {"action": "double_click", "coordinate": [0, 0]}}\n</tool_call>',
     Click, {"clicks": 2}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "right_click", "coordinate": [10, 10]}}</tool_call>',
     Click, {"button": "right"}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "key", "keys": ["ctrl", "a"]}}</tool_call>',
     Press, {"keys": "Control+a"}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "type", "text": "héllo"}}</tool_call>',
     TypeText, {"text": "héllo", "clear": False}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": -300}}</tool_call>',
     Scroll, {"dy": 300.0}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "mouse_move", "coordinate": [250, 250]}}</tool_call>',
     Hover, {"point": {"x": 320.0, "y": 200.0}}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "left_click_drag", "start_coordinate": [0, 0], "coordinate": [500, 500]}}</tool_call>',
     Drag, {"end": {"x": 640.0, "y": 400.0}}),
    ('<tool_call>{"name": "computer_use", "arguments": {"action": "wait", "time": 2}}</tool_call>',
     Wait, {"seconds": 2.0}),
    ('{"name": "computer_use", "arguments": "{\\"action\\": \\"left_click\\", \\"coordinate\\": [1, 1]}"}',
     Click, {}),
]  # fmt: skip


@pytest.mark.parametrize("text,kind,fields", PLAN_CASES)
def test_tool_calls_become_actions(text: str, kind: type, fields: dict) -> None:  # type: ignore[type-arg]
    plan = plan_from_text(text, (1280, 800))
    assert isinstance(plan.action, kind) and not plan.done
    dumped = plan.action.model_dump()
    for key, value in fields.items():
        assert dumped[key] == value
    assert plan.call is not None and plan.raw == text


def test_terminate_and_answer_end_the_goal() -> None:
    done = plan_from_text(
        'Done.<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>',
        (100, 100),
    )  # fmt: skip
    assert done.done and done.success and done.action is None and done.reason == "Done."
    failed = plan_from_text(
        '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "failure"}}</tool_call>',
        (100, 100),
    )  # fmt: skip
    assert failed.done and not failed.success
    answer = plan_from_text(
        '<tool_call>{"name": "computer_use", "arguments": {"action": "answer", "text": "42"}}</tool_call>',
        (100, 100),
    )  # fmt: skip
    assert answer.done and answer.answer == "42"


@pytest.mark.parametrize(
    "text",
    [
        "I will click the button.",
        '<tool_call>{"name": "computer_use", "arguments": {"action": "fly"}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click"}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "key", "keys": []}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "scroll", "pixels": 1e99}}</tool_call>',
        '<tool_call>{"name": "other_tool", "arguments": {"action": "left_click", "coordinate": [1, 1]}}</tool_call>',
        '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1, 2, 3]',
    ],
)
def test_unusable_plans_are_refused_with_the_raw_text(text: str) -> None:
    with pytest.raises(ModelOutputError) as info:
        plan_from_text(text, (1280, 800))
    assert info.value.raw == text


def test_off_grid_clicks_are_never_planned() -> None:
    with pytest.raises(CoordinateError):
        plan_from_text(
            '<tool_call>{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [1500, 20]}}</tool_call>',
            (1280, 800),
        )  # fmt: skip


def test_yes_no_and_values() -> None:
    assert parse_yes_no('{"answer": "yes", "reason": "it says so"}') == (True, "it says so")
    assert parse_yes_no('```json\n{"answer": "no", "reason": "absent"}\n```')[0] is False
    assert parse_yes_no("No, it is not there.")[0] is False
    with pytest.raises(ModelOutputError):
        parse_yes_no("perhaps")
    assert parse_value('{"value": "Total: 170 EUR"}') == "Total: 170 EUR"
    assert parse_value('{"value": 170}') == "170"
    with pytest.raises(ModelOutputError):
        parse_value("I cannot read it")


def test_element_lists_keep_type_and_purpose() -> None:
    text = '```json\n[{"bbox_2d": [10, 10, 90, 50], "label": "Sign in", "type": "button", "purpose": "submits the form"}]\n```'
    (element,), _ = groundings_to_elements(parse_groundings(text), (1000, 1000), engine="qwen3vl")
    assert element.role == "button" and element.purpose == "submits the form"
    assert element.summary()["purpose"] == "submits the form"


def test_several_tool_calls_take_the_first() -> None:
    calls = parse_tool_calls(
        '<tool_call>{"name": "computer_use", "arguments": {"action": "wait", "time": 1}}</tool_call>'
        '<tool_call>{"name": "computer_use", "arguments": {"action": "terminate", "status": "success"}}</tool_call>'
    )  # fmt: skip
    assert [c.arguments["action"] for c in calls] == ["wait", "terminate"]
