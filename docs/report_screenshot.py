"""Make docs/report.png: the report of a real failing run, as the README shows it.

.venv/bin/python docs/report_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

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
        out = ROOT / "docs" / "report.png"
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
