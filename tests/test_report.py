"""The run report of real runs, looked at in real Chromium."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from PIL import Image

from agent.runner import run_task
from agent.taskfile import load_task
from perception.offline import OfflineEngine
from tests.conftest import PAGES, ROOT
from tests.helpers import write_task


def _failing_run(tmp_path: Path, browser: Any) -> Path:
    task = write_task(
        tmp_path,
        "typo",
        "retries: 1\nsteps:\n  - type: {text: alice, into: Username}\n"
        "  - type: {text: hunter3, into: Password}\n  - click: Sign in\n"
        "  - expect: {text: 'Welcome, alice', timeout: 1}\n  - click: Sign out\n",
    )
    trace, path = run_task(
        load_task(task), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert trace.status == "failed"
    return path.parent


def test_the_failing_step_opens_first_and_keys_move_between_steps(
    tmp_path: Path, browser: Any, executor: Any
) -> None:
    run_dir = _failing_run(tmp_path, browser)
    page = executor.page
    page.goto((run_dir / "report.html").as_uri())
    current = page.locator("section.step.current")
    assert current.get_attribute("id") == "step-4"
    assert "not visible" in current.inner_text()
    page.keyboard.press("k")
    assert page.locator("section.step.current").get_attribute("id") == "step-3"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("j")
    assert page.locator("section.step.current").get_attribute("id") == "step-5"
    assert "skipped" in page.locator("nav li").nth(4).inner_text()


def test_the_chosen_box_is_drawn_on_the_screenshot(tmp_path: Path, browser: Any) -> None:
    run_dir = _failing_run(tmp_path, browser)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    section = html.split('id="step-3"', 1)[1].split("</section>", 1)[0]
    data = section.split('src="data:image/jpeg;base64,', 1)[1].split('"', 1)[0]
    image = Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")
    assert image.width <= 960
    import json

    trace = json.loads((run_dir / "trace.json").read_text())
    x0, y0, x1, y1 = trace["steps"][2]["element"]["box"]
    factor = image.width / 1280
    r, g, b = image.getpixel((round(x0 * factor), round((y0 + y1) / 2 * factor)))
    assert g > r + 60 and g > b + 40, f"no green box edge at the element: {(r, g, b)}"
    assert 'href="step-003.jpg"' in section and (run_dir / "step-003.jpg").exists()


def test_a_twenty_step_run_stays_under_three_megabytes(tmp_path: Path, browser: Any) -> None:
    steps = "".join(
        f"  - type: {{text: 'word {i}', into: Name}}\n  - click: One\n" for i in range(10)
    )
    page = PAGES / "verbs.html"
    task = tmp_path / "twenty.yaml"
    task.write_text(
        f"name: Twenty steps\nbrowser: {{url: {page}, viewport: {{width: 1920, height: 1080}}}}\n"
        f"steps:\n{steps}",
        encoding="utf-8",
    )
    trace, path = run_task(
        load_task(task), engine=OfflineEngine(), out=tmp_path / "runs", browser=browser
    )
    assert len(trace.steps) == 20
    size = (path.parent / "report.html").stat().st_size
    assert size < 3_000_000, f"report is {size / 1e6:.1f} MB"


def test_agent_report_rebuilds_it(tmp_path: Path, browser: Any) -> None:
    run_dir = _failing_run(tmp_path, browser)
    (run_dir / "report.html").unlink()
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "report", str(run_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and (run_dir / "report.html").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "agent.cli", "report", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "no trace.json" in bad.stderr
