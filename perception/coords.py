"""Qwen3-VL's 0-1000 coordinate grid <-> screenshot pixels. The only place that knows the grid.

Qwen3-VL answers in coordinates relative to the image on a 0-1000 grid (Qwen2.5-VL used
absolute pixels of the resized image; mixing the two is the classic zero-accuracy bug). Some
cookbook code divides by 999: the divisor is one named setting.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from agent.errors import CoordinateError
from perception.elements import Box

GRID = 1000.0
"""The default divisor: a grid value v maps to v / GRID * size pixels."""


def _checked(values: Sequence[object], count: int, divisor: float) -> list[float]:
    if len(values) != count:
        raise CoordinateError(f"expected {count} coordinates, got {len(values)}: {list(values)!r}")
    out: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CoordinateError(f"coordinate {value!r} is not a number")
        number = float(value)
        if not math.isfinite(number) or not 0 <= number <= divisor:
            raise CoordinateError(f"coordinate {value!r} is outside the 0-{divisor:g} grid")
        out.append(number)
    return out


def point_to_pixels(
    point: Sequence[object], size: tuple[int, int], *, divisor: float = GRID
) -> tuple[float, float]:
    """``[x, y]`` on the grid -> pixels of an image of ``size`` (width, height).

    Raises:
        CoordinateError: Not two numbers within the grid.
    """
    x, y = _checked(point, 2, divisor)
    width, height = size
    # The grid's far edge is the image's last pixel, never beyond it.
    return min(x / divisor * width, width - 1), min(y / divisor * height, height - 1)


def box_to_pixels(box: Sequence[object], size: tuple[int, int], *, divisor: float = GRID) -> Box:
    """``[x1, y1, x2, y2]`` on the grid -> a pixel Box (corners put in order).

    Raises:
        CoordinateError: Not four numbers within the grid, or an empty box.
    """
    x1, y1, x2, y2 = _checked(box, 4, divisor)
    width, height = size
    x0, x1 = sorted((x1 / divisor * width, x2 / divisor * width))
    y0, y1 = sorted((y1 / divisor * height, y2 / divisor * height))
    if x1 - x0 < 0.5 or y1 - y0 < 0.5:
        raise CoordinateError(f"box {list(box)!r} is empty")
    return Box(x0=x0, y0=y0, x1=x1, y1=y1)


def pixels_to_grid(
    x: float, y: float, size: tuple[int, int], *, divisor: float = GRID
) -> tuple[int, int]:
    """Pixels -> the nearest grid point (for training data and prompts that show a position)."""
    width, height = size
    return round(x / width * divisor), round(y / height * divisor)
