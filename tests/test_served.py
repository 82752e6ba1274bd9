"""The served engine over real HTTP on 127.0.0.1: end to end, retries, errors, the key."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.errors import EndpointError
from perception.qwen3vl import Qwen3VLEngine
from perception.served import OpenAIEngine
from tests.conftest import ROOT, write_square_task
from tests.fixtures.openai_server import OpenAIServer


@pytest.fixture(scope="module")
def server(taught_qwen: Path) -> Iterator[OpenAIServer]:
    with OpenAIServer(Qwen3VLEngine(str(taught_qwen), device="cpu")) as running:
        yield running


@pytest.fixture(autouse=True)
def _clear(server: OpenAIServer) -> None:
    server.faults.clear()
    server.requests.clear()


def test_a_task_runs_through_the_cli_against_a_served_model(
    server: OpenAIServer, tmp_path: Path
) -> None:
    task = write_square_task(tmp_path, "  - click: the green square\n  - expect: Square pressed\n")
    env = {**os.environ, "TINY_KEY": "sk-test-5ecret-value"}
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "run", str(task), "--engine", "auto",
         "--endpoint", server.endpoint, "--model", server.model, "--api-key-env", "TINY_KEY",
         "--out", str(tmp_path / "runs")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    (trace_path,) = (tmp_path / "runs").glob("*/trace.json")
    trace = json.loads(trace_path.read_text())
    assert trace["steps"][0]["engine"] == "openai"
    assert "bbox_2d" in trace["steps"][0]["model_output"]
    # The screenshot travelled as a PNG data URL, the key only in the Authorization header.
    request = server.requests[0]
    parts = request["body"]["messages"][0]["content"]
    assert parts[0]["image_url"]["url"].startswith("data:image/png;base64,")
    assert request["headers"]["Authorization"] == "Bearer sk-test-5ecret-value"
    for path in trace_path.parent.iterdir():
        assert b"5ecret" not in path.read_bytes()
    assert "5ecret" not in result.stdout + result.stderr


def test_429_and_5xx_are_retried_with_backoff(server: OpenAIServer, square_shots: Any) -> None:
    server.faults[:] = [503, 429]
    engine = OpenAIEngine(server.endpoint, server.model, retries=3)
    found = engine.locate(square_shots[0], "the green square")
    assert found.element is not None and len(server.requests) == 3


def test_a_refusal_is_not_retried(server: OpenAIServer, square_shots: Any) -> None:
    engine = OpenAIEngine(server.endpoint, "no-such-model", retries=3)
    with pytest.raises(EndpointError, match="HTTP 400.*unknown model"):
        engine.locate(square_shots[0], "the green square")
    assert len(server.requests) == 1


def test_an_unreachable_endpoint_fails_clearly_after_bounded_retries(
    square_shots: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = OpenAIEngine(f"http://127.0.0.1:{port}/v1", "m", retries=2)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING), pytest.raises(EndpointError) as info:
        engine.locate(square_shots[0], "anything")
    assert "after 3 tries" in str(info.value) and "cannot reach the server" in str(info.value)
    assert time.monotonic() - started < 10
    assert sum("Retrying" in r.getMessage() for r in caplog.records) == 2


class _RudeServer:
    """A TCP server on 127.0.0.1 that accepts and then hangs up at once, or never answers."""

    def __init__(self, mode: str) -> None:
        import threading

        self.mode = mode
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.open: list[socket.socket] = []
        self.stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            if self.mode == "hang-up":
                conn.recv(65536)
                conn.close()
            else:
                self.open.append(conn)  # read nothing, answer nothing

    def close(self) -> None:
        self.stop = True
        self.thread.join(timeout=5)
        for conn in self.open:
            conn.close()
        self.sock.close()


@pytest.mark.parametrize("mode", ["hang-up", "silent"])
def test_a_server_that_hangs_up_or_never_answers_fails_after_bounded_retries(
    mode: str, square_shots: Any
) -> None:
    rude = _RudeServer(mode)
    try:
        engine = OpenAIEngine(f"http://127.0.0.1:{rude.port}/v1", "m", retries=2, timeout_s=1)
        started = time.monotonic()
        with pytest.raises(EndpointError, match="after 3 tries"):
            engine.locate(square_shots[0], "anything")
        assert rude.accepted == 3 and time.monotonic() - started < 20
    finally:
        rude.close()


@pytest.mark.parametrize(
    "screen,budget",
    [((2560, 1600), 640 * 400), ((1920, 1080), 1280 * 32 * 32), ((1366, 768), 10**7)],
)
def test_screenshots_are_sent_at_the_size_the_server_keeps(
    screen: tuple[int, int], budget: int
) -> None:
    """The server resizes to multiples of 32 px (Qwen's smart_resize): an image shrunk to the
    budget without rounding (1920x1080 -> 1526x858) was enlarged again to 1536x864, 1,296
    visual tokens against a 1,280 budget, and resampled twice."""
    import base64
    import io

    from PIL import Image
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import smart_resize

    engine = OpenAIEngine("http://127.0.0.1:9/v1", "m", max_pixels=budget)
    url = engine.data_url(Image.new("RGB", screen, "white"), engine.max_pixels)
    width, height = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size
    assert width % 32 == 0 and height % 32 == 0 and width * height <= budget
    assert width / height == pytest.approx(screen[0] / screen[1], rel=0.05)
    # A server allowing 16,384 tokens (vLLM's default for Qwen3-VL) keeps the size as sent.
    server = smart_resize(height, width, factor=32, min_pixels=65_536, max_pixels=16_777_216)
    assert server == (height, width)


@pytest.mark.parametrize("engine", ["openai", "qwen3vl"])
def test_a_secret_in_a_goal_never_reaches_the_model_or_any_file(
    engine: str, server: OpenAIServer, taught_qwen: Path, tmp_path: Path
) -> None:
    from tests.conftest import SQUARE_GOAL

    value = "pa55-word-that-must-not-leak"
    # The goal names the secret: the model sees only its placeholder, whatever it answers.
    task = write_square_task(
        tmp_path,
        f"  - goal: '{SQUARE_GOAL}, then type ${{PIN}}'\n",
        extra="secrets: [PIN]\nretries: 0\n",
    )
    options = (
        ["--endpoint", server.endpoint, "--model", server.model]
        if engine == "openai"
        else ["--model", str(taught_qwen), "--device", "cpu"]
    )
    env = {**os.environ, "PIN": value}
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "-vv", "run", str(task), "--engine", engine,
         *options, "--out", str(tmp_path / "runs"), "--cache", "write-only"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, env=env, check=False,
    )  # fmt: skip
    assert value not in result.stdout + result.stderr
    (trace_path,) = (tmp_path / "runs").glob("*/trace.json")
    assert json.loads(trace_path.read_text())["steps"][0]["plan"], "the model was asked to plan"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert value.encode() not in path.read_bytes(), path
    # What the model was sent (over HTTP) holds the placeholder, never the value.
    if engine == "openai":
        sent = json.dumps(server.requests)
        assert "${PIN}" in sent and value not in sent
