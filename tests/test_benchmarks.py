"""The ScreenSpot-format grounding harness, on a dataset its generator writes from the sites."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_the_grounding_harness_reads_the_screenspot_layout(tmp_path: Path) -> None:
    data = tmp_path / "dataset"
    made = subprocess.run(
        [sys.executable, "benchmarks/make_grounding_dataset.py", str(data)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    entries = json.loads((data / "screenspot_web_v2.json").read_text())
    assert len(entries) >= 15 and all(len(e["bbox"]) == 4 for e in entries)
    assert (data / "screenspotv2_image" / entries[0]["img_filename"]).exists()
    out = tmp_path / "result.json"
    run = subprocess.run(
        [sys.executable, "benchmarks/grounding.py", "--dataset", str(data), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text())
    assert result["summary"]["all"]["items"] == len(entries)
    # Buttons, links and headings are found from pixels, fields by their label (the empty
    # box beside or below it, found from the pixels too), checkboxes and radio buttons too.
    hits = {i["instruction"] for i in result["items"] if i["hit"]}
    assert {"Sign in", "Register", "Username field", "Email field"} <= hits, hits
    assert {"Remember me checkbox", "Packaging checkbox", "Business radio button"} <= hits
    assert "web/text" in run.stdout


def _miniwob(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "miniwob.json"
    run = subprocess.run(
        [sys.executable, "benchmarks/miniwob.py", "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    return run, json.loads(out.read_text())


def test_miniwob_tasks_are_scored_by_their_own_pages(tmp_path: Path) -> None:
    # A field without a name, labels not tied to their fields, a link that is a word of a
    # paragraph, a suggestion list covering the button: each through the real agent, judged
    # by the page's own reward.
    tasks = ["enter-text", "login-user", "click-link", "use-autocomplete", "click-widget"]
    run, result = _miniwob(tmp_path, "--tasks", *tasks, "--seeds", "2")
    assert result["engine"] == "offline" and result["seeds"] == 2
    episodes = result["episodes"]
    for task in tasks[:4]:
        assert episodes[task]["hits"] == 2, (task, run.stderr)
    assert episodes["all"]["n"] == 10
    grounding = result["grounding"]
    assert grounding["login-user"]["n"] == 4 and grounding["login-user"]["rate"] == 1.0
    assert "click-widget" not in grounding  # no grounding template for it
    assert "episodes (offline)" in run.stdout and "all" in run.stdout


def test_miniwob_goal_track_runs_a_vision_language_model(tmp_path: Path, tiny_qwen: Path) -> None:
    # The tiny random model's plans are nonsense: this proves the harness, not the model.
    run, result = _miniwob(tmp_path, "--engine", "qwen3vl", "--model", str(tiny_qwen),
                           "--tasks", "click-button", "--seeds", "1", "--tracks", "goal",
                           "--goal-steps", "2")  # fmt: skip
    assert result["engine"] == "qwen3vl" and result["model"] == str(tiny_qwen)
    assert result["goal"]["click-button"]["n"] == 1
    assert "goal click-button seed 0" in run.stderr


def test_miniwob_refuses_a_goal_track_without_a_model(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "benchmarks/miniwob.py", "--tracks", "goal", "--out", str(tmp_path / "x")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 2 and "vision-language model" in run.stderr
