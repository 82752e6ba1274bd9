"""Relations in descriptions: a target named by its place next to something else.

``the checkbox of bob`` (in bob's row), ``the field under Last read``, ``the calendar icon next
to Publication date``, ``the Save button in the dialog``, ``the delete button of Buy milk``:
the anchor (after the relation word) is found first, then the target (before it) among the
candidates of its own description, by where they lie from the anchor. Pure geometry on boxes
in screenshot pixels, so it works the same from the DOM and from pixels.

A description is read this way only when it does not match well as it stands: ``Terms of
service`` and ``Log in`` stay labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from perception.elements import Box, Element

# Longest first, so that "to the right of" is not read as "of".
_RELATIONS: tuple[tuple[str, str], ...] = (
    ("to the right of", "right"),
    ("to the left of", "left"),
    ("right of", "right"),
    ("left of", "left"),
    ("next to", "near"),
    ("beside", "near"),
    ("near", "near"),
    ("under", "below"),
    ("below", "below"),
    ("above", "above"),
    ("inside", "inside"),
    ("within", "inside"),
    ("in", "inside"),
    ("for", "row"),
    ("of", "row"),
)
_PATTERN = re.compile(
    r"^(?P<target>.+?)\s+(?P<relation>"
    + "|".join(re.escape(r) for r, _ in _RELATIONS)
    + r")\s+(?P<anchor>.+)$",
    re.IGNORECASE,
)
_KINDS = dict(_RELATIONS)
BELOW_OF = 80.0
"""How far below a heading or label (screenshot pixels) what is "of" it may start."""


@dataclass(frozen=True)
class Relation:
    """``target`` lies ``kind`` (row, below, above, left, right, near, inside) of ``anchor``."""

    target: str
    kind: str
    anchor: str


def parse_relation(description: str) -> Relation | None:
    """The relation in a description, or None when it has none (the first relation word from
    the left splits it: ``the checkbox of the row of bob`` anchors on ``the row of bob``)."""
    match = _PATTERN.match(" ".join(description.split()))
    if match is None:
        return None
    kind = _KINDS[match.group("relation").lower()]
    return Relation(match.group("target"), kind, match.group("anchor"))


def related(kind: str, anchor: Box, candidates: list[Element]) -> list[tuple[float, Element]]:
    """The candidates that lie ``kind`` of the anchor, with their distance to it, nearest first
    (the anchor itself, and what holds it, left out)."""
    out: list[tuple[float, Element]] = []
    ax, ay = anchor.center
    for element in candidates:
        box = element.box
        if box.contains_point(ax, ay) and kind != "inside":
            continue  # the anchor itself, or its container
        cx, cy = box.center
        rows_overlap = min(box.y1, anchor.y1) - max(box.y0, anchor.y0) > 0
        columns_overlap = min(box.x1, anchor.x1) - max(box.x0, anchor.x0) > 0
        distance = ((cx - ax) ** 2 + (cy - ay) ** 2) ** 0.5
        fits = {
            "row": rows_overlap,
            "right": rows_overlap and box.x0 >= anchor.x1 - 2,
            "left": rows_overlap and box.x1 <= anchor.x0 + 2,
            "below": box.y0 >= anchor.y1 - 2 and (columns_overlap or abs(box.x0 - anchor.x0) < 40),
            "above": box.y1 <= anchor.y0 + 2 and (columns_overlap or abs(box.x0 - anchor.x0) < 40),
            "near": True,
            "inside": anchor.contains_point(cx, cy) and box.area < anchor.area,
        }[kind]
        if kind == "row" and not fits:
            # What belongs to a heading or a label sits just below it ("the filter box of
            # Available permissions"): a worse fit than the same row, but a fit.
            gap = box.y0 - anchor.y1
            fits = -2 <= gap < max(BELOW_OF, 3 * anchor.height) and box.x1 > anchor.x0 - 40
            distance += 10_000
        if fits:
            out.append((distance, element))
    out.sort(key=lambda pair: pair[0])
    return out
