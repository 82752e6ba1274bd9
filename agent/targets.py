"""Opening what a run works on, a browser page or a desktop: one way for ``agent run`` and the
Python API alike. Everything started here ends with the block."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions import domains
from actions.base import Executor
from agent.errors import ActionError, PageUnavailable, UsageError
from agent.task import BrowserTarget, DesktopTarget

log = logging.getLogger(__name__)

BLANK = "about:blank"
"""The start page of a browser opened without a URL."""
END_SETTLE_S = 3.0
"""How long the screen may keep changing after the last step before the program is closed."""
SETTLE_S = 5.0
"""How long a launched program's window may keep changing before the first step starts."""


@dataclass
class Opened:
    """An open target.

    Attributes:
        executor: What acts on it.
        record: What the trace records about it (``trace.target``).
    """

    executor: Executor
    record: dict[str, Any] = field(default_factory=dict)


@contextmanager
def open_target(
    target: BrowserTarget | DesktopTarget,
    *,
    base_dir: Path | None = None,
    headed: bool = False,
    allowed_domains: list[str] | None = None,
    timeout_s: float = 15.0,
    browser: Any = None,
    cdp: str | None = None,
    display: str | None = None,
    log_dir: Path | None = None,
    navigate: bool = True,
    connect: str | None = None,
) -> Iterator[Opened]:
    """Open a browser target (the first five options) or a desktop one (the last two).

    ``base_dir`` is what a relative ``url`` is relative to (None: the file's own folder is
    served); ``browser`` (a running Playwright ``Browser``) is reused when given, ``cdp``
    attaches to a Chromium running elsewhere and ``connect`` to a Playwright browser server;
    ``display`` overrides a desktop target's, and a launched program's output goes to
    ``log_dir/program.log``. ``navigate=False`` leaves the page blank (the API opens the start
    URL as a step of its own, in the trace).
    """
    if isinstance(target, DesktopTarget):
        with _open_desktop(target, display=display, log_dir=log_dir) as opened:
            yield opened
        return
    with _open_browser(
        target, base_dir=base_dir, headed=headed, allowed_domains=allowed_domains,
        timeout_s=timeout_s, browser=browser, cdp=cdp, navigate=navigate, connect=connect,
    ) as opened:  # fmt: skip
        yield opened


@contextmanager
def _open_browser(
    target: BrowserTarget,
    *,
    base_dir: Path | None,
    headed: bool,
    allowed_domains: list[str] | None,
    timeout_s: float,
    browser: Any,
    cdp: str | None,
    navigate: bool,
    connect: str | None = None,
) -> Iterator[Opened]:
    """Serve the local site if the URL is a path, launch Chromium, open the URL."""
    from actions.playwright import PlaywrightExecutor
    from agent.site import LocalSite

    with ExitStack() as stack:
        url = target.url
        if "://" not in url and url != BLANK:
            path = url.split("#")[0].split("?")[0]
            local = ((base_dir or Path.cwd()) / Path(path).expanduser()).resolve()
            if not local.is_file():
                raise UsageError(f"no such file {url!r} (looked for {local}), and not a URL")
            root = base_dir.resolve() if base_dir is not None else local.parent
            if root not in local.parents:
                root = local.parent
            site = stack.enter_context(LocalSite(root))
            url = site.url_for(local.relative_to(root).as_posix() + url[len(path) :])
        executor = PlaywrightExecutor.launch(
            viewport=(target.viewport.width, target.viewport.height),
            device_scale_factor=target.device_scale_factor,
            headless=not (headed or target.headed),
            allowed_domains=allowed_domains,
            timeout_s=timeout_s,
            browser=browser,
            cdp=cdp,
            connect=connect,
        )
        stack.callback(executor.close)
        if navigate and url != BLANK:
            try:
                domains.goto(executor.page, url, executor.domain_limit)
            except ActionError as exc:
                raise PageUnavailable(f"the start page: {exc}") from None
        yield Opened(executor, {"browser": target.model_dump(mode="json"), "start_url": url})


@contextmanager
def _open_desktop(
    target: DesktopTarget, *, display: str | None, log_dir: Path | None
) -> Iterator[Opened]:
    """Open the display (starting Xvfb when needed), launch the program, wait for its window."""
    from actions.desktop import DesktopExecutor
    from actions.display import Program, open_display, window_manager

    with ExitStack() as stack:
        size = (target.screen.width, target.screen.height)
        shown = stack.enter_context(open_display(display or target.display, size=size))
        if target.wm and shown.virtual:
            wm_log = log_dir / "wm.log" if log_dir else None
            stack.enter_context(window_manager(target.wm, shown.env, log_path=wm_log))
        elif target.wm:
            log.info("desktop.wm: %s not started on %s, which is not ours", target.wm, shown.name)
        program = None
        if target.launch:
            log_path = log_dir / "program.log" if log_dir else None
            env = shown.env
            if shown.virtual and "DBUS_SESSION_BUS_ADDRESS" not in env:
                # No session bus on a bare virtual display: GTK's settings store cannot
                # write, and a check box bound to a setting (mousepad's "Match case") springs
                # back after every click. Settings kept in memory work for the run.
                env.setdefault("GSETTINGS_BACKEND", "memory")
            program = stack.enter_context(Program(target.launch, env, log_path=log_path))
            program.wait_for_window(target.window)
        executor = DesktopExecutor(
            shown.name,
            xauthority=shown.xauthority,
            window=target.window,
            fail_safe=not shown.virtual,  # nobody can reach a virtual display's corners
            program=program,
        )
        stack.callback(executor.close)
        if target.launch:
            # At the end, the program first finishes what the last step started (a Save
            # button's click writes the file after the click has shown).
            stack.callback(_settled, executor)
        if target.launch and not executor.settle(SETTLE_S, interval_s=0.15):
            log.info("the screen was still changing after %g s; starting anyway", SETTLE_S)
        record = {"desktop": target.model_dump(mode="json"), "display": shown.name,
                  "virtual": shown.virtual}  # fmt: skip
        yield Opened(executor, record)


def _settled(executor: Any) -> None:
    """Wait (at most END_SETTLE_S) for the screen to be still; nothing if it cannot be read."""
    try:
        executor.settle(END_SETTLE_S)
    except Exception:  # noqa: BLE001 - the program or display may be gone by now
        log.debug("the screen could not be read at the end", exc_info=True)
