"""What an action did: its own effects, told apart from changes it did not cause.

"The page changed after the click" is not evidence that the click worked: a clock ticks, the
row under the pointer highlights, a tooltip opens, focus lands on a neighbour. A
:class:`PageEffects` watches one page: before an action the mouse rests on the target for a
moment (hover effects land then, and whatever changes in that moment on its own is
background); after it, only changes outside that background count, together with what the
page's events say (a navigation, a new tab, a download, a dialog, a request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from actions import effects_js as js
from actions import frames
from actions.dialogs import DialogKeeper
from actions.owned import one_per

PRE_S = 0.15
"""How long the pointer rests on the target before the action: hover effects land and
fast background changes (a clock, a blinking caret) show themselves."""
QUIET_S = 0.15
"""How long the page must have been still to count as settled."""
REQUEST_TYPES = frozenset({"document", "xhr", "fetch", "eventsource", "websocket", "other"})
"""Requests an action starts on purpose (not the images or fonts a hover style loads)."""


@dataclass
class Effects:
    """What changed since an action began.

    Attributes:
        seen: The action's own effects, in words.
        ignored: Changes discounted (hover, background, a tooltip, focus elsewhere).
        toggle: For a checkbox, switch or radio target: its kind and state before and after.
    """

    seen: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    toggle: dict[str, Any] | None = None

    def flipped(self) -> bool | None:
        """Whether the target toggle's state changed (None: the target is no toggle)."""
        if not self.toggle or self.toggle.get("now") is None:
            return None
        return bool(self.toggle["on"] != self.toggle["now"])


class EffectWatcher(Protocol):
    """Tells an action's own effects from what happened anyway (a browser page, a desktop)."""

    def watch(self, point: Any | None, handle: str | None, *, hover: bool = True) -> None:
        """An action at ``point`` (or on ``handle``) is about to start."""
        ...

    def seen(self) -> Effects:
        """What changed since :meth:`watch`."""
        ...

    def done(self) -> None:
        """The action's window ends."""
        ...

    def settle(self, max_s: float) -> str | None:
        """Wait until the screen is still, at most ``max_s``; a note when it was not."""
        ...


