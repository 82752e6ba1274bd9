"""The Executor protocol: what the loop needs from a browser or a desktop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from actions.dialogs import DialogKeeper
from actions.downloads import Downloads
from actions.effects import EffectWatcher
from actions.schema import Action, Point
from perception.screen import Screenshot


@dataclass(frozen=True)
class PageState:
    """What verification compares before and after an action.

    Attributes:
        location: URL (browser) or window title (desktop).
        fingerprint: A hash of what is on the screen (DOM structure or pixels).
        focus: A description of the focused element.
        value: The focused field's value, when there is one.
        scroll: Scroll offsets that an action may change.
    """

    location: str = ""
    fingerprint: str = ""
    focus: str = ""
    value: str | None = None
    scroll: tuple[float, ...] = ()


class ShownText(str):
    """What an editor or terminal shows, read where focus sits in an input nobody sees (it
    only takes the keys): typed text must appear in it, not equal it."""


@runtime_checkable
class Executor(Protocol):
    """Carries out resolved actions on a browser page or a desktop."""

    name: str

    def capture(self) -> Screenshot:
        """Take a screenshot of what the agent sees."""
        ...

    def perform(self, action: Action) -> None:
        """Carry out one action; raise ActionError when it cannot be done."""
        ...

    def state(self, point: Point | None = None) -> PageState:
        """Read what verification needs (location, focus, a fingerprint of the screen).

        With a point, the scroll offsets include those of the scrollable element there.
        """
        ...

    def value_at(self, action: Action) -> str | None:
        """The current value of the field or select an action targeted, if it can be read
        (a ShownText when the field is a hidden input an editor or terminal draws)."""
        ...

    @property
    def page(self) -> Any:
        """The Playwright page for engines that read the DOM, or None on a desktop."""
        ...

    def close(self) -> None:
        """Release the browser or the display."""
        ...


# Optional abilities: an executor that has one declares it by having the member; the loop asks
# with isinstance, so a missing one is a known gap, not an AttributeError.
@runtime_checkable
class Reveals(Protocol):
    """Can scroll an element into view by its handle (a browser)."""

    def reveal(self, handle: str) -> None:
        """Scroll the element with this handle into view."""
        ...


@runtime_checkable
class FindsVisiblePart(Protocol):
    """Can tell where an element shows when its centre is covered (a browser)."""

    def visible_point(self, handle: str) -> Point | None:
        """A point (screenshot pixels) where the element is on top, or None if it is covered
        everywhere."""
        ...


@runtime_checkable
class Unsticks(Protocol):
    """Can scroll a target out from under a fixed header or banner (a browser)."""

    def unstick(self, handle: str) -> tuple[Point | None, str]:
        """The target's point once clear of the bar over it (None: it could not be), and
        the bar."""
        ...


@runtime_checkable
class TellsSelects(Protocol):
    """Can tell a native select box from a dropdown built of other elements (a browser)."""

    def is_native_select(self, point: Point, handle: str | None) -> bool:
        """Whether the element (or the one at the point) is a ``<select>`` or labels one;
        True when it cannot tell."""
        ...


@runtime_checkable
class BlocksRequests(Protocol):
    """Keeps the requests a domain limit refused, for the trace (a browser)."""

    blocked: list[str]


@runtime_checkable
class HidesSecrets(Protocol):
    """Blacks out, in every capture, wherever the screen shows one of the values (a
    browser: the fields holding them and text echoing them, found in the page when captured)."""

    def hide(self, values: list[str], *, least: int) -> None:
        """Hide these values (and their starts of ``least`` characters or more) from now on."""
        ...


ScreenMasker = Callable[[Screenshot], list[list[float]]]
"""What a capture must black out: boxes in its image pixels (where the screen shows a secret)."""


@runtime_checkable
class MasksCaptures(Protocol):
    """Blacks out, in every capture, the boxes its ``masker`` finds in it (a desktop, whose
    fields cannot be read from the outside: the agent hands it a masker that reads the
    screen)."""

    masker: ScreenMasker | None


@runtime_checkable
class AnswersDialogs(Protocol):
    """Answers the page's JavaScript dialogs as told, and reports them (a browser)."""

    dialogs: DialogKeeper


@runtime_checkable
class WatchesEffects(Protocol):
    """Tells an action's own effects from changes it did not cause."""

    effects: EffectWatcher


@runtime_checkable
class FollowsTabs(Protocol):
    """Moves between a browser's tabs (a browser)."""

    def follow_new_tab(self) -> str | None:
        """Go to the tab the last step opened, if any; a note saying so."""
        ...

    def switch_tab(self, which: str) -> str:
        """Go to the tab named by position (from 1) or part of its title or address."""
        ...

    def close_tab(self, which: str | None = None) -> str:
        """Close the current (or the named) tab; the one that opened it is next."""
        ...


@runtime_checkable
class KeepsDownloads(Protocol):
    """Saves the files its pages download (a browser)."""

    downloads: Downloads


@runtime_checkable
class Uploads(Protocol):
    """Gives files to a page's file inputs (a browser)."""

    def upload(self, point: Point, handle: str | None, files: list[Path]) -> list[str]:
        """Give files to the file input at the point; the names it then holds."""
        ...

    def takes_files(self, handle: str) -> bool:
        """Whether the element is a file input."""
        ...
