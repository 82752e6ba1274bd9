"""A corpus of malformed and hostile model answers: each is parsed or refused cleanly, and
nothing is ever placed outside the screenshot."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actions.schema import Click, Drag, Hover, Scroll, TypeText
from agent.errors import ModelError
from perception.parsing import groundings_to_elements, parse_groundings, plan_from_text

SIZE = (1280, 800)


def _call(action: str, **args: Any) -> str:
    payload = {"name": "computer_use", "arguments": {"action": action, **args}}
    return f"<tool_call>\n{json.dumps(payload)}\n</tool_call>"


VALID_PLANS = [
    _call("left_click", coordinate=[500, 500]),
    _call("double_click", coordinate=[10, 990]),
    _call("type", text="hello"),
    _call("key", keys=["ctrl", "a"]),
    _call("scroll", coordinate=[500, 500], pixels=-300),
    _call("left_click_drag", coordinate=[900, 900]),
    _call("terminate", status="success"),
    _call("answer", text="42"),
]
VALID_BOXES = [
    '```json\n[{"bbox_2d": [100, 200, 300, 400], "label": "Sign in"}]\n```',
    '{"point_2d": [500, 500], "label": "x"}',
]
BAD_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e308", "-1", "1001", "99999999999999999999",
               '"12"', "null", "[]", "{}", "true", "0.5e3", "-0"]  # fmt: skip
JUNK = [
    "", " ", "null", "[]", "{}", "```", "```json\n", "<tool_call>", "</tool_call>",
    "<tool_call>\n{}\n</tool_call>", "<tool_call>\nnot json\n</tool_call>",
    '<tool_call>\n{"name": "computer_use"}\n</tool_call>',
    '<tool_call>\n{"name": "computer_use", "arguments": "left_click"}\n</tool_call>',
    '<tool_call>\n{"name": "shell", "arguments": {"cmd": "rm -rf /"}}\n</tool_call>',
    _call("rm_rf"), _call("left_click"), _call("left_click", coordinate="500,500"),
    _call("left_click", coordinate=[500]), _call("left_click", coordinate=[1, 2, 3]),
    _call("left_click", coordinate={"x": 1, "y": 2}), _call("type"), _call("type", text=None),
    _call("key", keys="ctrl+a+b+c+d+e+f" * 50), _call("scroll", pixels="many"),
    _call("terminate", status="maybe"), _call("mouse_move", coordinate=[-5, 5]),
    "<script>alert(1)</script>", "\x00\x01\x02", "😀" * 1000, "[" * 100_000, "{" * 100_000,
    '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 10_000 + "]" * 10_000,
    '{"bbox_2d": [1, 2, 3, 4]' * 1000, "x" * 1_000_000,
    '[{"bbox_2d": [900, 900, 100, 100]}]', '[{"bbox_2d": [0, 0, 0, 0]}]',
    '[{"bbox_2d": [1000, 1000, 1000, 1000]}]', '[{"bbox_2d": "0 0 10 10"}]',
    '[{"point_2d": [1000, 1000]}]', '[{"point_2d": [-1, 5]}]',
]  # fmt: skip


def _corpus() -> list[str]:
    answers = list(JUNK)
    for text in VALID_PLANS + VALID_BOXES:
        answers += [text[:cut] for cut in range(0, len(text), max(1, len(text) // 12))]
        for number in BAD_NUMBERS:
            answers.append(text.replace("500", number, 1).replace("100", number, 1))
        answers.append(text + text)  # two answers in one
        answers.append("I think so.\n" + text + "\nDone.")
    return answers


CORPUS = _corpus()


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 200


def _inside(x: float, y: float) -> bool:
    return 0 <= x < SIZE[0] and 0 <= y < SIZE[1]


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_a_hostile_plan_is_parsed_or_refused_and_never_clicks_off_screen(index: int) -> None:
    text = CORPUS[index]
    try:
        plan = plan_from_text(text, SIZE)
    except ModelError:
        return  # refused cleanly: the loop records it and tells the model
    action = plan.action
    if action is None and plan.drag_to is not None:  # a drag from the pointer: its end counts
        assert _inside(plan.drag_to.x, plan.drag_to.y), (text[:200], plan.drag_to)
        return
    if action is None:
        assert plan.done
        return
    points = []
    if isinstance(action, Click | Hover):
        points.append(action.point)
    elif isinstance(action, TypeText | Scroll) and action.point is not None:
        points.append(action.point)
    elif isinstance(action, Drag):
        points += [action.start, action.end]
    for point in points:
        assert _inside(point.x, point.y), (text[:200], point)


@pytest.mark.parametrize("index", range(len(CORPUS)))
def test_a_hostile_grounding_yields_only_boxes_on_screen(index: int) -> None:
    elements, _ = groundings_to_elements(parse_groundings(CORPUS[index]), SIZE, engine="t")
    for element in elements:
        x, y = element.point
        assert _inside(x, y)
        assert 0 <= element.box.x0 <= element.box.x1 <= SIZE[0]
        assert 0 <= element.box.y0 <= element.box.y1 <= SIZE[1]
