"""A form's consecutive targets grounded in one model call, and only reused on the same screen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from PIL import Image

from agent.runner import run_task
from agent.taskfile import load_task
from perception.coords import pixels_to_grid
from perception.vlm import VlmEngine
from tests.conftest import PAGES

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "yellow": (255, 255, 0)}


class ColourModel(VlmEngine):
    """A stand-in for the model, to test the loop's own logic: it answers, for each colour
    named in its prompt, the box of that colour's pixels in the image it was given."""

    name = "colour-model"

    def __init__(self) -> None:
        super().__init__(max_pixels=400 * 300)
        self.prompts: list[str] = []

    def generate(self, messages: Any, image: Image.Image, *, max_new_tokens: int, **_: Any) -> str:
        text = messages[-1]["content"][-1]["text"]
        self.prompts.append(text)
        lines = [ln for ln in text.splitlines() if re.match(r"\d+\. ", ln)] or [text]
        answers = []
        for line in lines:
            colour = next(c for c in COLOURS if c in line)
            box = _box_of(image, COLOURS[colour])
            x0, y0 = pixels_to_grid(box[0], box[1], image.size)
            x1, y1 = pixels_to_grid(box[2], box[3], image.size)
            label = re.sub(r"^\d+\. ", "", line)
            answers.append({"bbox_2d": [x0, y0, x1, y1], "label": label})
        return json.dumps(answers)


def _box_of(image: Image.Image, rgb: tuple[int, int, int]) -> tuple[int, int, int, int]:
    rgb_image = image.convert("RGB")
    width, height = rgb_image.size
    pixels = rgb_image.load()
    points = [
        (x, y) for y in range(0, height, 2) for x in range(0, width, 2) if pixels[x, y] == rgb
    ]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs) + 1, max(ys) + 1


def _run(tmp_path: Path, browser: Any, steps: str) -> tuple[Any, ColourModel]:
    path = tmp_path / "squares.yaml"
    path.write_text(
        f"name: Squares\nbrowser: {{url: {PAGES / 'squares.html'}, "
        f"viewport: {{width: 400, height: 300}}}}\nsteps:\n{steps}",
        encoding="utf-8",
    )
    model = ColourModel()
    trace, _ = run_task(load_task(path), engine=model, out=tmp_path / "runs", browser=browser)
    return trace, model


def test_consecutive_targets_cost_one_call(tmp_path: Path, browser: Any) -> None:
    trace, model = _run(
        tmp_path, browser,
        "  - click: the red square\n  - click: the green square\n  - click: the blue square\n",
    )  # fmt: skip
    assert trace.status == "passed", [s.error for s in trace.steps]
    assert len(model.prompts) == 1 and "3. the blue square" in model.prompts[0]
    assert "grounded in one call with 2 more targets" in trace.steps[0].notes
    assert all(s.element is not None for s in trace.steps)


def test_boxes_read_before_the_page_changed_are_not_reused(tmp_path: Path, browser: Any) -> None:
    trace, model = _run(
        tmp_path, browser,
        "  - click: the red square\n  - click: the yellow button\n  - click: the green square\n",
    )  # fmt: skip
    assert trace.status == "passed", [s.error for s in trace.steps]
    # One call for all three, then the yellow button moved the green square: its box from the
    # first call no longer holds it, so its step asked again, on its own.
    assert len(model.prompts) == 2
    assert "1. the red square" in model.prompts[0] and "the green square" in model.prompts[1]
    assert not any("one call" in n for n in trace.steps[2].notes)
