"""Two-pass grounding: the crop's geometry, and boxes mapped back from it."""

from __future__ import annotations

from typing import Any

import pytest
from PIL import Image, ImageDraw

from perception.coords import pixels_to_grid
from perception.elements import Box
from perception.screen import Screenshot
from perception.vlm import VlmEngine, image_budget
from perception.zoom import from_region, wants_zoom, zoom_region

BUDGET = 160 * 100  # pixels: a 4K-like screen is shrunk ~15x on each side


def test_the_region_holds_the_budget_keeps_the_aspect_and_stays_on_screen() -> None:
    size = (3840, 2160)
    middle = zoom_region((1920, 1080), size, 786_432)
    assert middle.width * middle.height <= 786_432
    assert abs(middle.width / middle.height - 3840 / 2160) < 0.01
    assert middle.center == pytest.approx((1920, 1080), abs=1)
    corner = zoom_region((5, 3), size, 786_432)
    assert (corner.x0, corner.y0) == (0, 0)
    far = zoom_region((3839, 2159), size, 786_432)
    assert (far.x1, far.y1) == (3840, 2160)
    small = zoom_region((10, 10), (640, 400), 786_432)
    assert (small.x0, small.y0, small.x1, small.y1) == (0, 0, 640, 400)


def test_boxes_map_back_by_the_regions_corner() -> None:
    region = Box(x0=1000, y0=500, x1=2000, y1=1100)
    assert from_region(Box(x0=10, y0=20, x1=30, y1=40), region) == Box(
        x0=1010, y0=520, x1=1030, y1=540
    )


def test_zoom_is_on_by_default_only_for_large_screens() -> None:
    assert not wants_zoom((1280, 800), 768 * 1024, None)
    assert wants_zoom((3840, 2160), 768 * 1024, None)
    assert wants_zoom((640, 400), 768 * 1024, True)
    assert not wants_zoom((3840, 2160), 768 * 1024, False)


class RedSquareModel(VlmEngine):
    """A stand-in for the model, to test the engine's own logic: it sees the image shrunk to
    the budget, as the real engines do, and answers the box of its red pixels on the 0-1000
    grid of what it was given."""

    name = "red-square"

    def __init__(self, **options: Any) -> None:
        super().__init__(max_pixels=BUDGET, **options)
        self.calls: list[tuple[int, int]] = []

    def generate(self, messages: Any, image: Image.Image, *, max_new_tokens: int, **_: Any) -> str:
        self.calls.append(image.size)
        seen = image.resize(image_budget(image.size, self.max_pixels), Image.Resampling.BOX)
        red = [
            (x, y)
            for y in range(seen.height)
            for x in range(seen.width)
            if (p := seen.getpixel((x, y))) and p[0] > 120 and p[1] < 100  # type: ignore[index]
        ]
        if not red:
            return "nothing"
        xs, ys = [x for x, _ in red], [y for _, y in red]
        x0, y0 = pixels_to_grid(min(xs), min(ys), seen.size)
        x1, y1 = pixels_to_grid(max(xs) + 1, max(ys) + 1, seen.size)
        return f'[{{"bbox_2d": [{x0}, {y0}, {x1}, {y1}], "label": "red"}}]'


def _screen() -> Screenshot:
    image = Image.new("RGB", (2400, 1500), "white")
    # 16x16 px: about one pixel of what the model sees at the budget (shrunk 15 times)
    ImageDraw.Draw(image).rectangle((1711, 903, 1726, 918), fill="red")
    return Screenshot(image=image)


def test_the_second_pass_makes_a_coarse_box_exact() -> None:
    truth = Box(x0=1711, y0=903, x1=1727, y1=919)
    coarse = RedSquareModel(zoom=False).locate(_screen(), "the red square").element
    model = RedSquareModel()  # zoom by default: 3.6 M pixels against a 16 k budget
    located = model.locate(_screen(), "the red square")
    fine = located.element
    assert coarse is not None and fine is not None
    assert len(model.calls) == 2 and model.calls[1][0] * model.calls[1][1] <= BUDGET
    error = max(abs(a - b) for a, b in zip(_edges(fine.box), _edges(truth), strict=True))
    coarse_error = max(abs(a - b) for a, b in zip(_edges(coarse.box), _edges(truth), strict=True))
    assert error <= 2 < coarse_error
    assert any(n.startswith("zoom: second pass") for n in located.notes)
    assert located.raw is not None and "--- zoom ---" in located.raw


def test_a_failed_second_pass_keeps_the_first_answer() -> None:
    class Forgetful(RedSquareModel):
        def generate(
            self, messages: Any, image: Image.Image, *, max_new_tokens: int, **_: Any
        ) -> str:
            answer = super().generate(messages, image, max_new_tokens=max_new_tokens)
            return answer if len(self.calls) == 1 else "I am not sure"

    located = Forgetful().locate(_screen(), "the red square")
    assert located.element is not None
    assert any("second pass gave no box" in n for n in located.notes)


def _edges(box: Box) -> tuple[float, float, float, float]:
    return box.x0, box.y0, box.x1, box.y1


def test_engine_settings_carry_zoom_and_the_budget_presets() -> None:
    from agent.engines import EngineSettings, make_engine
    from agent.errors import UsageError

    settings = EngineSettings(
        engine="openai", endpoint="http://127.0.0.1:9/v1", model="m", image_budget="small",
        zoom=True,
    )  # fmt: skip
    served = make_engine(settings=settings)
    assert served.max_pixels == 256 * 32 * 32 and served.zoom is True  # type: ignore[attr-defined]
    with pytest.raises(UsageError, match="not both"):
        EngineSettings(max_pixels=4096, image_budget="large").pixels()
    with pytest.raises(UsageError, match="in-process engine"):
        make_engine(settings=EngineSettings(engine="openai", endpoint="http://x/v1", model="m",
                                            quantize="int8"))  # fmt: skip
