"""The OpenVINO engine on the tests' taught tiny checkpoint, exported here with optimum-intel
(from .venv-export: the exporter pins a transformers of its own) and run by OpenVINO GenAI."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from agent.engines import EngineSettings, make_engine
from agent.errors import MissingDependency
from agent.runner import run_task
from agent.taskfile import load_task
from perception.openvino_engine import EXPORTED, OpenVINOEngine, export_dir
from tests.conftest import ROOT, SQUARE_BOX, SQUARE_GOAL, write_square_task

OPTIMUM = Path(
    os.environ.get("GUI_AGENT_OPTIMUM_CLI", ROOT / ".venv-export" / "bin" / "optimum-cli")
)


@pytest.fixture(scope="module")
def checkpoint(taught_qwen: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the taught checkpoint (its export is written beside it)."""
    assert OPTIMUM.exists(), (
        f"{OPTIMUM} is missing: run `make test`, or `scripts/setup.sh --test` once, to install it"
    )
    copy = tmp_path_factory.mktemp("ov-checkpoint") / "taught"
    shutil.copytree(taught_qwen, copy)
    return copy


@pytest.fixture
def exporter_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUI_AGENT_OPTIMUM_CLI", str(OPTIMUM))


def test_a_checkpoint_is_exported_once_then_drives_a_real_click(
    checkpoint: Path,
    exporter_configured: None,
    square_shots: Any,
    tmp_path: Path,
    browser: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="perception.openvino_engine")
    engine = make_engine(settings=EngineSettings(engine="openvino", model=str(checkpoint)))
    assert isinstance(engine, OpenVINOEngine) and engine.weights == "int8"
    found = engine.locate(square_shots[0], "the green square").element
    assert found is not None and found.engine == "openvino"
    x, y = found.point
    assert SQUARE_BOX[0] <= x <= SQUARE_BOX[2] and SQUARE_BOX[1] <= y <= SQUARE_BOX[3]
    assert (export_dir(str(checkpoint), "int8") / EXPORTED).is_file()
    assert sum("exporting" in r.message for r in caplog.records) == 1
    task = write_square_task(
        tmp_path,
        f"  - goal: {SQUARE_GOAL}\n  - expect: Square pressed\n  - extract: the status text\n",
    )
    again = make_engine(settings=EngineSettings(engine="openvino", model=str(checkpoint)))
    trace, _ = run_task(load_task(task), engine=again, out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed", [s.error for s in trace.steps]
    goal, expect, extract = trace.steps
    assert [e["call"]["action"] for e in goal.plan] == ["left_click", "terminate"]
    assert goal.plan[0]["changed"] is True and expect.engine == "openvino"
    assert extract.output == "Square pressed"
    assert sum("exporting" in r.message for r in caplog.records) == 1, "exported once"


def test_an_exported_folder_is_used_as_it_is(
    checkpoint: Path, exporter_configured: None, square_shots: Any
) -> None:
    folder = export_dir(str(checkpoint), "int8")
    if not (folder / EXPORTED).is_file():
        OpenVINOEngine(str(checkpoint)).load()
    engine = OpenVINOEngine(str(folder))
    assert engine.folder() == folder
    assert engine.locate(square_shots[0], "the green square").element is not None


def test_without_an_exporter_the_error_says_how_to_get_one(
    taught_qwen: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(taught_qwen, copy)
    monkeypatch.delenv("GUI_AGENT_OPTIMUM_CLI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(MissingDependency, match="GUI_AGENT_OPTIMUM_CLI"):
        OpenVINOEngine(str(copy)).load()
    with pytest.raises(MissingDependency, match="neither a Qwen3-VL checkpoint"):
        OpenVINOEngine(str(tmp_path / "nowhere")).load()
