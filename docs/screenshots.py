"""Make docs/report.png (the report of a real failing run) and docs/serve.png (agent serve's
page finding "Sign in" on a screenshot), as the README shows them.

Run: .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from actions.browser_launch import CHROMIUM_ARGS, find_chromium  # noqa: E402
from agent.runner import run_task  # noqa: E402
from agent.taskfile import load_task  # noqa: E402
from perception.offline import OfflineEngine  # noqa: E402

TASK = """name: Log in with a typo in the password
browser: {url: %s, viewport: {width: 1280, height: 800}}
retries: 1
steps:
  - type: {text: alice, into: Username}
  - type: {text: hunter3, into: the Password field}
  - click: Sign in
  - expect: {text: "Welcome, alice", timeout: 2}
"""


def main() -> None:
    """Run the failing task and screenshot its report."""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        task = Path(tmp) / "typo.yaml"
        task.write_text(TASK % (ROOT / "tasks/sites/login.html"), encoding="utf-8")
        browser = p.chromium.launch(executable_path=find_chromium(p), args=list(CHROMIUM_ARGS))
        _, trace_path = run_task(
            load_task(task), engine=OfflineEngine(), out=Path(tmp), browser=browser
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto((trace_path.parent / "report.html").as_uri())
        page.keyboard.press("k")  # show the step before the failing one: the click on Sign in
        page.screenshot(path=str(ROOT / "docs" / "report.png"))
        serve(page, trace_path.parent.parent, trace_path.parent / "step-003.jpg")
        browser.close()
    print("wrote docs/report.png and docs/serve.png")


def serve(page: Any, runs: Path, shot: Path) -> None:
    """Start agent serve on a free port, find "Sign in" on a screenshot, capture the page."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve", "--port", str(port), "--runs", str(runs)],
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        page.goto(f"http://127.0.0.1:{port}/")
        page.set_input_files("#file", str(shot))
        page.fill("#prompt", "Sign in")
        page.click("#find")
        page.wait_for_selector(".box")
        page.wait_for_selector("#runs a")
        page.screenshot(path=str(ROOT / "docs" / "serve.png"))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
