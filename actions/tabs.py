"""A browser context's tabs.

A page the task opens (a ``target=_blank`` link, a popup, ``window.open``) becomes the current
page when the step that opened it ends, as a person's eyes follow a new tab; ``switch_tab``
and ``close_tab`` move between them by title, address or position.
"""

from __future__ import annotations

from typing import Any

from actions.owned import one_per
from agent.errors import UsageError


class Tabs:
    """The pages one browser context opened since the last look."""

    def __init__(self, context: Any) -> None:
        self.opened: list[Any] = []
        self._openers: dict[int, Any] = {}
        context.on("page", self._on_page)  # a method: Playwright tags its handlers

    def _on_page(self, page: Any) -> None:
        self.opened.append(page)
        try:
            self._openers[id(page)] = page.opener()
        except Exception:  # noqa: BLE001 - closed as it opened
            pass

    def opener_of(self, page: Any) -> Any | None:
        """The open tab that opened ``page`` (remembered: a closed page cannot say)."""
        opener = self._openers.get(id(page))
        return opener if opener is not None and not opener.is_closed() else None

    @classmethod
    def for_context(cls, context: Any) -> Tabs:
        """The context's tab list, made (and listening) the first time, shared after."""
        return one_per(context, "_gui_agent_tabs", lambda: cls(context))

    def take_new(self) -> Any | None:
        """The newest page opened since the last call that is still open, or None."""
        alive = [p for p in self.opened if not p.is_closed()]
        self.opened.clear()
        return alive[-1] if alive else None


def next_page(page: Any, tabs: Tabs | None) -> tuple[Any | None, str]:
    """The page a task goes on in after a step, and why: the newest tab it opened; or, when
    ``page`` closed (a popup done with), the tab that opened it, else the last one open;
    None: stay."""
    new = tabs.take_new() if tabs else None
    if new is not None and new is not page:
        try:
            new.wait_for_load_state("load", timeout=10_000)
        except Exception:  # noqa: BLE001 - still loading: captures wait for it
            pass
        return new, f"a new tab opened; now on it: {new.url}"
    if not page.is_closed():
        return None, ""
    opener = tabs.opener_of(page) if tabs else None
    pages = [p for p in page.context.pages if not p.is_closed()]
    back = opener or (pages[-1] if pages else None)
    return back, f"the tab closed; back on {back.url}" if back else ""


def open_pages(page: Any) -> list[Any]:
    """The context's open pages, in the order they opened."""
    return [p for p in page.context.pages if not p.is_closed()]


def _label(index: int, page: Any) -> str:
    return f"{index}: {_title(page) or '(untitled)'} <{page.url}>"


def find_tab(page: Any, which: str) -> Any:
    """The open page named by position (``2``, from 1), or by a part of its title or address.

    Raises:
        UsageError: No tab, or several, answer to ``which`` (the open tabs are listed).
    """
    pages = open_pages(page)
    listed = "; ".join(_label(i, p) for i, p in enumerate(pages, 1))
    if which.strip().isdigit():
        index = int(which)
        if 1 <= index <= len(pages):
            return pages[index - 1]
        raise UsageError(f"there is no tab {index}; open tabs: {listed}")
    wanted = which.casefold()
    matching = [
        p for p in pages if wanted in (_title(p).casefold()) or wanted in str(p.url).casefold()
    ]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        raise UsageError(f"no tab's title or address contains {which!r}; open tabs: {listed}")
    raise UsageError(f"{len(matching)} tabs answer to {which!r}: say which ({listed})")


def _title(page: Any) -> str:
    try:
        return str(page.title())
    except Exception:  # noqa: BLE001 - a page navigating has no title yet
        return ""


def after_closing(page: Any) -> Any:
    """Close the page; the tab that opened it (else the last one open) is next.

    Raises:
        UsageError: It is the last tab: a run needs one to go on.
    """
    others = [p for p in open_pages(page) if p is not page]
    if not others:
        raise UsageError("close_tab would close the last tab; a run needs one open")
    opener = page.opener()
    page.close()
    return opener if opener is not None and not opener.is_closed() else others[-1]
