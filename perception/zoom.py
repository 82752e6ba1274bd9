"""Two-pass grounding on large screens: the region to look at again, and the way back.

A model sees a screenshot shrunk to its image budget; on a 4K screen a small icon becomes a
few pixels and its box is coarse. The first pass (the whole screen, shrunk) says roughly where;
the second looks at a crop around that point at native resolution (the crop holds at most the
budget, so it is not shrunk) and its box, mapped back, is exact. Pure functions; boxes are in
screenshot pixels.
"""

from __future__ import annotations

from perception.elements import Box

ZOOM_ABOVE = 2.0
"""Zoom (by default) when the screenshot holds more than this many times the budget."""


def wants_zoom(size: tuple[int, int], max_pixels: int, zoom: bool | None) -> bool:
    """Whether to ground in two passes: as asked, or by default when the screen is large."""
    if zoom is not None:
        return zoom
    width, height = size
    return width * height > ZOOM_ABOVE * max_pixels


def zoom_region(center: tuple[float, float], size: tuple[int, int], max_pixels: int) -> Box:
    """The crop around ``center``, with the screen's aspect, holding at most ``max_pixels``,
    moved inside the screen where it would cross an edge."""
    width, height = size
    factor = min(1.0, (max_pixels / (width * height)) ** 0.5)
    crop_w, crop_h = max(1, int(width * factor)), max(1, int(height * factor))
    x0 = min(max(0.0, center[0] - crop_w / 2), width - crop_w)
    y0 = min(max(0.0, center[1] - crop_h / 2), height - crop_h)
    x0, y0 = int(round(x0)), int(round(y0))
    return Box(x0=x0, y0=y0, x1=x0 + crop_w, y1=y0 + crop_h)


def from_region(box: Box, region: Box) -> Box:
    """A box found in the crop, in the whole screenshot's pixels."""
    return Box(
        x0=box.x0 + region.x0, y0=box.y0 + region.y0, x1=box.x1 + region.x0, y1=box.y1 + region.y0
    )
