"""The arguments of each verb: the leaves of the task-file schema and of the Agent methods.

Field descriptions are what ``agent schema`` shows editors, so they are written for users.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    """A user-facing model: a misspelt field is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Args(Strict):
    """What every verb takes besides its own fields."""

    timeout: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Seconds this step may take (overrides the task's).",
    )
    confirm: bool = Field(
        default=False,
        description="Ask a person before this step acts (in a terminal); a run without one "
        "fails the step unless started with --yes.",
    )


class TargetArgs(Args):
    """A described element: ``Sign in``, ``the Username field``, ``"Remember me" checkbox``."""

    target: str = Field(min_length=1, max_length=2000, description="What to act on, in words.")


class ClickArgs(TargetArgs):
    """Click a described element; its effect must show."""

    verify: bool = Field(
        default=True,
        description="false: the click shows no effect of its own (a calculator's operator "
        "key); it is not checked, and the trace says so.",
    )


class UploadArgs(Args):
    """Give one file or several to a described file field or upload button."""

    file: str | list[str] = Field(
        description="A path (relative to the task file; in Python, to the working folder), or "
        "a list of them.",
    )
    into: str = Field(min_length=1, max_length=2000, description="The file field, in words.")

    def paths(self) -> list[str]:
        """The files, as a list."""
        return [self.file] if isinstance(self.file, str) else list(self.file)


class TabArgs(Args):
    """A tab, by position (from 1) or by a part of its title or address."""

    tab: str = Field(min_length=1, max_length=2000, description="2, Invoice, /checkout, ...")


class CloseTabArgs(Args):
    """Close a tab: the current one, or the one named."""

    tab: str | None = Field(
        default=None, min_length=1, max_length=2000,
        description="Which tab (default: the current one); the tab that opened it is next.",
    )  # fmt: skip


class TypeArgs(Args):
    """Type text, into a described field (or where focus is)."""

    text: str = Field(max_length=100_000, description="The text to type.")
    into: str | None = Field(default=None, min_length=1, description="The field, in words.")
    clear: bool | None = Field(
        default=None,
        description="Empty the field first (false: add the text at its end). Default: yes "
        "with `into`; without it nothing is cleared, the text goes where focus is.",
    )
    submit: bool = Field(default=False, description="Press Enter afterwards.")


class PressArgs(Args):
    """Press a key or a chord."""

    keys: str = Field(min_length=1, max_length=100, description="Enter, Tab, Control+A, ...")


class ScrollArgs(Args):
    """Scroll the page, or inside a described element."""

    direction: Literal["down", "up", "left", "right"] = "down"
    amount: float = Field(default=1.0, gt=0, le=100, description="How far, in screens.")
    within: str | None = Field(default=None, min_length=1, description="A scrollable element.")


class SelectArgs(Args):
    """Choose an option in a select box."""

    option: str = Field(min_length=1, description="The option's label (or value).")
    in_: str = Field(alias="in", min_length=1, description="The select box, in words.")


class DragArgs(Args):
    """Drag one described element onto another."""

    from_: str = Field(alias="from", min_length=1, description="What to drag.")
    to: str = Field(min_length=1, description="Where to drop it.")


class GotoArgs(Args):
    """Open a URL (or a path relative to the task file)."""

    url: str = Field(min_length=1, max_length=10_000)


class WaitArgs(Args):
    """Pause."""

    seconds: float = Field(ge=0, le=3600)


class WaitForArgs(Args):
    """Wait until a described element is on the page."""

    target: str = Field(min_length=1, max_length=2000)


class DialogArgs(Args):
    """How to answer the next JavaScript dialog (confirm, prompt) the page opens."""

    answer: Literal["accept", "dismiss"] = Field(
        default="accept", description="Press OK (accept) or Cancel (dismiss)."
    )
    text: str | None = Field(
        default=None, max_length=10_000, description="What to type into a prompt first."
    )


class ExpectArgs(Args):
    """What must be true, read again until the timeout: a text (or a described element) is
    visible, a described element shows a text, a read value compares as said, or a file has
    been downloaded."""

    text: str | None = Field(
        default=None, min_length=1, max_length=2000,
        description="Text that must be visible (or, with file, in the downloaded file).",
    )  # fmt: skip
    in_: str | None = Field(
        default=None, alias="in", min_length=1, max_length=2000,
        description="The element that must show the text (its value or its words).",
    )  # fmt: skip
    extract: str | None = Field(
        default=None, min_length=1, max_length=2000,
        description="An element whose reading is compared (with equals, greater_than...).",
    )  # fmt: skip
    equals: str | float | bool | None = Field(default=None, description="The reading is this.")
    greater_than: float | None = Field(default=None, description="The reading is above this.")
    less_than: float | None = Field(default=None, description="The reading is below this.")
    file: str | None = Field(
        default=None, min_length=1, max_length=500,
        description="A downloaded file's name (or part of it) instead of a text.",
    )  # fmt: skip

    @model_validator(mode="after")
    def _one(self) -> ExpectArgs:
        # A text beside a file is what the file must contain.
        kinds = (self.file, self.extract, None if self.file else self.text)
        if sum(v is not None for v in kinds) != 1:
            raise ValueError(
                "expect takes one of: a text, a file (with a text it must contain), or an"
                " extract to compare"
            )
        if self.in_ is not None and (self.text is None or self.file is not None):
            raise ValueError("`in` goes with a text: expect: {text: Shipped, in: Status}")
        compares = (self.equals, self.greater_than, self.less_than)
        if (self.extract is None) != all(v is None for v in compares):
            raise ValueError("an extract needs equals, greater_than or less_than, and only it")
        return self


class ExpectNotArgs(Args):
    """A text (or a described element) that must not be visible, read again until it is gone
    or the timeout."""

    text: str = Field(min_length=1, max_length=2000)


class ExpectUrlArgs(Args):
    """Text the page's address must contain; read again until the timeout."""

    url: str = Field(min_length=1, max_length=10_000, description="A part of the URL.")


class ExtractArgs(Args):
    """Read the text of a described element."""

    what: str = Field(min_length=1, max_length=2000, description="The element to read.")
    as_: Literal["text", "int", "float", "bool"] = Field(
        default="text", alias="as", description="The type to convert the text to."
    )


class GoalArgs(Args):
    """Free text for a vision-language model to carry out step by step."""

    goal: str = Field(min_length=1, max_length=10_000)
    max_steps: int = Field(default=15, ge=1, le=200, description="Actions at most.")
