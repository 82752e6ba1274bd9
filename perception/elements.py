"""Boxes and elements, always in screenshot pixels."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Box(BaseModel):
    """An axis-aligned box ``[x0, y0, x1, y1]`` in screenshot pixels (x1, y1 exclusive)."""

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def from_xywh(cls, x: float, y: float, w: float, h: float) -> Box:
        """Build a box from its top-left corner and size."""
        return cls(x0=x, y0=y, x1=x + w, y1=y + h)

    @classmethod
    def from_list(cls, corners: list[float]) -> Box:
        """Build a box from ``[x0, y0, x1, y1]`` (as :meth:`as_list` writes it)."""
        x0, y0, x1, y1 = corners
        return cls(x0=x0, y0=y0, x1=x1, y1=y1)

    @property
    def width(self) -> float:
        """Width in pixels."""
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        """Height in pixels."""
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        """Area in square pixels (0 for a degenerate box)."""
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def center(self) -> tuple[float, float]:
        """The centre point, where a click lands by default."""
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def scaled(self, factor: float) -> Box:
        """This box with every coordinate multiplied by ``factor``."""
        return Box(
            x0=self.x0 * factor, y0=self.y0 * factor, x1=self.x1 * factor, y1=self.y1 * factor
        )

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        return Box(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )

    def intersection_area(self, other: Box) -> float:
        """Area shared with ``other``."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0.0, w) * max(0.0, h)

    def iou(self, other: Box) -> float:
        """Intersection over union, 0..1."""
        inter = self.intersection_area(other)
        total = self.area + other.area - inter
        return inter / total if total > 0 else 0.0

    def contains_point(self, x: float, y: float) -> bool:
        """Whether ``(x, y)`` lies inside the box."""
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def inside(self, width: float, height: float) -> bool:
        """Whether the box's centre lies within an image of this size."""
        cx, cy = self.center
        return 0 <= cx < width and 0 <= cy < height

    def as_list(self) -> list[float]:
        """``[x0, y0, x1, y1]`` rounded to one decimal, as traces and the CLI show it."""
        return [round(v, 1) for v in (self.x0, self.y0, self.x1, self.y1)]


class Element(BaseModel):
    """Something on the screen an action can target.

    Attributes:
        box: Where it is, in screenshot pixels.
        text: Its visible text or accessible name.
        role: An ARIA-like role (``button``, ``textbox``, ``link``, ``text``...).
        confidence: How sure the engine is that this is the described element, 0..1.
        engine: Which engine (and source, e.g. ``offline/dom``, ``offline/ocr``) found it.
        handle: For browsers, a stable handle to act on it again (``aria-ref=e8``).
        value: The current value of a field or select, when known.
        purpose: What it does, in a few words, when a model said so.
    """

    box: Box
    text: str = ""
    role: str = "text"
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    engine: str = ""
    handle: str | None = None
    value: str | None = None
    purpose: str | None = None

    @property
    def point(self) -> tuple[float, float]:
        """Where to click, in screenshot pixels."""
        return self.box.center

    def summary(self) -> dict[str, object]:
        """The JSON shape that ``agent locate`` prints and traces store."""
        x, y = self.point
        summary: dict[str, object] = {
            "box": self.box.as_list(),
            "point": [round(x, 1), round(y, 1)],
            "text": self.text,
            "role": self.role,
            "confidence": round(self.confidence, 3),
            "engine": self.engine,
            "handle": self.handle,
        }
        if self.purpose:
            summary["purpose"] = self.purpose
        return summary
