"""Finding and launching a Chromium: the system one first, then Playwright's own."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from agent.errors import (
    BrowserNotFound,
    EndpointError,
    MissingDependency,
    TargetClosed,
    UsageError,
)

log = logging.getLogger(__name__)

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


def open_page(
    *,
    viewport: tuple[int, int],
    device_scale_factor: float,
    headless: bool,
    executable: str | None,
    timeout_s: float,
    browser: Any,
    cdp: str | None,
    proxy: dict[str, str] | None = None,
    connect: str | None = None,
) -> tuple[Any, tuple[Any, ...]]:
    """A new page in a new context: of ``browser`` when given, of a Chromium at ``cdp`` (the
    DevTools protocol) or at ``connect`` (a Playwright browser server: ``playwright
    run-server``, Browserless, a grid speaking Playwright's protocol), or of one launched
    here, sending its traffic through ``proxy`` (Playwright's option) when given. Returns the
    page and what to close when done, innermost first.

    Raises:
        BrowserNotFound: No Chromium is installed.
        MissingDependency: Playwright itself is missing.
        UsageError: A headed browser without a display.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise MissingDependency(
            "the browser executor needs playwright: pip install playwright"
        ) from exc
    if (
        not headless
        and sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        raise UsageError(
            "--headed needs a display, and DISPLAY is not set: run headless, or under a "
            "virtual display (xvfb-run agent run ... --headed)"
        )
    owned: list[Any] = []
    try:
        if browser is None and (cdp or connect):
            # A browser running elsewhere (a browser server, a grid): attach, don't launch.
            manager = sync_playwright().start()
            owned.append(manager)
            browser = _remote(manager, cdp=cdp, connect=connect, timeout_s=timeout_s)
            owned.append(browser)
        if browser is None:
            manager = sync_playwright().start()
            owned.append(manager)
            path = find_chromium(manager, executable)
            browser = manager.chromium.launch(
                executable_path=path, headless=headless, args=list(CHROMIUM_ARGS)
            )
            owned.append(browser)
            log.info("launched %s", path or "Playwright's Chromium")
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            device_scale_factor=device_scale_factor,
            **({"proxy": proxy} if proxy else {}),
        )
        owned.append(context)
        context.set_default_timeout(timeout_s * 1000)
        page = context.new_page()
    except BaseException:
        for thing in reversed(owned):
            close_quietly(thing)
        raise
    return page, tuple(reversed(owned))


def _remote(manager: Any, *, cdp: str | None, connect: str | None, timeout_s: float) -> Any:
    """A browser at a DevTools URL (``cdp``) or a Playwright browser server (``connect``).

    Raises:
        EndpointError: It cannot be reached or cannot start a browser (its first line said).
    """
    url = cdp or connect or ""
    try:
        if cdp:
            browser = manager.chromium.connect_over_cdp(cdp, timeout=timeout_s * 1000)
        else:
            browser = manager.chromium.connect(connect, timeout=timeout_s * 1000)
    except Exception as exc:  # Playwright's Error: refused, timed out, no browser there
        first = next((line for line in str(exc).splitlines() if line.strip()), repr(exc))
        kind = "Chromium (--cdp)" if cdp else "Playwright browser server (--connect)"
        raise EndpointError(f"cannot use the {kind} at {url}: {first[:300]}") from None
    log.info("using the browser at %s", url)
    return browser


def close_quietly(thing: Any) -> None:
    """Close a context or browser, or stop Playwright, never raising."""
    try:
        thing.stop() if hasattr(thing, "stop") else thing.close()
    except Exception:  # noqa: BLE001 - closing must not hide the run's own error
        log.debug("error while closing %r", thing, exc_info=True)


def is_browser_gone(exc: BaseException) -> bool:
    """Whether a Playwright error says the page, context or browser is gone."""
    return type(exc).__name__ == "TargetClosedError" or "has been closed" in str(exc)


@contextmanager
def browser_gone() -> Iterator[None]:
    """Playwright's "target closed" (Chromium crashed, was killed or closed) as TargetClosed:
    not retried, and reported as what it is."""
    try:
        yield
    except Exception as exc:
        if is_browser_gone(exc):
            raise TargetClosed(
                "the browser went away during the run (it crashed, was killed or was closed): "
                + str(exc).splitlines()[0]
            ) from None
        raise
