"""`agent doctor`: the machine's checks, and a calibration that clicks known targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent.calibration import TARGETS, calibrate_browser
from perception.engine import Located
from perception.offline import OfflineEngine
from tests.conftest import ROOT


def doctor(*options: str) -> tuple[int, dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "doctor", "--json", *options],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    return result.returncode, json.loads(result.stdout)


def test_this_machine_checks_out_and_clicks_right_at_scales_1_and_2_and_on_a_desktop() -> None:
    code, found = doctor("--scales", "1", "2", "--desktop")
    assert code == 0, found
    status = {c["name"]: c["status"] for c in found["checks"]}
    assert status["browser"] == "ok" and status["ocr"] == "ok" and status["display"] == "ok"
    rows = {(row["surface"], row["device_scale_factor"]): row for row in found["calibration"]}
    assert set(rows) == {("browser", 1.0), ("browser", 2.0), ("desktop window", 1.0)}
    for (_, scale), row in rows.items():
        assert row["hit"] == len(TARGETS) and row["missed"] == []
        # within a few CSS pixels of each centre (errors are in screenshot pixels)
        assert row["error_px_max"] <= 8 * scale, row
        assert row["seconds_per_step_median"] is not None


def test_a_broken_model_folder_and_a_dead_endpoint_fail_with_their_fix(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    code, found = doctor("--no-calibrate", "--model", str(tmp_path),
                         "--endpoint", "http://127.0.0.1:9/v1")  # fmt: skip
    assert code == 1
    checks = {c["name"]: c for c in found["checks"]}
    assert checks["model"]["status"] == "fail" and "tokenizer.json" in checks["model"]["detail"]
    assert checks["endpoint"]["status"] == "fail" and "/v1" in checks["endpoint"]["fix"]
    assert found["calibration"] == []


class DoubledPoints(OfflineEngine):
    """The classic scaling bug: points in CSS pixels taken for device pixels, twice too far."""

    def locate(self, screenshot: Any, description: str, **kwargs: Any) -> Located:
        found = super().locate(screenshot, description, **kwargs)
        assert found.element is not None
        box = found.element.box
        moved = box.model_copy(update={"x0": box.x0 * 2, "y0": box.y0 * 2, "x1": box.x1 * 2,
                                       "y1": box.y1 * 2})  # fmt: skip
        return Located(element=found.element.model_copy(update={"box": moved}))


def test_the_calibration_catches_misplaced_clicks(browser: Any) -> None:
    result = calibrate_browser(DoubledPoints(), [1.0], browser=browser)[0]
    assert result.hits < len(TARGETS) and result.misses
    assert max(result.errors_px) > 100


def test_a_server_that_shrinks_images_further_is_reported(taught_qwen: Path) -> None:
    from agent.doctor import image_limit
    from agent.engines import EngineSettings
    from perception.qwen3vl import Qwen3VLEngine
    from tests.fixtures.openai_server import OpenAIServer

    with OpenAIServer(Qwen3VLEngine(str(taught_qwen), device="cpu")) as server:
        settings = EngineSettings(engine="openai", endpoint=server.endpoint, model=server.model)
        server.visual_tokens = 256  # e.g. llama-server's default image token limit
        shrunk = image_limit(settings)
        server.visual_tokens = 1000
        kept = image_limit(settings)
        server.visual_tokens = None
        silent = image_limit(settings)
    assert shrunk.status == "warn" and "used 256" in shrunk.detail
    assert "--image-max-tokens" in shrunk.fix and "max_pixels" in shrunk.fix
    assert kept.status == "ok"
    assert silent.status == "warn" and "no token usage" in silent.detail


def test_scaling_is_read_from_the_toolkit_and_the_x_screen(
    x_display: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.doctor import _scaling

    monkeypatch.delenv("GDK_SCALE", raising=False)
    plain = _scaling()
    assert plain.status == "ok" and "X screen" in plain.detail and "DPI" in plain.detail
    monkeypatch.setenv("GDK_SCALE", "1.5")
    scaled = _scaling()
    assert scaled.status == "warn" and "GDK_SCALE=1.5" in scaled.detail
    assert "--desktop" in scaled.fix
