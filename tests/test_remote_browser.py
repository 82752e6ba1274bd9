"""`--connect`: task files run in the browser of a Playwright browser server (`playwright
run-server` on 127.0.0.1, started here), not in one launched by gui-agent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest

from agent.api import Agent
from agent.errors import EndpointError
from tests.conftest import PAGES, ROOT

PLAYWRIGHT = Path(sys.executable).parent / "playwright"
T = TypeVar("T")


def _descendants(pid: int) -> list[str]:
    """The command names of a process's descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") :]
            names[int(entry.name)] = name
            children.setdefault(int(rest.split()[2]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(names.get(child, ""))
        todo += children.get(child, [])
    return found


@pytest.fixture(scope="module")
def browser_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A Playwright browser server on 127.0.0.1 whose Chromium is this machine's (Playwright's
    own builds cannot be downloaded here); yields its ws:// URL and process id."""
    package = Path(sys.executable).parent.parent / "lib"
    browsers = json.loads(
        next(package.rglob("playwright/driver/package/browsers.json")).read_text()
    )
    revision = next(b["revision"] for b in browsers["browsers"]
                    if b["name"] == "chromium-headless-shell")  # fmt: skip
    root = tmp_path_factory.mktemp("pw-browsers")
    shell = root / f"chromium_headless_shell-{revision}" / "chrome-headless-shell-linux64"
    shell.mkdir(parents=True)
    chromium = os.environ.get("GUI_AGENT_CHROMIUM") or shutil.which("chromium")
    assert chromium, "no system Chromium"
    (shell / "chrome-headless-shell").symlink_to(chromium)
    log = root / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(PLAYWRIGHT), "run-server", "--port", "0", "--host", "127.0.0.1"],
            stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(root)},
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "ws://" not in log.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        url = next(w for w in log.read_text().split() if w.startswith("ws://"))
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_a_task_runs_in_the_servers_browser(
    browser_server: tuple[str, int], tmp_path: Path
) -> None:
    url, pid = browser_server

    def drive() -> list[str]:
        with Agent.browser(str(PAGES / "verbs.html"), connect=url, trace_dir=tmp_path) as ai:
            seen = _descendants(pid)
            ai.click("One")
            ai.expect("clicked One")
        return seen

    seen = _in_own_thread(drive)
    assert any("chrom" in name for name in seen), f"the server runs the browser: {seen}"
    task = tmp_path / "login.yaml"
    task.write_text(
        f"name: remote\nbrowser: {{url: {ROOT / 'tasks/sites/login.html'}}}\n"
        "steps:\n  - type: {text: alice, into: Username}\n  - expect: Sign in\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "run", str(task), "--connect", url,
         "--out", str(tmp_path / "runs")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EndpointError, match=r"--connect\) at ws://127\.0\.0\.1:9/"):
        _in_own_thread(
            lambda: Agent.browser(connect="ws://127.0.0.1:9/", trace_dir=tmp_path, timeout=3)
        )


def _in_own_thread(work: Callable[[], T]) -> T:
    """Run Playwright's sync API on a thread of its own: this worker's thread may already run
    one (the session's browser), and the sync API allows one per thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()
