"""The browser executor: Playwright driving Chromium.

Screenshot pixels become CSS pixels here and nowhere else (:meth:`PlaywrightExecutor.to_css`).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from typing_extensions import assert_never

from actions import domains, element_points, frames, tabs, uploads
from actions import page_scripts as scripts
from actions.base import PageState, ShownText
from actions.browser_launch import browser_gone, close_quietly, open_page
from actions.dialogs import DialogKeeper
from actions.domains import DomainLimit, DomainRule
from actions.downloads import Downloads
from actions.effects import PageEffects
from actions.page_capture import PageCapture
from actions.retry import transient_retrying
from actions.schema import (
    Action,
    Click,
    Drag,
    Goto,
    Hover,
    Point,
    Press,
    Scroll,
    Select,
    TypeText,
    Wait,
)
from actions.secret_boxes import secret_boxes
from actions.typing_focus import focus_field
from agent.errors import (
    ActionError,
    OccludedTarget,
    UserError,
    VerificationFailed,
)
from perception.screen import Screenshot

log = logging.getLogger(__name__)


class PlaywrightExecutor:
    """Carries out actions on one Playwright page.

    Build it with :meth:`launch` (it owns the browser and closes it) or around an existing page
    (it closes nothing).
    """

    name = "browser"

    def __init__(self, page: Any, *, owned: tuple[Any, ...] = ()) -> None:
        self._page = page
        self._owned = owned
        self._capture_scale: float | None = None
        self._shooter = PageCapture(page)
        self._hidden: list[str] = []
        self._least = 6
        self.domain_limit: DomainLimit | None = None
        """The ``allowed_domains`` in force, if any."""
        self.dialogs = DialogKeeper.for_page(page)
        """How the page's dialogs are answered, and those it opened."""
        self.effects = PageEffects.for_page(page, self.to_css)
        """What the executor's actions did, told apart from what the page did anyway."""
        self.downloads = Downloads()
        """The files the pages downloaded (saved as they arrive)."""
        self.downloads.watch(page)
        try:
            self._tabs: tabs.Tabs | None = tabs.Tabs.for_context(page.context)
        except Exception:  # noqa: BLE001 - a page without a context of its own: one tab
            self._tabs = None

    @classmethod
    def launch(
        cls,
        *,
        viewport: tuple[int, int] = (1280, 800),
        device_scale_factor: float = 1.0,
        headless: bool = True,
        executable: str | None = None,
        allowed_domains: list[str] | None = None,
        public_only: bool = False,
        timeout_s: float = 10.0,
        browser: Any = None,
        cdp: str | None = None,
        connect: str | None = None,
    ) -> PlaywrightExecutor:
        """Start Chromium (system first, then Playwright's) with one page.

        With ``browser`` (a running Playwright ``Browser``), open a new context in it instead:
        one browser can serve many runs, and Playwright's sync API allows one instance per
        thread anyway. With ``cdp`` (a URL such as ``http://127.0.0.1:9222``), attach to a
        Chromium running elsewhere; with ``connect`` (``ws://...``), to a Playwright browser
        server.

        Raises:
            BrowserNotFound: No Chromium is installed.
            MissingDependency: Playwright itself is missing.
        """
        # Proxied: the network side of the limit sees redirects' hops and WebSockets.
        limit = None
        if allowed_domains:  # ``public_only``: public addresses only (no loopback, no LAN)
            rule = DomainRule(allowed_domains, loopback=not public_only)
            limit = DomainLimit(rule, proxied=True, public_only=public_only)
        try:
            page, owned = open_page(
                viewport=viewport, device_scale_factor=device_scale_factor, headless=headless,
                executable=executable, timeout_s=timeout_s, browser=browser, cdp=cdp,
                connect=connect,
                proxy=limit.proxy if limit else None,
            )  # fmt: skip
        except BaseException:
            if limit is not None:
                limit.close()
            raise
        executor = cls(page, owned=(*owned, limit) if limit else owned)
        executor.domain_limit = limit
        if limit is not None:
            limit.enforce(page.context)
        return executor

    @property
    def page(self) -> Any:
        """The Playwright page (engines read its accessibility tree)."""
        return self._page

    @property
    def device_scale_factor(self) -> float:
        """Image pixels per CSS pixel."""
        return float(self._page.evaluate("window.devicePixelRatio"))

    def limit_domains(self, allowed: list[str]) -> None:
        """Block every request to a host outside ``allowed`` (and their subdomains), and
        every ``file:`` address. On a page this executor did not launch, only what the page
        asks for is seen: a redirect's later hops and WebSockets need :meth:`launch`."""
        self.domain_limit = DomainLimit(DomainRule(allowed))
        self.domain_limit.enforce(self._page.context)

    @property
    def blocked(self) -> list[str]:
        """Addresses the domain limit blocked (without query), for the trace."""
        return self.domain_limit.blocked if self.domain_limit else []

    # -- tabs: the current page follows a new one, or the task's choice ----------------------
    def _use(self, page: Any) -> None:
        """Make ``page`` the one the task works on (captures, actions, dialogs, effects)."""
        policy = self.dialogs.policy
        self._shooter.close()
        self._page, self._shooter, self._capture_scale = page, PageCapture(page), None
        self.dialogs = DialogKeeper.for_page(page)
        self.dialogs.policy = self.dialogs.policy or policy
        self.effects = PageEffects.for_page(page, self.to_css)
        self.downloads.watch(page)
        page.bring_to_front()

    def follow_new_tab(self) -> str | None:
        """Go to the tab the last step opened, if it opened one (or back to the one that
        opened this tab, if the step closed it: a popup done with); a note saying so."""
        page, why = tabs.next_page(self._page, self._tabs)
        if page is None:
            return None
        self._use(page)
        return why

    def switch_tab(self, which: str) -> str:
        """Go to the tab named by position (from 1) or part of its title or address."""
        self._use(tabs.find_tab(self._page, which))
        return f"now on {self._page.url}"

    def close_tab(self, which: str | None = None) -> str:
        """Close the current tab (or the one named), going back to the one that opened it."""
        page = tabs.find_tab(self._page, which) if which else self._page
        nxt = tabs.after_closing(page)
        if page is self._page:
            self._use(nxt)
        return f"closed {page.url}; now on {self._page.url}"

    # -- coordinates: the one place screenshot pixels become CSS pixels -------------------------
    def to_css(self, point: Point) -> tuple[float, float]:
        """Screenshot pixels -> CSS pixels of the viewport."""
        return point.x / self._scale, point.y / self._scale

    @property
    def _scale(self) -> float:
        """Screenshot pixels per CSS pixel (the last capture's, else the page's DPR)."""
        if self._capture_scale is None:
            self._capture_scale = self.device_scale_factor
        return self._capture_scale

    def capture(self) -> Screenshot:
        """A PNG of the viewport at device resolution, once the page has loaded."""
        with browser_gone():
            try:
                return self._capture()
            except Exception:
                if not self._page.is_closed() or self.follow_new_tab() is None:
                    raise
                return self._capture()  # a popup closed itself: its opener is the page now

    def _capture(self) -> Screenshot:
        for attempt in transient_retrying():
            with attempt:
                try:
                    # A click may have started a navigation: capture the new page.
                    self._page.wait_for_load_state("load", timeout=10_000)
                except Exception:  # noqa: BLE001 - a page still loading is shown as it is
                    log.debug("page still loading; capturing it as it is")
                # Before and after the shot: a secret shown anywhere in between is covered.
                hidden = secret_boxes(self._page, self._hidden, self._least)
                # Chromium refuses a capture while the page is being replaced: try again.
                data = self._shooter.png()
                hidden += secret_boxes(self._page, self._hidden, self._least)
        shot = Screenshot.from_bytes(data, source=self._page.url)
        viewport = self._page.viewport_size
        scale = shot.size[0] / viewport["width"] if viewport else self.device_scale_factor
        self._capture_scale = scale
        shot = Screenshot(image=shot.image, scale=scale, source=self._page.url)
        return shot.blacked_out([[v * scale for v in box] for box in hidden], margin=1)

    def hide(self, values: list[str], *, least: int) -> None:
        """Black out, in every capture from now on, where the page shows one of ``values``
        or a start of one at least ``least`` characters long."""
        self._hidden, self._least = [*self._hidden, *values], least

    def state(self, point: Point | None = None) -> PageState:
        """URL, focus, the focused field's value, scroll offsets and a hash of the a11y tree."""
        css = self.to_css(point) if point else (None, None)
        info = self._page.evaluate(scripts.STATE_JS, list(css))
        # The AI mode keeps element refs stable; the default mode would invalidate the handles
        # an engine just returned.
        tree = self._page.aria_snapshot(mode="ai")
        return PageState(
            location=self._page.url,
            fingerprint=hashlib.sha1(tree.encode()).hexdigest(),
            focus=info["focus"],
            value=info["value"],
            scroll=tuple(float(v) for v in info["scroll"]),
        )

    def value_at(self, action: Action) -> str | None:
        """The value of the field or select the action aimed at (the focused one for typing).

        Raises:
            VerificationFailed: Text was typed but no text field has focus: it went nowhere.
        """
        point = getattr(action, "point", None)
        if point is None:
            # Nothing at a point off the page: the script reads where focus is.
            value = self._page.evaluate(scripts.VALUE_AT_JS, [-1, -1])
            if not isinstance(value, dict):
                value = self.state().value
        else:
            handle = getattr(action, "handle", None)
            value = frames.evaluate_at(self._page, handle, scripts.VALUE_AT_JS, self.to_css(point))
        if value is None and isinstance(action, TypeText):
            raise VerificationFailed(
                "after typing, no text field has focus: the target is no field"
            )
        if isinstance(value, dict):
            return ShownText(value["shown"])
        return None if value is None else str(value)

    def upload(self, point: Point, handle: str | None, files: list[Path]) -> list[str]:
        """Give files to the file input there (or the chooser it opens); the names it holds."""
        with browser_gone():
            return uploads.upload(self._page, self.to_css(point), handle, files)

    def takes_files(self, handle: str) -> bool:
        """Whether the element is a file input."""
        return uploads.takes_files(self._page, handle)

    def reveal(self, handle: str) -> None:
        """Scroll the element with this handle into view."""
        self._page.locator(handle).scroll_into_view_if_needed()

    def hit_test(self, point: Point, handle: str | None) -> None:
        """Raise OccludedTarget when something other than the target is at the point."""
        if not handle:
            return
        x, y = self.to_css(point)
        try:
            ox, oy = frames.offset(self._page, handle)  # a frame's document has its own origin
            result = self._page.locator(handle).evaluate(
                scripts.HIT_TEST_JS, [x - ox, y - oy], timeout=2000
            )
        except Exception as exc:  # noqa: BLE001 - a stale handle: the page changed
            raise ActionError(f"the target is gone ({handle}): {exc}".splitlines()[0]) from exc
        if not result["ok"]:
            raise OccludedTarget(
                f"the click point ({x:.0f}, {y:.0f}) is covered by {result['at'] or 'nothing'}"
            )

    def visible_point(self, handle: str) -> Point | None:
        """A point (screenshot pixels) where the element itself is on top, or None when it is
        covered everywhere: for a click whose centre another element covers."""
        return element_points.visible_point(self._page, handle, self._scale)

    def is_native_select(self, point: Point, handle: str | None) -> bool:
        """Whether the element (or the one at the point) is a ``<select>`` or labels one."""
        try:
            if handle:
                return bool(self._page.locator(handle).evaluate(scripts.IS_SELECT_JS, timeout=2000))
            return bool(self._page.evaluate(scripts.SELECT_AT_POINT_JS, list(self.to_css(point))))
        except Exception:  # noqa: BLE001 - a stale handle: the native path reports it
            return True

    def unstick(self, handle: str) -> tuple[Point | None, str]:
        """Scroll a target out from under a fixed bar: its new point, and what covered it.

        Raises:
            OccludedTarget: A modal dialog covers it (scrolling cannot help).
        """
        return element_points.unstick(self._page, handle, self._scale)

    def perform(self, action: Action) -> None:
        """Carry out one resolved action."""
        with browser_gone():
            self._perform(action)

    def _perform(self, action: Action) -> None:
        page = self._page
        mouse, keyboard = page.mouse, page.keyboard
        match action:
            case Click():
                self.hit_test(action.point, action.handle)
                x, y = self.to_css(action.point)
                mouse.click(x, y, button=action.button, click_count=action.clicks)
            case Hover():
                self.hit_test(action.point, action.handle)
                mouse.move(*self.to_css(action.point))
            case TypeText():
                if action.point is not None:
                    action = focus_field(self, action)
                if action.clear:
                    keyboard.press("ControlOrMeta+A")
                    keyboard.press("Delete")
                elif action.point is not None and action.text:
                    keyboard.press("ControlOrMeta+End")  # added to what the field holds
                if action.text:
                    keyboard.type(action.text)
                if action.submit:
                    keyboard.press("Enter")
            case Press():
                try:
                    keyboard.press(action.keys)
                except Exception as exc:  # noqa: BLE001 - Playwright's message names the key
                    raise UserError(f"cannot press {action.keys!r}: {exc}".splitlines()[0]) from exc
            case Scroll():
                if action.point is None:
                    page.evaluate(
                        "([dx, dy]) => window.scrollBy({left: dx, top: dy, behavior: 'instant'})",
                        [action.dx / self._scale, action.dy / self._scale],
                    )
                else:
                    mouse.move(*self.to_css(action.point))
                    mouse.wheel(action.dx / self._scale, action.dy / self._scale)
            case Select():
                self._select(action)
            case Drag():
                self.hit_test(action.start, action.handle)
                mouse.move(*self.to_css(action.start))
                mouse.down()
                mouse.move(*self.to_css(action.end), steps=12)
                mouse.up()
            case Goto():
                domains.goto(page, action.url, self.domain_limit)
            case Wait():
                page.wait_for_timeout(action.seconds * 1000)
            case _:  # pragma: no cover - the union is closed
                assert_never(action)

    def _select(self, action: Select) -> None:
        if action.handle:
            locator = self._page.locator(action.handle)
            try:
                locator.select_option(label=action.option, timeout=2000)
                return
            except Exception:  # noqa: BLE001 - maybe it names the option's value, not its label
                pass
        message = self._page.evaluate(
            scripts.SELECT_AT_JS, [*self.to_css(action.point), action.option]
        )
        if message:
            raise ActionError(f"cannot select {action.option!r}: {message}")

    def close(self) -> None:
        """Close what this executor launched (nothing, when it wraps a page it was given)."""
        self._shooter.close()
        for thing in self._owned:
            close_quietly(thing)
        self._owned = ()
