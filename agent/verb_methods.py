"""The verbs as typed methods of :class:`agent.api.Agent`: each hands its arguments to
:meth:`VerbMethods.do` (the registry in :mod:`agent.step.verbs` does the rest). A test keeps
these methods and the registry naming the same verbs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

GOAL_TIMEOUT_S = 600.0
"""A goal's default timeout in the API: a model plans several actions, each seconds long."""


class VerbMethods(ABC):
    """One typed method per verb (``extract`` is the Agent's own: it converts types)."""

    @abstractmethod
    def do(self, verb: str, **args: Any) -> Any:
        """Run a verb by its task-file name; returns its output."""

    def goto(self, url: str, *, timeout: float | None = None) -> None:
        """Open a URL (relative URLs resolve against the current page)."""
        self.do("goto", url=url, timeout=timeout)

    def click(self, target: str, *, verify: bool = True, timeout: float | None = None) -> None:
        """Click the described element; its own effect must show (``verify=False``: it has
        none to see, and is not checked)."""
        self.do("click", target=target, verify=verify, timeout=timeout)

    def double_click(
        self, target: str, *, verify: bool = True, timeout: float | None = None
    ) -> None:
        """Double-click the described element; its own effect must show."""
        self.do("double_click", target=target, verify=verify, timeout=timeout)

    def right_click(
        self, target: str, *, verify: bool = True, timeout: float | None = None
    ) -> None:
        """Right-click the described element; its own effect must show."""
        self.do("right_click", target=target, verify=verify, timeout=timeout)

    def upload(
        self, file: str | Path | list[str | Path], *, into: str, timeout: float | None = None
    ) -> None:
        """Give a file (or several) to the described file field or upload button; it must
        hold them. Paths are relative to the working folder."""
        files = [str(f) for f in file] if isinstance(file, list) else str(file)
        self.do("upload", file=files, into=into, timeout=timeout)

    def switch_tab(self, tab: str, *, timeout: float | None = None) -> None:
        """Go on in another tab: by position (from 1) or part of its title or address."""
        self.do("switch_tab", tab=tab, timeout=timeout)

    def close_tab(self, tab: str | None = None, *, timeout: float | None = None) -> None:
        """Close the current tab (or the one named); go on in the tab that opened it."""
        self.do("close_tab", tab=tab, timeout=timeout)

    def hover(self, target: str, *, timeout: float | None = None) -> None:
        """Move the mouse over the described element."""
        self.do("hover", target=target, timeout=timeout)

    def type(
        self, text: str, *, into: str | None = None, clear: bool | None = None,
        submit: bool = False, timeout: float | None = None,
    ) -> None:  # fmt: skip
        """Type text into the described field (or where focus is); it must hold the text.
        ``clear`` (default: only with ``into``) empties the field first."""
        self.do("type", text=text, into=into, clear=clear, submit=submit, timeout=timeout)

    def press(self, keys: str, *, timeout: float | None = None) -> None:
        """Press a key or a chord such as ``Control+A``."""
        self.do("press", keys=keys, timeout=timeout)

    def scroll(
        self, direction: str = "down", *, amount: float = 1.0, within: str | None = None,
        timeout: float | None = None,
    ) -> None:  # fmt: skip
        """Scroll the page, or inside the described element, by ``amount`` screens."""
        self.do("scroll", direction=direction, amount=amount, within=within, timeout=timeout)

    def dialog(
        self, answer: str = "accept", *, text: str | None = None, timeout: float | None = None
    ) -> None:
        """Answer the next confirm or prompt dialog: ``accept`` (OK) or ``dismiss``; ``text``
        is typed into a prompt. Call it before the step that opens the dialog."""
        self.do("dialog", answer=answer, text=text, timeout=timeout)

    def select(self, option: str, *, in_: str, timeout: float | None = None) -> None:
        """Choose ``option`` in the described select box (``in`` in task files)."""
        self.do("select", option=option, in_=in_, timeout=timeout)

    def drag(self, from_: str, *, to: str, timeout: float | None = None) -> None:
        """Drag one described element onto another (``from`` in task files)."""
        self.do("drag", from_=from_, to=to, timeout=timeout)

    def wait(self, seconds: float) -> None:
        """Pause."""
        self.do("wait", seconds=seconds)

    def wait_for(self, target: str, *, timeout: float | None = None) -> None:
        """Wait until the described element is there."""
        self.do("wait_for", target=target, timeout=timeout)

    def expect(
        self, text: str | None = None, *, in_: str | None = None, file: str | None = None,
        timeout: float | None = None,
    ) -> Path | None:  # fmt: skip
        """The text (or a described element) must be visible; retried until the timeout (5 s).
        With ``in_``: the described element must show it. With ``file``: that file must have
        been downloaded (holding ``text``, when given); returns where it was saved."""
        saved = self.do("expect", text=text, in_=in_, file=file, timeout=timeout)
        return Path(saved) if file and saved else None

    def expect_not(self, text: str, *, timeout: float | None = None) -> None:
        """The text (or a described element) must not be visible, or go before the timeout."""
        self.do("expect_not", text=text, timeout=timeout)

    def expect_value(
        self, what: str, *, equals: str | float | None = None, greater_than: float | None = None,
        less_than: float | None = None, timeout: float | None = None,
    ) -> Any:  # fmt: skip
        """What the described element reads must equal (or be above, below) the value;
        retried until the timeout. Returns the reading."""
        return self.do(
            "expect", extract=what, equals=equals, greater_than=greater_than,
            less_than=less_than, timeout=timeout,
        )  # fmt: skip

    def expect_url(self, url: str, *, timeout: float | None = None) -> None:
        """The page's address must contain ``url``; read again until the timeout (5 s)."""
        self.do("expect_url", url=url, timeout=timeout)

    def act(self, goal: str, *, max_steps: int = 15, timeout: float | None = None) -> str | None:
        """A goal for the vision-language model, planned step by step; returns its answer."""
        answer: str | None = self.do(
            "goal", goal=goal, max_steps=max_steps, timeout=timeout or GOAL_TIMEOUT_S
        )
        return answer
