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
from collections.abc import Callable
from dataclasses import dataclass

from perception.choose import ACCEPT, same_place
from perception.elements import Box, Element
from perception.engine import Located
from perception.matching import (
    EDITABLE,
    INTERACTIVE,
    SELECTABLE,
    Intent,
    parse_description,
    squash,
)

Look = Callable[[str, Intent], Located]
"""The engine's plain lookup of a description (no ordinal, no relation)."""

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
_ROW_ANCHOR = re.compile(
    r"^(?:the\s+)?(?:(?P<a>.+?)(?:'s)?\s+(?:row|line)|(?:row|line)\s+(?:of|for|with)\s+(?P<b>.+))$",
    re.IGNORECASE,
)
BUTTON_FIELD = 400.0
"""How far (centre to centre, screenshot pixels) the field a button submits may be before it."""
ANCHOR_TIE, ANCHOR_TIE_PX = 1.5, 20.0
"""Targets of two anchors tie when the farther is at most this much farther from its anchor."""
ANCHOR_MARGIN = 0.1
"""How much less well than the best an anchor may match the words and still be tried."""
BELOW_OF = 80.0
"""How far below a heading or label (screenshot pixels) what is "of" it may start."""


_ORDINAL = re.compile(
    r"^(?:the\s+)?(?P<nth>first|second|third|fourth|fifth|last)\s+(?P<rest>.+)$", re.IGNORECASE
)
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}


def parse_ordinal(description: str) -> tuple[int, str] | None:
    """``the second Submit button`` -> (2, ``the Submit button``); ``last`` is -1."""
    match = _ORDINAL.match(" ".join(description.split()))
    if match is None:
        return None
    return _NTH[match.group("nth").lower()], "the " + match.group("rest")


def nth_in_reading_order(nth: int, equals: list[Element]) -> Element | None:
    """The nth of equally good candidates, top to bottom then left to right (one per place)."""
    distinct: list[Element] = []
    for element in sorted(equals, key=lambda e: (round(e.box.y0 / 4), e.box.x0)):
        if not any(same_place(element, kept) for kept in distinct):
            distinct.append(element)
    index = nth - 1 if nth > 0 else len(distinct) + nth
    return distinct[index] if 0 <= index < len(distinct) else None


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
    anchor = match.group("anchor")
    row = _ROW_ANCHOR.match(anchor)
    if kind in ("inside", "row") and row is not None:
        # "in the year row", "in bob's row", "in the row of bob": the row bob's text is in
        return Relation(match.group("target"), "row", row.group("a") or row.group("b"))
    return Relation(match.group("target"), kind, anchor)


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


def by_relation(
    look: Look,
    relation: Relation,
    intent: Intent,
    nth: int | None = None,
    own_box: Callable[[Element], Element] = lambda element: element,
) -> Located | None:
    """The target nearest the anchor the relation names (``nth``: the nth of those that lie
    there, in reading order: "the second field under Login"), or None when either is missing.

    The anchor is what shows the words (a field named by its label is no anchor), and of
    equally good anchors (the heading "Login" and the Login button) those with nothing of
    the kind wanted there are no reading of the description. Anchors that lead to different
    targets are a tie. ``own_box`` gives a bare text line its own box, not its container's.
    """
    found = look(relation.anchor, Intent.TEXT)
    shown = [e for e in found.pool if _shows_words(e) and e.confidence >= ACCEPT]
    words = squash(parse_description(relation.anchor).text)
    exact = [e for e in shown if squash(e.text) == words]
    shown = exact or shown  # "Login" is the word Login, not "Login Password" beside it
    best = shown[0].confidence if shown else 1.0
    anchors = [own_box(e) for e in shown if e.confidence >= best - ANCHOR_MARGIN]
    if not anchors:
        return None
    target = look(relation.target, intent)
    pool = [e for e in target.pool if e.confidence >= ACCEPT]
    picks = []
    too_few: list[Element] = []
    for anchor in anchors:
        near = related(relation.kind, anchor.box, pool)
        chosen = None
        if near:
            chosen = near[0][1] if nth is None else nth_in_reading_order(nth, [e for _, e in near])
        if chosen is not None:
            gap = next(d for d, e in near if e is chosen) % 10_000  # "just below" adds 10,000
            picks.append((gap, anchor, near, chosen))
        else:
            too_few += [e for _, e in near]
    if not picks:
        if not too_few:
            return None
        return Located(element=None, candidates=too_few[:5], notes=[f"fewer than {nth}"])
    # Of two anchors, the one with its target close by is what "under Login" means; targets
    # at a like distance from their anchors are a tie.
    picks.sort(key=lambda pick: pick[0])
    closest, anchor, near, chosen = picks[0]
    where = relation.kind if nth is None else f"number {nth} {relation.kind}"
    note = f"{relation.target!r} {where} {anchor.text[:40]!r}"
    tied = [
        c for gap, _, _, c in picks[1:]
        if not same_place(c, chosen) and gap <= closest * ANCHOR_TIE + ANCHOR_TIE_PX
    ]  # fmt: skip
    if nth is None:
        tied += [e for d, e in near[1:] if abs(d - near[0][0]) < 2]
    if tied:
        return Located(
            element=None, candidates=[chosen, *tied][:5], tie=True, tied=min(5, 1 + len(tied)),
            notes=[note, "tie"],
        )  # fmt: skip
    sure = max(chosen.confidence, anchor.confidence * 0.9)
    chosen = chosen.model_copy(update={"confidence": min(1.0, sure)})
    rest = [e for _, e in near[:4] if e is not chosen][:3]
    return Located(element=chosen, candidates=[chosen, anchor, *rest], notes=[note])


