"""JavaScript dialogs (alert, confirm, prompt, beforeunload): answered as the task says.

A browser left to itself dismisses every dialog, so a "Delete?" confirmation is silently
refused and the step that asked it passes. Here an alert is accepted (it only informs), a
dialog the task answered in advance (the ``dialog`` verb, or the task's ``dialogs`` policy) is
answered so, and any other confirm or prompt is dismissed and reported: the step that opened
it fails with its message, so nothing is answered in the user's name.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal

from actions.owned import one_per

log = logging.getLogger(__name__)

Answer = Literal["accept", "dismiss"]


@dataclass
class SeenDialog:
    """A dialog the page opened, and how it was answered."""

    kind: str
    message: str
    answer: Answer
    expected: bool
    text: str | None = None

    def summary(self) -> str:
        """One line for the trace."""
        typed = f" with {self.text!r}" if self.text is not None else ""
        return f"{self.kind} dialog {self.message[:200]!r}: {self.answer}ed{typed}"


@dataclass
class DialogKeeper:
    """Answers one page's dialogs: the next one as told, else by policy, else refuses."""

    policy: Answer | None = None
    seen: list[SeenDialog] = field(default_factory=list)
    opened: int = 0
    """How many dialogs the page has opened (an action's check counts one as its effect)."""
    recent: list[SeenDialog] = field(default_factory=list)
    """The dialogs of the latest step that was not an expectation (``expect`` reads them)."""
    _next: tuple[Answer, str | None] | None = None

    @classmethod
    def for_page(cls, page: Any) -> DialogKeeper:
        """The page's keeper, made and listening the first time (:func:`one_per`)."""

        def make() -> DialogKeeper:
            keeper = cls()
            page.on("dialog", keeper._on_dialog)
            return keeper

        return one_per(page, "_gui_agent_dialogs", make)

    def answer_next(self, answer: Answer, text: str | None = None) -> None:
        """Answer the next dialog so (``text``: what to type into a prompt)."""
        self._next = (answer, text)

    def take(self) -> list[SeenDialog]:
        """The dialogs seen since the last call."""
        taken, self.seen = self.seen, []
        return taken

    def _on_dialog(self, dialog: Any) -> None:
        self.opened += 1
        kind = str(dialog.type)
        text: str | None = None
        if self._next is not None:
            (answer, text), self._next = self._next, None
            expected = True
        elif kind == "alert":
            answer, expected = "accept", True
        elif self.policy is not None:
            answer, expected = self.policy, True
        else:
            answer, expected = "dismiss", False
        if kind != "prompt":
            text = None
        try:
            if answer == "accept":
                dialog.accept(text) if text is not None else dialog.accept()
            else:
                dialog.dismiss()
        except Exception as exc:  # noqa: BLE001 - the page closed with its dialog open
            log.debug("the dialog could not be answered: %s", exc)
        seen = SeenDialog(kind, str(dialog.message), answer, expected, text)
        self.seen.append(seen)
        self.recent.append(seen)
