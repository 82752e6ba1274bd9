"""Words inside the accessibility tree's text: where a word or a text node really is.

The tree gives a paragraph one box and one line of text, and a bare text node only its
container's box. A word of that text may be an element of its own (a link drawn as a
``<span>``): these helpers ask the page for the element holding exactly the words.
"""

from __future__ import annotations

import json
import re
from typing import Any

from perception.aria import AriaNode
from perception.elements import Box, Element
from perception.matching import EDITABLE, Intent, Query, normalize, score, squash

SKIP_ROLES = frozenset({"document", "option"})
"""Roles never offered as candidates: the page itself, a select box's options."""


def holds_word(node: AriaNode, words: str) -> bool:
    """Whether the node's text has the words as whole words (not inside longer ones)."""
    if not words or node.role in EDITABLE or node.role in SKIP_ROLES or node.box is None:
        return False
    pattern = r"(?<!\w)" + re.escape(normalize(words)) + r"(?!\w)"
    return re.search(pattern, normalize(node.label)) is not None


def word_inside(
    page: Any, node: AriaNode, query: Query, intent: Intent, scale: float
) -> Element | None:
    """The element of its own that holds exactly the words, inside a longer text that has them.

    A paragraph's snapshot is one line of text, though a word of it may be a link or a button
    of its own (``<span class="link">``, MiniWoB's click-link): find that element by its exact
    text and act on it, not on the paragraph.
    """
    words = query.text
    if page is None or len(squash(words)) < 2 or node.role in EDITABLE:
        return None
    text = squash(node.label)
    if squash(words) not in text or squash(words) == text:
        return None
    ref = node.ref or node.parent_ref
    scope = page.locator(f"aria-ref={ref}") if ref else page
    try:
        inner = scope.get_by_text(words, exact=True)
        if inner.count() != 1:
            return None
        box = inner.first.bounding_box(timeout=500)
    except Exception:  # noqa: BLE001 - the text is split across elements, or went away
        return None
    if not box or box["width"] <= 0 or box["height"] <= 0:
        return None
    # Its own element with exactly the words: as good as a text node that is nothing else.
    value = score(query, text=words, role="text", intent=intent)
    return Element(
        box=Box.from_xywh(box["x"], box["y"], box["width"], box["height"]).scaled(scale),
        text=words,
        role="text",
        confidence=max(0.0, min(1.0, value)),
        engine="offline/dom",
        handle=f"aria-ref={ref} >> internal:text={json.dumps(words)}s" if ref else None,
    )


def refine_text_box(page: Any, node: AriaNode, element: Element, scale: float) -> Element:
    """Give a bare text node its own box (the tree only has its container's)."""
    scope = page.locator(f"aria-ref={node.parent_ref}") if node.parent_ref else page
    try:
        box = scope.get_by_text(node.text, exact=True).first.bounding_box(timeout=500)
    except Exception:  # noqa: BLE001 - not found as one element (text split across nodes)
        box = None
    if not box or box["width"] <= 0 or box["height"] <= 0:
        return element
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    return element.model_copy(update={"box": Box.from_xywh(x, y, w, h).scaled(scale)})
