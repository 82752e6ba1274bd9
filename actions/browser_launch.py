"""Finding and launching a Chromium: the system one first, then Playwright's own."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from agent.errors import BrowserNotFound

SYSTEM_CHROMIUMS = (
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
)
# Quiet, sandbox-friendly flags: without the networking ones Chromium keeps calling home, which
# a closed network refuses, many times a second.
CHROMIUM_ARGS = (
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def find_chromium(playwright: Any, explicit: str | None = None) -> str | None:
    """The Chromium to launch: ``explicit``, ``GUI_AGENT_CHROMIUM``, a system one, Playwright's.

    Returns None for Playwright's own bundled browser (launch with no executable path).

    Raises:
        BrowserNotFound: None of them exists; the message names every place looked at.
    """
    wanted = explicit or os.environ.get("GUI_AGENT_CHROMIUM")
    if wanted:
        if Path(wanted).exists() or shutil.which(wanted):
            return shutil.which(wanted) or wanted
        raise BrowserNotFound(
            f"the browser {wanted!r} (from --browser/GUI_AGENT_CHROMIUM) is missing"
        )
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    for path in SYSTEM_CHROMIUMS:
        if Path(path).exists():
            return path
    try:
        bundled = playwright.chromium.executable_path
    except Exception:  # noqa: BLE001 - Playwright raises its own error when none is installed
        bundled = ""
    if bundled and Path(bundled).exists():
        return None
    raise BrowserNotFound(
        "no Chromium found. Looked for a system Chromium (chromium, chromium-browser, "
        f"{', '.join(SYSTEM_CHROMIUMS[:2])}) and for Playwright's own browser "
        f"({bundled or 'not installed'}). Install one: `sudo apt-get install chromium` "
        "(Debian/Ubuntu), or `playwright install chromium`, or set GUI_AGENT_CHROMIUM=/path."
    )
