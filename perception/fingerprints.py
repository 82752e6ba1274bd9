"""Pixel fingerprints: does this part of the screen still look as it did?

Pure functions on captures, used by the locate cache (an element found from pixels is replayed
only while its thumbnail matches), by the one-call grounding of several targets (a box is
handed out only while it looks the same) and by recorded goal plans (an action is replayed only
while the screen around its point looks the same).
"""

from __future__ import annotations

from perception.elements import Box
from perception.screen import Screenshot

THUMB = 12
"""Thumbnails are THUMB x THUMB grey levels."""
THUMB_TOLERANCE = 10.0
"""Mean grey-level difference under which a thumbnail still matches."""
SCREEN_TOLERANCE = 24
"""Bits (of 256) by which a desktop's perceptual hash may differ and still be the same screen."""
EVIDENCE = 24
"""The side of the box around an action's point whose pixels must match before replaying it."""


def thumbnail(shot: Screenshot, box: Box) -> str:
    """The box's pixels as a THUMB x THUMB grey thumbnail, hex-encoded."""
    crop = shot.image.crop((int(box.x0), int(box.y0), int(box.x1), int(box.y1)))
    return crop.convert("L").resize((THUMB, THUMB)).tobytes().hex()


def looks_the_same(shot: Screenshot, box: Box, thumb: str) -> bool:
    """Whether the box, on this capture, still looks like ``thumb`` (and lies on it)."""
    if not box.inside(*shot.size):
        return False
    return _thumb_distance(thumb, thumbnail(shot, box)) <= THUMB_TOLERANCE


def _thumb_distance(a: str, b: str) -> float:
    left, right = bytes.fromhex(a), bytes.fromhex(b)
    if len(left) != len(right):
        return float("inf")
    return sum(abs(x - y) for x, y in zip(left, right, strict=True)) / len(left)


def screen_hash(shot: Screenshot) -> str:
    """A perceptual hash of a whole capture (256 bits: a 16x16 grey image against its mean).

    Only desktops use it: in a browser the element's own check (its role and name, or its
    pixels) decides, and text changing elsewhere on the page does not matter.
    """
    small = shot.image.convert("L").resize((16, 16))
    pixels = list(small.tobytes())
    mean = sum(pixels) / len(pixels)
    bits = "".join("1" if p > mean else "0" for p in pixels)
    return "ahash:" + f"{int(bits, 2):064x}"


def same_screen(stored: str, current: str) -> bool:
    """Whether two perceptual hashes differ by at most SCREEN_TOLERANCE bits."""
    distance = bin(int(stored.removeprefix("ahash:"), 16) ^ int(current.removeprefix("ahash:"), 16))
    return distance.count("1") <= SCREEN_TOLERANCE


def evidence(
    shot: Screenshot, point: tuple[float, float] | None
) -> tuple[list[float] | None, str | None]:
    """The box around a point and its thumbnail (None, None for actions without a point)."""
    if point is None:
        return None, None
    width, height = shot.size
    half = EVIDENCE / 2
    x0, y0 = max(0.0, point[0] - half), max(0.0, point[1] - half)
    box = Box(x0=x0, y0=y0, x1=min(float(width), x0 + EVIDENCE),
              y1=min(float(height), y0 + EVIDENCE))  # fmt: skip
    return box.as_list(), thumbnail(shot, box)
