"""A limit on the engine's work per image: a costly image stops with a clear error, on time."""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from agent.errors import ModelError, WorkLimitExceeded
from benchmarks.serve_load import tiled_text_b64
from perception import budget
from perception.ocr import RapidOcrReader
from perception.offline import OfflineEngine
from perception.screen import Screenshot


def _tiled(size: tuple[int, int]) -> Screenshot:
    image = Image.open(io.BytesIO(base64.b64decode(tiled_text_b64(size)))).convert("RGB")
    return Screenshot(image=image)


def test_a_limit_stops_work_with_the_limit_named_and_the_soonest_deadline_wins() -> None:
    budget.check("outside any limit")  # no limit: never raises
    assert budget.remaining() is None
    with budget.work_limit(60):
        with budget.work_limit(0.05):  # the inner, sooner one applies
            time.sleep(0.1)
            with pytest.raises(WorkLimitExceeded, match=r"stopped grouping.*0\.05 s"):
                budget.check("grouping")
        budget.check("after the inner limit ended")
        with budget.work_limit(0.05), budget.work_limit(600):  # a later one keeps the sooner
            time.sleep(0.1)
            with pytest.raises(WorkLimitExceeded):
                budget.check("anything")
    assert issubclass(WorkLimitExceeded, ModelError)
    with pytest.raises(ValueError, match="positive"), budget.work_limit(0):
        pass


def test_a_screen_tiled_with_words_stops_at_the_limit_and_the_next_screen_is_read() -> None:
    engine = OfflineEngine(use_dom=False)
    # Unlimited, this 1920x1080 capture costs the offline engine minutes here.
    with pytest.raises(WorkLimitExceeded, match="1 s of work"), budget.work_limit(1):
        engine.locate(_tiled((1920, 1080)), "Sign in")
    page = Image.new("RGB", (400, 120), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 20)
    ImageDraw.Draw(page).text((40, 40), "Sign in", fill="black", font=font)
    with budget.work_limit(60):
        found = engine.locate(Screenshot(image=page), "Sign in").element
    assert found is not None and found.box.x0 < 80  # the engine is usable after a stop


def test_the_text_recogniser_checks_the_limit_before_each_pass() -> None:
    engine = RapidOcrReader._load()
    crop = np.full((32, 100, 3), 255, dtype="uint8")
    assert engine.recognize_txt([crop]).txts is not None  # no limit: it reads
    with budget.work_limit(0.01):
        time.sleep(0.05)
        with pytest.raises(WorkLimitExceeded, match="reading the screen's text"):
            engine.recognize_txt([crop] * 12)


def test_the_model_stops_decoding_at_the_limit_and_a_cut_answer_is_not_parsed(
    tiny_qwen: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perception.qwen3vl import Qwen3VLEngine

    engine = Qwen3VLEngine(str(tiny_qwen), device="cpu")
    real = engine.model.generate
    seen: dict[str, Any] = {}

    def slow_generate(**kwargs: Any) -> Any:
        seen.update(kwargs)
        output = real(**{**kwargs, "max_new_tokens": 4})
        while (budget.remaining() or 0) > 0:  # as if decoding ran until transformers cut it
            time.sleep(0.05)
        return output

    monkeypatch.setattr(engine.model, "generate", slow_generate)
    shot = Screenshot(image=Image.new("RGB", (320, 200), "white"))
    with pytest.raises(WorkLimitExceeded, match="while the model answered"), budget.work_limit(5):
        engine.locate(shot, "the Sign in button")
    assert 0 < seen["max_time"] <= 5  # transformers is told when to stop
