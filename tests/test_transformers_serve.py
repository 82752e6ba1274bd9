"""The served engine against `transformers serve`, a real OpenAI-compatible server, on loopback.

`transformers serve` lives in .venv-serve (it needs torchvision, which does not import beside
the CPU torch of .venv); `make test` builds it with `scripts/setup.sh --serve`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.runner import run_task
from agent.taskfile import load_task
from perception.served import OpenAIEngine
from tests.conftest import ROOT, SQUARE_GOAL, write_square_task

SERVE = Path(os.environ.get("GUI_AGENT_SERVE_BIN", ROOT / ".venv-serve" / "bin" / "transformers"))


@pytest.fixture(scope="module")
def transformers_serve(
    taught_qwen: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`transformers serve` serving the taught tiny model; yields its base URL."""
    assert SERVE.exists(), (
        f"{SERVE} is missing: run `make test`, or `scripts/setup.sh --serve` once, to install it"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(log.parent / "hf")}
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(SERVE), "serve", str(taught_qwen), "--host", "127.0.0.1", "--port", str(port),
             "--device", "cpu", "--dtype", "float32"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "transformers serve did not start:\n" + log.read_text()[-3000:]
                    ) from None
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def test_grounding_through_transformers_serve(
    transformers_serve: str, taught_qwen: Path, square_shots: Any
) -> None:
    engine = OpenAIEngine(transformers_serve, str(taught_qwen), retries=0)
    found = engine.locate(square_shots[0], "the green square")
    assert found.element is not None
    assert found.element.box.as_list() == pytest.approx([230, 120, 330, 220], abs=0.5)


def test_a_task_with_a_goal_through_transformers_serve(
    transformers_serve: str, taught_qwen: Path, tmp_path: Path, browser: Any
) -> None:
    from agent.engines import EngineSettings, make_engine

    engine = make_engine(
        settings=EngineSettings(
            engine="openai", endpoint=transformers_serve, model=str(taught_qwen)
        )
    )
    task = write_square_task(tmp_path, f"  - goal: {SQUARE_GOAL}\n")
    trace, _ = run_task(load_task(task), engine=engine, out=tmp_path / "runs", browser=browser)
    goal = trace.steps[0]
    assert trace.status == "passed", (goal.error, goal.plan)
    assert [entry["call"]["action"] for entry in goal.plan] == ["left_click", "terminate"]


def test_doctor_measures_the_servers_image_tokens(
    transformers_serve: str, taught_qwen: Path
) -> None:
    """A real server's usage says how many visual tokens it made of the screenshot sent."""
    from agent.doctor import image_limit
    from agent.engines import EngineSettings

    check = image_limit(
        EngineSettings(engine="openai", endpoint=transformers_serve, model=str(taught_qwen))
    )
    assert check.status == "ok", check
    sent, used = (int(n) for n in re.findall(r"(\d+) visual tokens\), the server used (\d+)",
                                            check.detail)[0])  # fmt: skip
    # sent at the size the server keeps: no second resize (+2: the vision start/end tokens)
    assert sent <= used <= sent + 4
