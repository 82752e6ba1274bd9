"""The in-process Qwen3-VL engine on tiny models built here: real classes, real generate."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from agent.engines import EngineSettings, make_engine
from agent.errors import MissingDependency, ModelOutputError, UsageError
from agent.runner import run_task
from agent.taskfile import load_task
from perception.qwen3vl import Qwen3VLEngine
from tests.conftest import SQUARE_GOAL, write_square_task


def test_a_tiny_checkpoint_loads_and_generates_on_a_real_screenshot(
    tiny_qwen: Path, executor: Any, site: Any
) -> None:
    executor.page.goto(site.url_for("tasks/sites/login.html"))
    shot = executor.capture()
    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    # Random weights answer gibberish: the engine must say so, with the text, and not click.
    with pytest.raises(ModelOutputError) as info:
        engine.locate(shot, "the Sign in button")
    assert info.value.raw and engine.last_raw == info.value.raw
    assert engine.device == "cpu" and str(engine.model.dtype) == "torch.float32"
    if importlib.util.find_spec("torchvision") is None:
        assert type(engine.processor).__name__ == "ImageOnlyQwen3VLProcessor"


def test_the_model_loads_once_per_process(tiny_qwen: Path) -> None:
    first = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    second = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    assert first.model is second.model


def test_the_image_budget_caps_visual_tokens(tiny_qwen: Path, executor: Any) -> None:
    from PIL import Image

    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu", max_pixels=256 * 32 * 32)
    big = Image.new("RGB", (3840, 2160), "white")
    inputs = engine.inputs(engine.locate_messages("x"), big)
    t, h, w = (int(v) for v in inputs["image_grid_thw"][0])
    assert h * w * 16 * 16 <= 256 * 32 * 32  # patches of 16 px, within the budget
    assert abs((w / h) - (3840 / 2160)) < 0.1  # the aspect ratio is kept


def test_moe_top_k_overrides_every_router(tiny_qwen_moe: Path) -> None:
    def top_ks(engine: Qwen3VLEngine) -> set[int]:
        return {m.top_k for m in engine.model.modules() if hasattr(m, "top_k")}

    assert top_ks(Qwen3VLEngine(str(tiny_qwen_moe), device="cpu")) == {2}
    assert top_ks(Qwen3VLEngine(str(tiny_qwen_moe), device="cpu", moe_top_k=1)) == {1}


def test_missing_weights_say_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(MissingDependency, match="huggingface-cli download"):
        Qwen3VLEngine(str(tmp_path / "nowhere"), device="cpu").load()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(MissingDependency, match="point --model|pass --model"):
        Qwen3VLEngine("Qwen/Qwen3-VL-2B-Instruct", device="cpu").load()


def test_quantization_needs_cuda(tiny_qwen: Path) -> None:
    with pytest.raises(UsageError, match="CUDA"):
        Qwen3VLEngine(str(tiny_qwen), device="cpu", quantize="4bit").load()


def test_engine_options_are_checked() -> None:
    with pytest.raises(UsageError, match="needs --model"):
        make_engine(settings=EngineSettings(engine="qwen3vl"))
    with pytest.raises(UsageError, match="needs --endpoint"):
        make_engine(settings=EngineSettings(engine="openai", model="m"))


def test_a_taught_model_drives_a_real_click_in_process(
    taught_qwen: Path, square_shots: Any, tmp_path: Path, browser: Any
) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(taught_qwen)))
    before, _ = square_shots
    found = engine.locate(before, "the green square")
    assert found.element is not None
    # The grid has 1000 steps: a 300 px side is exact to a third of a pixel.
    assert found.element.box.as_list() == pytest.approx([230, 120, 330, 220], abs=0.5)
    task = write_square_task(tmp_path, "  - click: the green square\n")
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    step = trace.steps[0]
    assert trace.status == "passed", step.error
    assert step.engine == "qwen3vl" and "bbox_2d" in (step.model_output or "")


def test_expect_and_extract_ask_the_model(taught_qwen: Path, tmp_path: Path, browser: Any) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(taught_qwen)))
    task = write_square_task(
        tmp_path,
        "  - click: the green square\n  - expect: Square pressed\n  - extract: the status text\n",
    )
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed", [s.error for s in trace.steps]
    _, expect, extract = trace.steps
    assert expect.engine == "qwen3vl" and '"answer": "yes"' in (expect.model_output or "")
    assert extract.output == "Square pressed" and trace.outputs == {
        "the status text": "Square pressed"
    }


def test_auto_asks_the_model_only_when_the_offline_engine_is_unsure(
    taught_qwen: Path, tmp_path: Path, browser: Any
) -> None:
    engine = make_engine(settings=EngineSettings(engine="auto", model=str(taught_qwen)))
    task = write_square_task(
        tmp_path,
        "  - expect: Nothing yet\n  - click: the green square\n  - expect: Square pressed\n",
    )
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed", [s.error for s in trace.steps]
    first, click, last = trace.steps
    assert first.engine == "offline/dom" and last.engine == "offline/dom"
    assert click.engine == "qwen3vl"
    assert any(note.startswith("offline best") for note in click.notes)


def test_a_goal_step_plans_acts_and_terminates(
    taught_qwen: Path, tmp_path: Path, browser: Any
) -> None:
    engine = make_engine(settings=EngineSettings(model=str(taught_qwen)))
    task = write_square_task(tmp_path, f"  - goal: {SQUARE_GOAL}\n  - expect: Square pressed\n")
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    goal = trace.steps[0]
    assert trace.status == "passed", goal.error
    assert [entry["call"]["action"] for entry in goal.plan] == ["left_click", "terminate"]
    assert goal.plan[0]["changed"] is True and goal.plan[1]["success"] is True
    assert goal.plan[0]["reason"] == "I click the square." and "<tool_call>" in goal.plan[0]["raw"]
    assert goal.action is not None and goal.action["type"] == "click"


def test_unparseable_answers_are_retried_then_fail_with_the_raw_text(
    tiny_qwen: Path, tmp_path: Path, browser: Any
) -> None:
    engine = make_engine(settings=EngineSettings(engine="qwen3vl", model=str(tiny_qwen)))
    task = write_square_task(tmp_path, "  - click: the green square\n", extra="retries: 2\n")
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    step = trace.steps[0]
    assert trace.status == "failed" and step.attempts == 3
    assert "no usable box" in (step.error or "") and "the model said" in (step.error or "")
    assert step.model_output and step.action is None, "nothing was clicked"


def test_locate_on_an_image_with_the_model_from_the_cli(
    taught_qwen: Path, square_shots: Any, tmp_path: Path
) -> None:
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    image = tmp_path / "square.png"
    square_shots[0].image.save(image)
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "locate", str(image), "the green square",
         "--engine", "qwen3vl", "--model", str(taught_qwen)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    element = json.loads(result.stdout)
    assert element["engine"] == "qwen3vl"
    assert element["point"] == pytest.approx([280, 170], abs=1)


def test_int8_quantises_the_language_model_and_still_generates(
    taught_qwen: Path, square_shots: tuple[Any, Any]
) -> None:
    from tests.conftest import SQUARE_BOX

    fp32 = Qwen3VLEngine(str(taught_qwen), device="cpu")
    int8 = Qwen3VLEngine(str(taught_qwen), device="cpu", quantize="int8")
    import torch
    from torch.ao.nn.quantized.dynamic import Linear as Int8Linear

    language = list(int8.model.model.language_model.modules())
    assert any(isinstance(m, Int8Linear) for m in language)
    assert not any(type(m) is torch.nn.Linear for m in language)
    assert isinstance(int8.model.lm_head, Int8Linear)
    vision = list(int8.model.model.visual.modules())
    assert not any(isinstance(m, Int8Linear) for m in vision)  # the vision encoder stays fp32
    assert fp32.model is not int8.model
    # The taught model still finds its square after quantisation.
    found = int8.locate(square_shots[0], "the green square").element
    assert found is not None
    x, y = found.point
    assert SQUARE_BOX[0] <= x <= SQUARE_BOX[2] and SQUARE_BOX[1] <= y <= SQUARE_BOX[3]


def test_int8_is_for_cpus(tiny_qwen: Path) -> None:
    with pytest.raises(UsageError, match="int8 is for CPUs"):
        Qwen3VLEngine(str(tiny_qwen), device="cuda", quantize="int8").load()