def _shows_words(element: Element) -> bool:
    """Whether an element shows text of its own (a field's value is not a label for it)."""
    if element.role in EDITABLE and element.text == (element.value or ""):
        return False
    return bool(element.text)


def by_ordinal(look: Look, nth: int, rest: str, intent: Intent) -> Located | None:
    """The nth of the equally good candidates for ``rest``, in reading order."""
    each = look(rest, intent)
    good = [e for e in each.pool if e.confidence >= ACCEPT]
    if not good:
        return None
    equals = [e for e in good if e.confidence >= good[0].confidence - 0.05]
    if len({(round(e.box.x0), round(e.box.y0)) for e in equals}) < 2:
        return None  # "the first" of one thing is no choice: read the words as they stand
    chosen = nth_in_reading_order(nth, equals)
    if chosen is None:
        return Located(element=None, candidates=equals[:5], notes=[f"fewer than {nth}"])
    note = f"number {nth} of {len(equals)} matching {rest!r}, in reading order"
    return Located(element=chosen, candidates=[chosen, *equals[:4]], notes=[note])


def cell_of(header: Element, cells: list[Element]) -> Element | None:
    """The cell a header names: the first below a column header, right of a row header."""
    near = related("below" if header.role == "columnheader" else "right", header.box, cells)
    return near[0][1] if near else None


def control_for_label(
    found: Located,
    intent: Intent,
    controls: Callable[[frozenset[str]], list[Element]],
    words: str = "",
) -> Located | None:
    """A step that types or selects, whose description found a label, heading or text that
    the DOM ties to no control: the nearest control of that kind in its row or just below it,
    as a person reads a form (``controls(roles)`` lists the page's elements of those roles).

    A control whose name merely contains the ``words`` ("Login Password Confirm Password",
    where a page's ``<label for>`` points at the wrong field) loses to the control beside a
    label that shows exactly those words."""
    label = found.element
    if label is None or intent not in (Intent.TYPE, Intent.SELECT):
        return None
    wanted = EDITABLE if intent is Intent.TYPE else SELECTABLE
    named = squash(label.text)
    if label.role in wanted and words and named != squash(words) and squash(words) in named:
        exact = [
            e for e in found.pool
            if e.role not in INTERACTIVE and squash(e.text) == squash(words)
        ]  # fmt: skip
        if len(exact) == 1:
            beside = control_for_label(Located(element=exact[0]), intent, controls)
            if beside is not None and beside.element is not None:
                control = beside.element
                if not same_place(control, label):
                    sure = control.model_copy(update={"confidence": label.confidence})
                    return Located(element=sure, candidates=[sure, label, exact[0]],
                                   notes=[*beside.notes, f"not {label.text[:40]!r}"])  # fmt: skip
        return None
    if intent is Intent.TYPE and label.role == "button":
        # "type into Search" where the only Search is the button: the field it submits,
        # just before it on the same line.
        before = [
            (d, e) for d, e in related("left", label.box, controls(wanted)) if d < BUTTON_FIELD
        ]
        if not before:
            return None
        field = before[0][1].model_copy(update={"confidence": label.confidence})
        notes = [*found.notes, f"the {field.role} before the {label.text[:40]!r} button"]
        return Located(element=field, candidates=[field, label], notes=notes)
    if label.role in wanted or label.role in INTERACTIVE:
        return None
    near = related("row", label.box, controls(wanted))
    if not near:
        return None
    control = near[0][1].model_copy(update={"confidence": label.confidence})
    notes = [*found.notes, f"the {control.role} beside or below {label.text[:40]!r}"]
    return Located(element=control, candidates=[control, label], notes=notes)
