"""The `agent` command as users run it: a real process, real exit codes, files on disk."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TASKS
from tests.helpers import write_task

AGENT = [sys.executable, "-m", "agent.cli"]


def agent(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENT, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_run_prints_each_step_and_the_trace_path(tmp_path: Path) -> None:
    result = agent("run", str(TASKS / "login.yaml"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("offline/dom") >= 6
    assert "passed: 6/6 steps" in result.stdout
    trace_line = next(line for line in result.stdout.splitlines() if "trace:" in line)
    trace = Path(trace_line.split("trace:")[1].strip())
    assert trace.exists() and json.loads(trace.read_text())["status"] == "passed"
    assert trace.parent.name.startswith("log-in-to-the-demo-shop-")


def test_a_failing_task_exits_1(tmp_path: Path) -> None:
    bad = write_task(
        tmp_path,
        "fail",
        "retries: 0\nsteps:\n  - expect: {text: Nowhere to be seen, timeout: 0.5}\n",
    )
    result = agent("run", str(bad), "--out", str(tmp_path / "runs"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "not visible" in result.stdout
    (trace,) = (tmp_path / "runs").glob("*/trace.json")
    assert json.loads(trace.read_text())["status"] == "failed"


def test_bad_task_files_exit_2_before_any_browser_starts(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nbrowser: {url: nowhere.html}\nsteps:\n  - clik: Sign in\n")
    result = agent("run", str(TASKS / "login.yaml"), str(broken), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert "broken.yaml:4:5: unknown verb 'clik' (did you mean 'click'?)" in result.stderr
    assert "broken.yaml:2:" in result.stderr and "nowhere.html" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "runs").exists(), "no run may start when any file is invalid"


def test_a_desktop_task_with_a_bad_display_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    task = tmp_path / "calc.yaml"
    task.write_text(
        "name: calc\ndesktop: {launch: xcalc, display: 'screen 1'}\nsteps:\n  - click: '7'\n"
    )
    result = agent("run", str(task), "--out", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert "calc.yaml:2:" in result.stderr and "display" in result.stderr
    assert not (tmp_path / "runs").exists()
    result = agent("run", str(task), "--display", "screen", "--out", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert '--display: expected "auto", "virtual" or an X display' in result.stderr


def test_headed_without_a_display_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [*AGENT, "run", str(TASKS / "login.yaml"), "--headed", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--headed needs a display" in result.stderr
    (trace,) = tmp_path.glob("*/trace.json")
    assert json.loads(trace.read_text())["status"] == "error"


def test_usage_errors_exit_2() -> None:
    assert agent("run").returncode == 2
    assert agent("run", "tasks/login.yaml", "--engine", "nonsense").returncode == 2
    missing = agent("run", "no/such/task.yaml")
    assert missing.returncode == 2 and "cannot read it" in missing.stderr


def test_schema_is_json_schema_for_task_files() -> None:
    result = agent("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "gui-agent task file"
    assert "steps" in schema["properties"] and "ClickStep" in schema["$defs"]


def test_locate_prints_the_element_or_exits_1(tmp_path: Path, executor, site) -> None:  # type: ignore[no-untyped-def]
    executor.page.goto(site.url_for("tasks/sites/login.html"))
    shot = tmp_path / "login.png"
    executor.page.screenshot(path=str(shot))
    found = agent("locate", str(shot), "Sign in")
    assert found.returncode == 0, found.stderr
    element = json.loads(found.stdout)
    box = executor.page.get_by_role("button", name="Sign in").bounding_box()
    x, y = element["point"]
    assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    assert element["engine"] == "offline/ocr" and set(element) >= {"box", "text", "confidence"}
    nothing = agent("locate", str(shot), "Quantum flux capacitor")
    assert nothing.returncode == 1 and json.loads(nothing.stdout)["error"] == "no match"
    assert agent("locate", str(tmp_path / "none.png"), "x").returncode == 2


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)],
    ids=["SIGINT", "SIGTERM", "SIGHUP"],
)
def test_every_stopping_signal_keeps_the_trace_and_the_report(
    tmp_path: Path, signum: int, code: int
) -> None:
    slow = write_task(tmp_path, "slow", "steps:\n  - wait: 30\n  - click: Sign in\n")
    proc = subprocess.Popen(
        [*AGENT, "run", str(slow), "--out", str(tmp_path / "runs")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 60
    while not list((tmp_path / "runs").glob("*/trace.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # let the browser start and the wait begin
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    (trace,) = (tmp_path / "runs").glob("*/trace.json")
    data = json.loads(trace.read_text())
    assert data["status"] == "interrupted" and data["ended"]
    assert data["steps"][1]["status"] == "skipped"
    assert (trace.parent / "report.html").exists()
    if signum != signal.SIGINT:
        assert data["error"] == f"stopped by {signal.Signals(signum).name}"


def test_workers_run_task_files_in_parallel_processes(tmp_path: Path) -> None:
    failing = write_task(tmp_path, "fail", "retries: 0\nsteps:\n  - click: Nowhere button\n")
    result = agent(
        "run", str(TASKS / "login.yaml"), str(TASKS / "todo.yaml"), str(failing),
        "--workers", "3", "--engine", "offline", "--out", str(tmp_path / "runs"),
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 task files on 3 workers" in result.stdout
    summary = result.stdout.split("summary", 1)[1]
    assert summary.index("login.yaml") < summary.index("todo.yaml") < summary.index("fail.yaml")
    assert "2 passed, 1 failed" in summary
    traces = sorted(
        p.parent.name.rsplit("-", 2)[0] for p in (tmp_path / "runs").glob("*/trace.json")
    )
    assert traces == ["fail", "log-in-to-the-demo-shop", "manage-a-to-do-list"]


def test_cdp_attaches_to_a_running_chromium(tmp_path: Path) -> None:
    from actions.browser_launch import CHROMIUM_ARGS

    chromium = subprocess.Popen(
        ["/usr/bin/chromium", "--headless", "--no-sandbox", "--remote-debugging-port=0",
         f"--user-data-dir={tmp_path / 'profile'}", *CHROMIUM_ARGS, "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        endpoint = None
        assert chromium.stderr is not None
        for line in chromium.stderr:
            if "DevTools listening on" in line:
                endpoint = line.split("ws://", 1)[1].split("/", 1)[0]
                break
        assert endpoint, "Chromium did not open its debugging port"
        result = agent(
            "run", str(TASKS / "login.yaml"), "--cdp", f"http://{endpoint}",
            "--out", str(tmp_path / "runs"),
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert chromium.poll() is None, "attaching must not close the browser it found"
    finally:
        chromium.kill()
        chromium.wait()
        if chromium.stderr is not None:
            chromium.stderr.close()


def test_an_output_folder_that_cannot_be_written_is_refused_before_the_run(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = agent("run", str(TASKS / "login.yaml"), "--out", str(blocker / "runs"))
    assert result.returncode == 2
    assert f"--out {blocker / 'runs'}: cannot write there (Not a directory)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_confirm_steps_need_a_person_or_yes(tmp_path: Path) -> None:
    task = write_task(
        tmp_path,
        "confirm",
        "steps:\n  - type: {text: alice, into: Username}\n"
        "  - type: {text: hunter2, into: Password}\n"
        "  - click: {target: Sign in, confirm: true}\n  - expect: Welcome, alice\n",
    )
    refused = agent("run", str(task), "--out", str(tmp_path / "a"))
    assert refused.returncode == 1
    assert "asks for confirmation, and nobody can be asked here" in refused.stdout
    assert "pass --yes" in refused.stdout
    trace = json.loads(next((tmp_path / "a").glob("*/trace.json")).read_text())
    assert [s["status"] for s in trace["steps"]] == ["passed", "passed", "failed", "skipped"]
    assert trace["steps"][2]["attempts"] == 0  # refused before any try: nothing was clicked
    confirmed = agent("run", str(task), "--yes", "--out", str(tmp_path / "b"))
    assert confirmed.returncode == 0, confirmed.stdout
    trace = json.loads(next((tmp_path / "b").glob("*/trace.json")).read_text())
    assert "confirmed" in trace["steps"][2]["notes"]


def test_a_person_saying_no_stops_the_step(tmp_path: Path, browser: Any) -> None:
    from agent.runner import run_task
    from agent.taskfile import load_task
    from perception.offline import OfflineEngine

    task = write_task(tmp_path, "declined", "steps:\n  - click: {target: Sign in, confirm: true}\n")
    asked: list[str] = []
    trace, _ = run_task(
        load_task(task), engine=OfflineEngine(), out=tmp_path, browser=browser,
        confirm=lambda what: asked.append(what) is not None,  # records the question, says no
    )  # fmt: skip
    assert asked == ["click Sign in"]
    assert trace.status == "failed" and "was not confirmed" in (trace.steps[0].error or "")


def test_chromium_killed_mid_run_fails_the_run_with_its_trace_and_report(tmp_path: Path) -> None:
    import psutil

    task = write_task(
        tmp_path, "killed", "steps:\n  - wait: 6\n  - click: Sign in\n  - expect: Welcome\n"
    )
    process = subprocess.Popen(
        [*AGENT, "run", str(task), "--out", str(tmp_path / "runs"), "--cache", "off"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    killed = 0
    while not killed and time.monotonic() < deadline:
        time.sleep(0.3)
        if not list(tmp_path.glob("runs/*/trace.json")):
            continue  # the run has not started
        time.sleep(2.5)  # the browser is up and the first step (a 6 s wait) is running
        for child in psutil.Process(process.pid).children(recursive=True):
            try:
                if "chromium" in " ".join(child.cmdline()):
                    child.kill()
                    killed += 1
            except psutil.Error:
                pass
    stdout, stderr = process.communicate(timeout=60)
    assert killed and process.returncode == 1, stdout + stderr
    assert "TargetClosed: the browser went away during the run" in stdout
    assert "Traceback" not in stdout + stderr
    trace = json.loads(next(tmp_path.glob("runs/*/trace.json")).read_text())
    assert trace["status"] == "failed"
    assert [s["status"] for s in trace["steps"]] == ["failed", "skipped", "skipped"]
    assert next(tmp_path.glob("runs/*/report.html")).stat().st_size > 1000
