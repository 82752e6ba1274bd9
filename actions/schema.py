"""The one Action union, shared by the planner, the executors, the trace and the report.

Actions are *resolved*: they carry points in screenshot pixels, never descriptions. Field
descriptions are written for a model to read, because they become part of its prompt.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class Point(BaseModel):
    """A point in screenshot pixels."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    x: float = Field(description="Horizontal position in screenshot pixels, from the left edge.")
    y: float = Field(description="Vertical position in screenshot pixels, from the top edge.")

    @classmethod
    def at(cls, xy: tuple[float, float]) -> Point:
        """The point ``(x, y)``: ``Point.at(element.point)``."""
        return cls(x=xy[0], y=xy[1])


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handle: str | None = Field(
        default=None,
        description="Browser only: a stable handle of the target element (e.g. aria-ref=e8).",
    )


class Click(_Action):
    """Click at a point."""

    type: Literal["click"] = "click"
    point: Point = Field(description="Where to click.")
    button: Literal["left", "right", "middle"] = Field(default="left", description="Mouse button.")
    clicks: int = Field(default=1, ge=1, le=3, description="1 = click, 2 = double click.")


class Hover(_Action):
    """Move the mouse over a point and leave it there."""

    type: Literal["hover"] = "hover"
    point: Point = Field(description="Where to move the mouse.")


class TypeText(_Action):
    """Type text into the field at a point (it is clicked first to focus it)."""

    type: Literal["type"] = "type"
    point: Point | None = Field(default=None, description="The field; None types where focus is.")
    text: str = Field(description="The text to type.")
    clear: bool = Field(default=True, description="Select all and delete before typing.")
    submit: bool = Field(default=False, description="Press Enter after typing.")


class Press(_Action):
    """Press a key or a chord such as Control+A."""

    type: Literal["press"] = "press"
    keys: str = Field(description="A key name (Enter, Tab, ArrowDown) or a chord (Control+A).")


class Scroll(_Action):
    """Scroll by an amount, at a point (inside the element there) or over the whole page."""

    type: Literal["scroll"] = "scroll"
    point: Point | None = Field(default=None, description="Where to scroll; None: the page.")
    dx: float = Field(default=0, description="Pixels to scroll right (negative: left).")
    dy: float = Field(default=0, description="Pixels to scroll down (negative: up).")


class Select(_Action):
    """Choose an option in the select box at a point."""

    type: Literal["select"] = "select"
    point: Point = Field(description="The select box.")
    option: str = Field(description="The option's visible label (or its value).")


class Drag(_Action):
    """Press the left button at one point, move to another, release."""

    type: Literal["drag"] = "drag"
    start: Point = Field(description="Where the drag starts.")
    end: Point = Field(description="Where the drag ends.")
    end_handle: str | None = Field(default=None, description="Browser only: the drop target.")


class Goto(_Action):
    """Open a URL."""

    type: Literal["goto"] = "goto"
    url: str = Field(description="An absolute URL.")


class Wait(_Action):
    """Do nothing for a while."""

    type: Literal["wait"] = "wait"
    seconds: float = Field(ge=0, le=3600, description="How long to wait.")


Action = Annotated[
    Click | Hover | TypeText | Press | Scroll | Select | Drag | Goto | Wait,
    Field(discriminator="type"),
]
"""Any action an executor can perform."""

ACTION_ADAPTER: TypeAdapter[Action] = TypeAdapter(Action)
"""Validates and dumps actions (for traces and model output)."""
