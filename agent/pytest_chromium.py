"""Point pytest-playwright at a system Chromium when Playwright's own browser is not installed.

Registered by the gui-agent pytest plugin after pytest-playwright, so this fixture overrides
(and wraps) pytest-playwright's own ``browser_type_launch_args``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Any, browser_name: str
) -> dict[str, Any]:
    """pytest-playwright's launch options, plus a system Chromium when Playwright has none."""
    args = dict(browser_type_launch_args)
    if browser_name != "chromium" or "channel" in args or "executable_path" in args:
        return args
    try:
        bundled = Path(playwright.chromium.executable_path).exists()
    except Exception:  # noqa: BLE001 - Playwright raises when it knows no browser
        bundled = False
    if not bundled:
        from actions.browser_launch import CHROMIUM_ARGS, find_chromium

        path = find_chromium(playwright)
        if path:
            args["executable_path"] = path
            args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    return args