class PageEffects:
    """Watches one browser page for the effects of the executor's actions."""

    def __init__(self, page: Any, to_css: Callable[[Any], tuple[float, float]]) -> None:
        self._page = page
        self._to_css = to_css
        self._dialogs = DialogKeeper.for_page(page)
        self._events: list[tuple[float, str]] = []
        self._since = 0.0
        self._dialogs_before = 0
        self._network_busy = False
        try:
            context = page.context
            # Once per context: every document of every tab has the observer from its start.
            one_per(context, "_gui_agent_observer", lambda: context.add_init_script(js.INSTALL_JS))
            context.on("page", lambda p: self._event("a new tab opened"))
        except Exception:  # noqa: BLE001 - a page without a context of its own: on demand only
            pass
        page.on("download", lambda d: self._event(f"a download started ({d.suggested_filename})"))
        page.on("request", self._on_request)
        # Listening from the start turns Playwright's file-chooser interception on long before
        # an upload's click: switched on with that click it can lose the race (CI saw it), and
        # a click that opens a chooser has done something.
        page.on("filechooser", lambda c: self._event("a file chooser opened"))

    @classmethod
    def for_page(cls, page: Any, to_css: Callable[[Any], tuple[float, float]]) -> PageEffects:
        """The page's watcher, made (and listening) the first time, shared after."""
        return one_per(page, "_gui_agent_effects", lambda: cls(page, to_css))

    def _event(self, what: str) -> None:
        self._events.append((time.monotonic(), what))
        del self._events[:-50]

    def _on_request(self, request: Any) -> None:
        if request.resource_type in REQUEST_TYPES:
            path = str(request.url).split("?")[0][-60:]
            self._event(f"a request to {path} started")

    def watch(self, point: Any | None, handle: str | None, *, hover: bool = True) -> None:
        """An action on the element at ``point`` (or ``handle``) is about to start."""
        css = self._to_css(point) if point is not None else (None, None)
        started = time.monotonic()
        if hover and point is not None:
            self._page.mouse.move(*css)
        self._page.wait_for_timeout(PRE_S * 1000)
        pre_ms = (time.monotonic() - started) * 1000 + 20
        args = {"x": css[0], "y": css[1], "pre": pre_ms}
        self._network_busy = any(
            t >= started and "request" in what for t, what in self._events
        )  # a page that polls: its requests say nothing about the action
        # Every document is marked (a click may change another frame); the target's own by
        # its handle, the others by the point (the page) or with no target (other frames).
        main = self._page.main_frame
        by_handle = False
        if handle:
            target = self._page.locator(handle)
            on = lambda script, a: target.evaluate(script, a, timeout=1000)  # noqa: E731
            by_handle = _mark(on, js.MARK_JS, js.INSTALL_ON_JS, args)
        for frame in self._page.frames:
            if frame == main and by_handle and not frames.in_frame(handle):
                continue
            where = args if frame == main else {**args, "x": None, "y": None}
            _mark(frame.evaluate, js.MARK_AT_JS, js.INSTALL_JS, where)
        self._since = time.monotonic()
        self._dialogs_before = self._dialogs.opened

    def seen(self) -> Effects:
        """What changed since :meth:`watch`; a page replaced by a navigation says so."""
        effects = Effects()
        for frame in self._page.frames:
            main = frame == self._page.main_frame
            try:
                found = frame.evaluate(js.SEEN_JS)
            except Exception:  # noqa: BLE001 - the document went away mid-read: it navigated
                found = {"fresh": main}
            if found.get("fresh"):
                if main:
                    effects.seen.insert(0, f"the page was replaced ({self._page.url})")
                continue
            effects.seen += [s for s in found.get("seen") or [] if s not in effects.seen]
            effects.ignored += [s for s in found.get("ignored") or [] if s not in effects.ignored]
            effects.toggle = effects.toggle or found.get("toggle")
        if self._dialogs.opened > self._dialogs_before:
            effects.seen.append("a dialog opened")
        for t, what in self._events:
            if t < self._since:
                continue
            if "request" in what and self._network_busy:
                effects.ignored.append(f"{what} (the page was already making requests)")
            else:
                effects.seen.append(what)
        return effects

    def done(self) -> None:
        """The action's window ends: later changes are the page's own again."""
        try:
            self._page.evaluate(js.DONE_JS)
        except Exception:  # noqa: BLE001 - the page navigated: the new document has no window
            pass

    def quiet(self) -> tuple[float, str, list[str]]:
        """Milliseconds since the page last changed, what changed, and what never stops."""
        found = self._page.evaluate(js.QUIET_JS)
        if found is None:  # a page loaded before the watcher: no history to wait on
            self._page.evaluate(js.INSTALL_JS)
            return float("inf"), "", []
        return float(found["ms"]), str(found["what"]), list(found["noisy"])

    def settle(self, max_s: float) -> str | None:
        """Wait until the page has been still for a moment (what keeps changing for a
        second or more, a clock or an endless animation, does not count), at most ``max_s``;
        a note when it was read while still changing."""
        deadline = time.monotonic() + max(0.0, max_s)
        while True:
            try:
                ms, what, noisy = self.quiet()
            except Exception:  # noqa: BLE001 - the page is navigating: capture waits for it
                return None
            if ms >= QUIET_S * 1000:
                return f"read while {', '.join(noisy)} kept changing" if noisy else None
            if time.monotonic() >= deadline:
                return f"the page was still changing ({what}) after {max_s:.1f} s: read as it was"
            self._page.wait_for_timeout(50)


def _mark(evaluate: Callable[..., Any], script: str, install: str, args: dict[str, Any]) -> bool:
    """Mark an action's start with ``evaluate`` (a frame's, or a locator's in its frame),
    installing the observer there first if the document has none; whether it was marked."""
    try:
        marked = evaluate(script, args)
        if marked is None:  # no observer yet (a page loaded before the watcher)
            evaluate(install, None)
            marked = evaluate(script, args)
    except Exception:  # noqa: BLE001 - a stale handle, or a frame that went away meanwhile
        return False
    return marked is not None
