"""What a user with real Qwen3-VL weights meets around the model, on the tests' tiny checkpoints:
slow answers and retries, the official drag, a broken torchvision, decoding, image sizes,
grouped calls and prompt profiles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from agent.engines import EngineSettings, make_engine
from agent.errors import UsageError
from agent.runner import run_task
from agent.taskfile import load_task
from perception.coords import pixels_to_grid
from perception.profiles import PROFILE_FILE, load_profile
from perception.qwen3vl import Qwen3VLEngine
from tests.conftest import ROOT, SQUARE_BOX, page_url, write_square_task
from tests.helpers import run_steps

SLIDER_GOAL = "Turn the volume all the way up"
BOX_PROFILE = {
    "name": "bare-boxes",
    "ground": "Outline the position corresponding to the instruction: {description}. "
    "The output should be only [x1,y1,x2,y2].",
    "answer": "box_list",
}


def _call(action: str, **args: Any) -> dict[str, Any]:
    return {"name": "computer_use", "arguments": {"action": action, **args}}


def _said(call: dict[str, Any], thought: str) -> str:
    return f"{thought}\n<tool_call>\n{json.dumps(call)}\n</tool_call>"


@pytest.fixture(scope="module")
def slider_shots(browser: Any, site: Any) -> dict[str, Any]:
    """The slider page before, with the pointer on its knob, and after a drag to 100 (each as
    the executor captures it after its own actions); the knob and the track's end in pixels."""
    from actions.playwright import PlaywrightExecutor
    from actions.schema import Drag, Hover, Point

    context = browser.new_context(viewport={"width": 400, "height": 300})
    executor = PlaywrightExecutor(context.new_page())
    executor.page.goto(page_url(site, "slider.html"))
    box = executor.page.locator("#volume").bounding_box()
    start = Point(x=box["x"] + 6, y=box["y"] + box["height"] / 2)
    end = Point(x=box["x"] + box["width"] + 20, y=start.y)
    shots = {"before": executor.capture()}
    executor.perform(Hover(point=start))
    shots["pointed"] = executor.capture()
    executor.perform(Drag(start=start, end=end))
    assert executor.page.locator("#volume").input_value() == "100"
    shots["after"] = executor.capture()
    context.close()
    return {**shots, "start": (start.x, start.y), "end": (end.x, end.y)}


@pytest.fixture(scope="module")
def dragging_qwen(
    tmp_path_factory: pytest.TempPathFactory,
    tiny_qwen: Path,
    slider_shots: dict[str, Any],
    square_shots: Any,
) -> Path:
    """The tiny model taught the official drag (mouse_move, then left_click_drag with only its
    end, then terminate) and, through a prompt profile in its folder, bare-list grounding."""
    from perception.profiles import PromptProfile
    from tests.fixtures.overfit import teach

    size = slider_shots["before"].size
    move = _call("mouse_move", coordinate=list(pixels_to_grid(*slider_shots["start"], size)))
    end = [min(999, v) for v in pixels_to_grid(*slider_shots["end"], size)]
    drag = _call("left_click_drag", coordinate=end)
    stop = _call("terminate", status="success")
    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu", profile=PromptProfile(**BOX_PROFILE))
    moved = json.dumps(move["arguments"])
    dragged = json.dumps(drag["arguments"])
    still = moved + " (the screen did not change)"
    box = [*pixels_to_grid(*SQUARE_BOX[:2], size), *pixels_to_grid(*SQUARE_BOX[2:], size)]
    examples = [
        (engine.plan_messages(SLIDER_GOAL, []), slider_shots["before"].image,
         _said(move, "I point at the knob.")),
        # A hover changes no state, so the history says so; the knob's outline shows it.
        (engine.plan_messages(SLIDER_GOAL, [still]),
         slider_shots["pointed"].image, _said(drag, "I drag it to the end.")),
        (engine.plan_messages(SLIDER_GOAL, [still, dragged]), slider_shots["after"].image,
         _said(stop, "The volume is at 100.")),
        (engine.locate_messages("the green square"), square_shots[0].image, json.dumps(box)),
    ]  # fmt: skip
    out = tmp_path_factory.mktemp("dragging-qwen3vl")
    loss = teach(engine, examples, steps=500, out=out)
    assert loss < 0.05, f"the tiny model did not learn its answers (loss {loss:.3f})"
    (out / PROFILE_FILE).write_text(json.dumps(BOX_PROFILE), encoding="utf-8")
    return out


