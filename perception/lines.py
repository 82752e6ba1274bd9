"""Candidates from the text read off the pixels: lines scored against a description, and the
widgets (fields, checkboxes) that OCR cannot read but that sit beside the labels it can."""

from __future__ import annotations

from collections.abc import Callable

from perception.elements import Box, Element
from perception.matching import Intent, Query, squash, text_similarity
from perception.ocr import TextLine, phrases


def merge_lines(labels: list[TextLine], lines: list[TextLine]) -> list[TextLine]:
    """Labels and detector lines, each place read once.

    A detector line that is one label read again is dropped (the label reads short text
    better), unless it reads a long label otherwise: then both readings stay (the label
    reader may misread a phrase in a Type1 font, "fles" for "files", that the detector reads
    right; two readings of one place are one candidate, not a tie). A line of several labels
    (words) stays beside them, so a phrase is found whole; a label that spills out of a line (a
    block the grouping merged) gives way to it.
    """
    dropped: set[int] = set()
    kept: list[TextLine] = []
    for line in lines:
        inside: list[int] = []
        spilling: list[int] = []
        for i, label in enumerate(labels):
            shared = label.box.intersection_area(line.box)
            if shared >= 0.7 * label.box.area:
                inside.append(i)
            elif shared > 0:
                spilling.append(i)
        if len(inside) == 1 and not spilling and _same_or_short(labels[inside[0]], line):
            continue
        dropped.update(spilling)
        kept.append(line)
    merged = [label for i, label in enumerate(labels) if i not in dropped] + kept
    merged.sort(key=lambda line: (round(line.box.y0 / 8), line.box.x0))
    return merged


LONG_LABEL = 6
"""Labels of at least this many characters (spaces aside) are prose the detector reads too."""


def _same_or_short(label: TextLine, line: TextLine) -> bool:
    """Whether a detector line over one label adds nothing: the same reading, or a short label
    (a key, a button), which the label reader reads better."""
    text = squash(label.text)
    return text == squash(line.text) or len(text) < LONG_LABEL


def line_candidates(query: Query, lines: list[TextLine], intent: Intent) -> list[Element]:
    """One candidate per line: the best-matching span of it, scored like DOM text."""
    target = squash(query.text or query.raw)
    out: list[Element] = []
    if not target:
        return out
    several = len((query.text or query.raw).split()) > 1
    for line in [*lines, *(phrases(lines) if several else [])]:
        line_text = squash(line.text)
        similarity = text_similarity(query.text or query.raw, line.text)
        if similarity <= 0.3:
            continue
        if target in line_text:
            start = line_text.index(target)
            box = line.span_box(start, start + len(target))
            # The span itself is an exact match even when the line holds more text.
            similarity = max(similarity, 0.97 if line_text != target else 1.0)
        else:
            box = line.box
        # OCR knows no roles: a role word in the description neither helps nor hurts much.
        value = similarity * (0.95 if query.roles or intent is Intent.TYPE else 1.0)
        value *= 0.9 + 0.1 * line.score
        out.append(
            Element(
                box=box,
                text=line.text,
                role="text",
                confidence=max(0.0, min(1.0, value)),
                engine="offline/ocr",
            )
        )
    return out


def beside_labels(
    scored: list[Element],
    find: Callable[[Box], tuple[Box, str] | None],
    *,
    accept: float,
    rescore: Callable[[str, str], float] | None = None,
) -> tuple[list[Element], set[int]]:
    """What ``find`` sees beside (or around) each label OCR matched at least ``accept``, as
    candidates with the label's text and the role ``find`` gives, and the ids of those labels.

    A control keeps its label's score, or ``rescore(text, role)`` when higher: the label was
    scored as words, and words are a poor thing to type into, while the field it names is
    the best (a "Name:" field then wins over a "Name" column header)."""
    out: list[Element] = []
    labels: set[int] = set()
    for label in scored[:5]:
        if label.engine != "offline/ocr" or label.confidence < accept:
            continue
        found = find(label.box)
        if found is None:
            continue
        labels.add(id(label))
        box, role = found
        if not any(e.box == box for e in out):  # two words of one label, one field
            confidence = max(label.confidence, rescore(label.text, role) if rescore else 0.0)
            out.append(Element(box=box, text=label.text, role=role,
                               confidence=confidence, engine="offline/ocr"))  # fmt: skip
    return out, labels
