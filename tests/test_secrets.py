"""Declared secrets are typed but never shown: not in the trace, report, console or logs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from agent.errors import TaskFileError
from agent.secrets import Secrets, read_env_file
from agent.taskfile import load_task
from tests.conftest import ROOT, TASKS

USER = "alice-secret-user"
PASSWORD = "hunter2"


def _task(folder: Path, *, wrong_expect: bool = False) -> Path:
    page = TASKS / "sites" / "login.html"
    expect = "Welcome, nobody" if wrong_expect else "Welcome"
    path = folder / "secret.yaml"
    path.write_text(
        f"name: Secret login\nbrowser: {{url: {page}}}\nsecrets: [SHOP_USER, SHOP_PASSWORD]\n"
        "retries: 0\nsteps:\n"
        "  - type: {text: '${SHOP_USER}', into: Username}\n"
        "  - type: {text: '${SHOP_PASSWORD}', into: Password}\n"
        "  - extract: the Username field\n"
        "  - click: Sign in\n"
        f"  - expect: {{text: '{expect}', timeout: 1}}\n",
        encoding="utf-8",
    )
    return path


def _scan(folder: Path) -> list[str]:
    leaks = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for value in (USER, PASSWORD):
                if value.encode() in data:
                    leaks.append(f"{path.name}: {value}")
    return leaks


@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
def test_no_file_and_no_output_of_a_run_holds_a_secret(tmp_path: Path, failing: bool) -> None:
    env_file = tmp_path / "secrets.env"
    env_file.write_text(f"SHOP_USER={USER}\nexport SHOP_PASSWORD='{PASSWORD}'\n")
    task = _task(tmp_path, wrong_expect=failing)
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "-vv", "run", str(task),
         "--env-file", str(env_file), "--out", str(tmp_path / "runs"),
         # Written even under CI (read-only there by default): the file is what is scanned.
         "--cache", "read-write"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == (1 if failing else 0), result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert USER not in output and PASSWORD not in output
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert _scan(run_dir) == []
    # Nor the locate cache the run wrote beside the task (the env file holds them, of course).
    assert (tmp_path / "secret.cache.yaml").exists()
    assert [leak for leak in _scan(tmp_path) if not leak.startswith("secrets.env")] == []
    trace = json.loads((run_dir / "trace.json").read_text())
    assert trace["steps"][0]["action"]["text"] == "${SHOP_USER}"
    if not failing:
        # The value was really typed (the page greets the user), and read back masked.
        assert trace["outputs"] == {"the Username field": "${SHOP_USER}"}


def test_the_field_a_secret_went_into_is_blacked_out_later(tmp_path: Path, browser: Any) -> None:
    from agent.runner import run_task
    from perception.offline import OfflineEngine

    loaded = load_task(_task(tmp_path), env={"SHOP_USER": USER, "SHOP_PASSWORD": PASSWORD})
    trace, path = run_task(loaded, engine=OfflineEngine(), out=tmp_path / "runs", browser=browser)
    assert trace.status == "passed"
    x0, y0, x1, y1 = trace.steps[0].element["box"]  # type: ignore[index]
    later = Image.open(path.parent / "step-002.jpg").convert("RGB")
    centre = later.getpixel((int((x0 + x1) / 2), int((y0 + y1) / 2)))
    assert max(centre) < 30, f"the username field is not masked: {centre}"
    assert min(later.getpixel((20, 400))) > 200, "only the field is masked, not the page"


def test_a_missing_secret_is_an_error_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="secret SHOP_USER is not set"):
        load_task(_task(tmp_path), env={"SHOP_PASSWORD": PASSWORD})


def test_masking_and_env_files(tmp_path: Path) -> None:
    secrets = Secrets({"A": "abc", "AB": "abcdef"})
    assert secrets.mask({"x": ["say abcdef and abc"]}) == {"x": ["say ${AB} and ${A}"]}
    assert secrets.reveal("${A}-${AB}") == "abc-abcdef"
    bad = tmp_path / "bad.env"
    bad.write_text("not a line\n")
    from agent.errors import UserError

    with pytest.raises(UserError, match="bad.env:1: expected NAME=value"):
        read_env_file(bad)