# -- 1. model time and the step's timeout -----------------------------------------------------
def test_a_slow_model_still_gets_its_retries(
    tiny_qwen: Path, tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CPU answer takes longer than the whole step timeout: before, the first (wrong)
    answer used it up and the step was never retried."""
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(tiny_qwen)))
    assert isinstance(engine, Qwen3VLEngine)
    real = engine.generate

    def slow(*args: Any, **kwargs: Any) -> str:
        time.sleep(2.5)  # a CPU's answer, scaled down with the timeout below
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "generate", slow)
    task = write_square_task(
        tmp_path, "  - click: the green square\n", extra="timeout: 2\nretries: 2\n"
    )
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    step = trace.steps[0]
    assert step.attempts == 3, step.notes
    assert trace.status == "failed" and "no usable box" in (step.error or "")
    assert engine.model_seconds >= 3 * 2.5


def test_model_time_is_excused_only_up_to_model_timeout(
    tiny_qwen: Path, tmp_path: Path, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(tiny_qwen)))
    real = engine.generate  # type: ignore[attr-defined]

    def slow(*args: Any, **kwargs: Any) -> str:
        time.sleep(2)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "generate", slow)
    task = write_square_task(
        tmp_path,
        "  - click: the green square\n",
        extra="timeout: 1\nmodel_timeout: 0.5\nretries: 5\n",
    )
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    assert trace.steps[0].attempts == 1  # 2 s of model time, 0.5 s excused: out of time


# -- 2. the official drag ----------------------------------------------------------------------
def test_a_goal_drags_in_the_official_dialect(
    dragging_qwen: Path, make_executor: Any, site: Any
) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(dragging_qwen)))
    executor = make_executor(viewport=(400, 300))
    executor.page.goto(page_url(site, "slider.html"))
    records = run_steps(executor, f"[{{goal: {SLIDER_GOAL}}}]", engine=engine)
    goal = records[0]
    assert goal.status == "passed", (goal.error, goal.plan)
    calls = [entry["call"]["action"] for entry in goal.plan]
    assert calls == ["mouse_move", "left_click_drag", "terminate"]
    assert "start_coordinate" not in goal.plan[1]["call"]
    assert goal.plan[1]["action"]["type"] == "drag"
    assert executor.page.locator("#volume").input_value() == "100"


def test_the_tool_block_is_the_official_one_without_a_start_coordinate(tiny_qwen: Path) -> None:
    """The project's planning prompt renders byte-identically to the chat template (written in
    the official format) called with ``tools=``: the model sees the block it was trained on."""
    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    tokenizer = engine.processor.tokenizer
    ours = engine.plan_messages(SLIDER_GOAL, [])
    intro = engine.profile.text("plan_system").split("\n\n# Tools")[0]
    theirs = [{"role": "system", "content": [{"type": "text", "text": intro}]}, ours[1]]
    tool = json.loads(engine.profile.tool_json())
    render = engine.processor.apply_chat_template
    assert render(ours, tokenize=False) == render(theirs, tools=[tool], tokenize=False)
    assert "start_coordinate" not in json.dumps(tool) and tokenizer is not None
    assert "from where it is" in json.dumps(tool)


# -- 3. a broken torchvision -------------------------------------------------------------------
def test_a_broken_torchvision_is_explained(tiny_qwen: Path, tmp_path: Path) -> None:
    """torchvision from PyPI beside the CPU torch fails to import; transformers then reported
    only "Could not import module 'Qwen3VLForConditionalGeneration'" in a raw traceback."""
    fake = tmp_path / "site"
    (fake / "torchvision").mkdir(parents=True)
    (fake / "torchvision" / "__init__.py").write_text(
        'raise RuntimeError("operator torchvision::nms does not exist")\n'
    )
    info = fake / "torchvision-0.29.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: torchvision\nVersion: 0.29.1\n")
    (info / "RECORD").write_text("")
    image = tmp_path / "white.png"
    from PIL import Image

    Image.new("RGB", (400, 300), "white").save(image)
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "locate", str(image), "the button",
         "--engine", "qwen3vl", "--model", str(tiny_qwen)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "PYTHONPATH": str(fake)},
    )  # fmt: skip
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "torchvision 0.29.1 is installed but does not load" in result.stderr
    assert "pip uninstall torchvision" in result.stderr


# -- 4. decoding per call kind ----------------------------------------------------------------
def test_temperature_samples_plans_and_lists_but_grounding_stays_greedy(
    taught_qwen: Path, square_shots: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = EngineSettings(engine="qwen3vl", model=str(taught_qwen), temperature=0.7)
    engine = make_engine(settings=settings)
    assert isinstance(engine, Qwen3VLEngine)
    seen: list[dict[str, Any]] = []
    real = engine.model.generate

    def spy(**kwargs: Any) -> Any:
        seen.append({k: v for k, v in kwargs.items() if k in ("do_sample", "temperature",
                                                                "top_p", "top_k")})  # fmt: skip
        return real(**kwargs)

    monkeypatch.setattr(engine.model, "generate", spy)
    found = engine.locate(square_shots[0], "the green square").element
    assert found is not None and seen[-1] == {"do_sample": False}
    engine.plan(square_shots[0], "Press the green square", history=[])
    assert seen[-1] == {"do_sample": True, "temperature": 0.7, "top_p": 0.8, "top_k": 20}
    engine.elements(square_shots[0])
    assert seen[-1]["do_sample"] is True
    greedy = Qwen3VLEngine(str(taught_qwen), device="cpu")
    assert greedy.temperature is None


def test_the_served_engine_sends_the_same_decoding(square_shots: Any) -> None:
    from perception.served import OpenAIEngine

    engine = OpenAIEngine("http://127.0.0.1:9/v1", "m", temperature=0.7)
    image = square_shots[0].image
    ground = engine.payload(engine.locate_messages("x"), image, max_new_tokens=9)
    plan = engine.payload(engine.plan_messages("g", []), image, max_new_tokens=9, kind="plan")
    assert ground["temperature"] == 0 and "top_p" not in ground
    assert plan["temperature"] == 0.7 and plan["top_p"] == 0.8


# -- 5. grouped calls --------------------------------------------------------------------------
def test_a_grouped_call_stops_once_its_answer_shows_no_box(
    tiny_qwen: Path, square_shots: Any
) -> None:
    """Random weights (or a model that does not follow the format) filled 64 tokens per target
    before the steps asked on their own: 185 s for a login form on a CPU."""
    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    found = engine.locate_many(square_shots[0], ["the user name", "the password", "Sign in"])
    assert found == {}
    assert engine.last_new_tokens <= 32, engine.last_new_tokens
    assert engine.guard_notes and "no box or point" in engine.guard_notes[0]


def test_a_looping_list_is_cut_and_each_box_kept_once() -> None:
    from perception.decoding import list_gone_wrong

    entry = '{"bbox_2d": [10, 10, 50, 30], "label": "OK"}'
    other = '{"bbox_2d": [60, 10, 90, 30], "label": "Cancel"}'
    assert list_gone_wrong(f"```json\n[{entry}, {other}", 30) is None
    looping = f"```json\n[{entry}, {other}, " + ", ".join([other] * 2)
    assert "repeats" in (list_gone_wrong(looping, 60) or "")
    assert "no box" in (list_gone_wrong("I see a page with a form and", 24) or "")


# -- 6. image sizes ----------------------------------------------------------------------------
def test_a_small_screenshot_gets_the_checkpoints_minimum(tiny_qwen: Path) -> None:
    from PIL import Image

    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    inputs = engine.inputs(engine.locate_messages("x"), Image.new("RGB", (320, 180), "white"))
    _, h, w = (int(v) for v in inputs["image_grid_thw"][0])
    assert (h // 2) * (w // 2) >= 64  # 65,536 pixels: 64 visual tokens (was 1,024 pixels)


# -- 7. prompt profiles ------------------------------------------------------------------------
def test_a_profile_in_the_model_folder_changes_prompt_and_answer_format(
    dragging_qwen: Path, square_shots: Any, tmp_path: Path, browser: Any
) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(dragging_qwen)))
    assert isinstance(engine, Qwen3VLEngine) and engine.profile.name == "bare-boxes"
    found = engine.locate(square_shots[0], "the green square").element
    assert found is not None
    assert found.box.as_list() == pytest.approx(list(SQUARE_BOX), abs=1.5)
    task = write_square_task(tmp_path, "  - click: the green square\n")
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed", trace.steps[0].error
    # --prompt-profile qwen3vl overrides the folder's
    named = make_engine(
        settings=EngineSettings(
            engine="qwen3vl", model=str(dragging_qwen), prompt_profile="qwen3vl"
        )
    )
    assert named.profile.answer == "json"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not a JSON profile"),
        ('{"answer": "xml"}', "answer"),
        ('{"colour": "red"}', "colour"),
        ('{"ground": "Find {thing}"}', "ground: not a template"),
    ],
)
def test_a_wrong_profile_names_the_file_and_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "profile.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=message) as info:
        load_profile(str(path))
    assert str(path) in str(info.value)
    with pytest.raises(UsageError, match="no file"):
        load_profile(str(tmp_path / "missing.json"))


def test_bare_answers_are_read_in_their_format() -> None:
    from perception.parsing import parse_groundings

    assert parse_groundings("[575, 400, 825, 733]", "box_list")[0].bbox == [575, 400, 825, 733]
    assert parse_groundings("The point is (512, 300).", "point_list")[0].point == [512, 300]
    assert parse_groundings("[[1, 2], [3, 4]]", "point_list")[1].point == [3, 4]
    assert parse_groundings("[575, 400, 825, 733]") == []  # Qwen's format wants objects
