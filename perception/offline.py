"""The offline engine: finds elements from the accessibility tree and from OCR, no weights.

In a browser the DOM's accessibility tree (roles, names, boxes, refs) answers first: it is
exact and takes milliseconds. OCR of the pixels runs when the tree has no good match (text in a
canvas or an image) and is the only source on a desktop or a bare image. Where both agree on
one element, it is reported once, with the DOM's handle.

On pixels alone (a desktop, an image), short labels read one by one (:mod:`perception.labels`)
answer first: they are exact on keys and buttons and cached per label. The full-screen detector
runs when they have no good match (prose, text the grouping mangled).
"""

from __future__ import annotations

import logging
from typing import Any

from agent.errors import AmbiguousTarget, EngineCannotPlan, MissingDependency
from perception.aria import AriaNode, parse_snapshot, text_box
from perception.choose import ACCEPT, choose, fuse
from perception.counts import counted_noun, counts, listed_counts
from perception.dom_words import SKIP_ROLES, holds_word, refine_text_box, word_inside
from perception.elements import Box, Element
from perception.engine import Located, Plan
from perception.labels import LabelReader
from perception.lines import line_candidates, merge_lines
from perception.matching import (
    EDITABLE,
    INTERACTIVE,
    Intent,
    Query,
    contains_alike,
    normalize,
    parse_description,
    score,
    squash,
)
from perception.ocr import RapidOcrReader, TextLine
from perception.pixel_controls import PixelControls
from perception.relations import (
    by_ordinal,
    by_relation,
    cell_of,
    control_for_label,
    parse_ordinal,
    parse_relation,
)
from perception.screen import Screenshot
from perception.toggles import TOGGLES
from perception.unnamed import name_unnamed

log = logging.getLogger(__name__)

_HEADERS = frozenset({"columnheader", "rowheader"})
_CELLS = frozenset({"cell", "gridcell"})
LITERAL_SURE = 0.9
"""A description that matches this well as it stands is not read as an ordinal or a relation."""

DOM_CONFIDENT = 0.75
"""A DOM match this good (the words contained in an element's text) skips OCR."""
SELECT_FOR_TYPING = 0.8
"""How much worse a select box fits a step that types (it takes a choice, not keys)."""
DISABLED = 0.5
"""How much a disabled control's match counts for a step that acts on it."""


class OfflineEngine:
    """Grounding from the DOM and OCR; it cannot plan goal steps.

    Args:
        use_dom: Read the page's accessibility tree when a page is given.
        use_ocr: Read the pixels when the DOM is absent or has no good match.
    """

    name = "offline"

    def __init__(self, *, use_dom: bool = True, use_ocr: bool = True) -> None:
        self.use_dom = use_dom
        self.use_ocr = use_ocr
        self._ocr = RapidOcrReader()
        self._labels = LabelReader()
        self._pixels = PixelControls()
        # The page's tree as read for one capture: a locate that tries a relation or a label's
        # control asks for it several times, and the page is the same moment each time.
        self._read: tuple[Screenshot, Any, list[AriaNode]] | None = None
        # This locate's candidates that are bare text, by text and box (copies keep both).
        self._bare: dict[tuple[str, tuple[float, ...]], AriaNode] = {}

    # -- sources -------------------------------------------------------------------------------
    def _dom_nodes(self, page: Any, screenshot: Screenshot) -> list[AriaNode]:
        """The page's accessibility tree, read once per capture."""
        if page is None or not self.use_dom:
            return []
        if self._read is not None and self._read[0] is screenshot and self._read[1] is page:
            return self._read[2]
        nodes = parse_snapshot(page.aria_snapshot(mode="ai", boxes=True))
        name_unnamed(page, nodes)
        self._read = (screenshot, page, nodes)
        return nodes

    def _ocr_lines(self, screenshot: Screenshot, *, required: bool) -> list[TextLine]:
        if not self.use_ocr:
            return []
        try:
            return self._ocr.read(screenshot)
        except MissingDependency:
            if required:
                raise
            log.info("OCR is not installed; the DOM alone answers (pip install 'gui-agent[ocr]')")
            return []

    def _screen_lines(self, screenshot: Screenshot, *, detector: bool) -> list[TextLine]:
        """Text on pixels alone: the short labels, plus (``detector``) the detector's lines."""
        if not self.use_ocr:
            return []
        labels = self._labels.read(screenshot)
        if not detector:
            return labels
        return merge_lines(labels, self._ocr_lines(screenshot, required=True))

    # -- the protocol --------------------------------------------------------------------------
    def locate(
        self,
        screenshot: Screenshot,
        description: str,
        *,
        intent: Intent = Intent.CLICK,
        page: Any = None,
    ) -> Located:
        """Find the element a description names; see the module docstring for the order.

        A description that does not match well as it stands and names a place (``the
        checkbox of bob``, ``the field under Last read``) is read as a relation
        (:mod:`perception.relations`).
        """
        self._bare = {}
        found = self._locate(screenshot, description, intent=intent, page=page)
        if page is not None:
            control = control_for_label(
                found, intent, lambda roles: self._controls(screenshot, page, roles),
                parse_description(description).text,
            )  # fmt: skip
            if control is not None:
                return control
        if found.element is not None and found.element.confidence >= LITERAL_SURE:
            return found  # "First name" and "Terms of service" are labels, not grammar

        def look(what: str, wants: Intent) -> Located:
            return self._locate(screenshot, what, intent=wants, page=page)

        def own_box(element: Element) -> Element:
            # An anchor that is a bare text line: its own box, not its container's.
            node = self._bare.get(_key(element))
            box = text_box(page, node) if node is not None else None
            if box is None:
                return element
            return element.model_copy(update={"box": Box.from_xywh(*box).scaled(screenshot.scale)})

        ordinal = parse_ordinal(description)
        if ordinal is not None:
            nth, rest = ordinal
            inner = parse_relation(rest)  # "the second field under Login"
            if inner is not None:
                return by_relation(look, inner, intent, nth, own_box) or found
            return by_ordinal(look, nth, rest, intent) or found
        relation = parse_relation(description)
        by_place = by_relation(look, relation, intent, None, own_box) if relation else None
        return found if by_place is None else by_place

    def _controls(self, screenshot: Screenshot, page: Any, roles: frozenset[str]) -> list[Element]:
        """The page's elements of these roles (the controls a label may name, a table's cells)."""
        return [
            element
            for node in self._dom_nodes(page, screenshot)
            if node.role in roles and node.role not in SKIP_ROLES
            and (element := node.element(screenshot.scale))
        ]  # fmt: skip

    def _locate(
        self, screenshot: Screenshot, description: str, *, intent: Intent, page: Any
    ) -> Located:
        query = parse_description(description)
        notes: list[str] = []
        scored: list[Element] = []
        nodes: dict[int, AriaNode] = {}  # each candidate's node
        all_nodes = self._dom_nodes(page, screenshot)
        # A combobox with options of its own is a select box: nothing can be typed into it.
        selects = {n.parent_ref for n in all_nodes if n.role == "option" and n.parent_ref}
        for node in all_nodes:
            if node.role in SKIP_ROLES or node.box is None:
                continue
            text = node.name if node.role in EDITABLE else node.label
            value = score(query, text=text, role=node.role, intent=intent)
            if intent is Intent.TYPE and node.ref in selects:
                value *= SELECT_FOR_TYPING
            if node.role in EDITABLE and not node.name and node.preceding_text:
                # An unnamed field answers to the text just before it (a label without
                # ``for``), a little below a field that carries the name itself.
                label = score(query, text=node.preceding_text, role=node.role, intent=intent)
                value = max(value, label * 0.95)
            if hint := node.attrs.get("hint"):
                # The page's own name for a field (``name``, ``id``): a weak hint, below labels.
                value = max(value, score(query, text=hint, role=node.role, intent=intent) * 0.85)
            if node.box_is_parent:
                value *= 0.9  # its box is its container's: a worse place to act
            if "disabled" in node.attrs and intent is not Intent.TEXT:
                value *= DISABLED  # it takes no click and no keys: not what a step acts on
            element = node.element(screenshot.scale, value)
            if element is not None and value > 0.3:
                scored.append(element)
                nodes[id(element)] = node
                if node.box_is_parent:
                    self._bare[_key(element)] = node
        scored.sort(key=lambda e: -e.confidence)
        top = nodes[id(scored[0])] if scored else None
        # Unsure: a word of a longer text may be an element of its own (a link inside a
        # paragraph). Look in the best candidate's text, then in texts holding the words whole
        # ("at" scores too low against a paragraph to be a candidate at all). A confident
        # match asks the page nothing more.
        holders: list[AriaNode] = []
        # A long text that merely contains the words (an instruction quoting them) is no
        # sure match for something to click either.
        contains_only = (
            top is not None and bool(query.text) and top.role not in INTERACTIVE
            and squash(top.label) != squash(query.text)
        )  # fmt: skip
        if not scored or scored[0].confidence < DOM_CONFIDENT or contains_only:
            holders = [top] if top is not None else []
            holders += [n for n in all_nodes if n is not top and holds_word(n, query.text)][:2]
        for holder in holders:
            word = word_inside(page, holder, query, intent, screenshot.scale)
            if word is not None:
                scored.insert(0, word)
                scored.sort(key=lambda e: -e.confidence)  # stable: first among equals
                break
        else:
            if top is not None and top.box_is_parent:
                scored[0] = refine_text_box(page, top, scored[0], screenshot.scale)
        best = scored[0].confidence if scored else 0.0
        if page is None and self.use_ocr:
            scored = line_candidates(query, self._screen_lines(screenshot, detector=False), intent)
            scored.sort(key=lambda e: -e.confidence)
            if scored and scored[0].confidence >= DOM_CONFIDENT:
                notes.append("ocr labels")
                return self._finish(scored, query, intent, screenshot, notes, page)
            notes.append("ocr labels and lines")
            lines = self._screen_lines(screenshot, detector=True)
            scored = line_candidates(query, lines, intent)
            scored.sort(key=lambda e: -e.confidence)
        elif page is None or best < (ACCEPT if not query.text else DOM_CONFIDENT):
            # A description of roles alone ("the field") has no words for OCR to read: a DOM
            # element of that role is the answer.
            lines = self._ocr_lines(screenshot, required=page is None)
            if lines:
                notes.append("ocr" if page is None else f"ocr (best DOM match {best:.2f})")
                scored = fuse(scored, line_candidates(query, lines, intent))
        else:
            notes.append("dom")
        return self._finish(scored, query, intent, screenshot, notes, page)

    def _finish(
        self,
        scored: list[Element],
        query: Query,
        intent: Intent,
        screenshot: Screenshot,
        notes: list[str],
        page: Any = None,
    ) -> Located:
        """Choose among the candidates. From pixels, a field to type into is the box beside
        (or around) its label, and a checkbox or radio button the small box beside its label,
        not the label's words: those are what acts on a screen without a DOM."""
        # Not for reading (extract): the label's words are then what OCR has to offer.
        # A select box looks like a text field from pixels: a light box beside its label.
        wants_field = intent in (Intent.TYPE, Intent.SELECT) or (
            intent is Intent.CLICK and bool(query.roles) and query.roles <= EDITABLE
        )
        wants_toggle = intent is Intent.CLICK and bool(query.roles & TOGGLES) and bool(query.text)
        wants_button = intent is Intent.CLICK and query.roles == {"button"} and not query.text
        from_dom = any(e.engine == "offline/dom" and e.confidence >= ACCEPT for e in scored)
        if not self.use_ocr or from_dom or not (wants_field or wants_toggle or wants_button):
            return choose(scored, screenshot, notes, query, page)
        scored = self._pixels.controls(
            scored, query, intent, screenshot, notes, wants_field=wants_field,
            wants_button=wants_button,
        )  # fmt: skip
        return choose(scored, screenshot, notes, query, page)

    def find_text(self, screenshot: Screenshot, text: str, *, page: Any = None) -> Element | None:
        """The innermost element whose visible text contains ``text`` (DOM first, then OCR)."""
        wanted = normalize(text)
        found: list[Element] = []
        for node in self._dom_nodes(page, screenshot):
            if node.role in EDITABLE or node.role in SKIP_ROLES:
                continue  # a field's value is not "visible text" (as in Playwright's get_by_text)
            if wanted and wanted in normalize(node.label):
                element = node.element(screenshot.scale)
                if element is not None:
                    found.append(element)
        if found:
            return min(found, key=lambda e: e.box.area)
        target = squash(text)
        if page is None:
            sources = [
                lambda: self._screen_lines(screenshot, detector=False),
                lambda: self._screen_lines(screenshot, detector=True),
            ]
        else:
            sources = [lambda: self._ocr_lines(screenshot, required=False)]
        read: list[TextLine] = []
        for source in sources:
            read = source()
            for line in read:
                line_text = squash(line.text)
                if target and target in line_text:
                    start = line_text.index(target)
                    box = line.span_box(start, start + len(target))
                    return Element(box=box, text=line.text, role="text", engine="offline/ocr")
        # Read but for glyphs the font draws alike ("Renove" in a narrow bitmap font): found,
        # and the element carries the reading, so the trace shows what was on the screen.
        for line in read:
            at = contains_alike(squash(line.text), target)
            if at is not None:
                box = line.span_box(at, at + len(target))
                return Element(box=box, text=line.text, role="text", engine="offline/ocr")
        return None

    def elements(self, screenshot: Screenshot, *, page: Any = None) -> list[Element]:
        """Interactive DOM elements with boxes; on pixels alone, every OCR line."""
        out: list[Element] = []
        for node in self._dom_nodes(page, screenshot):
            if node.role in INTERACTIVE and node.role not in SKIP_ROLES:
                element = node.element(screenshot.scale)
                if element is not None:
                    out.append(element)
        if page is None:
            for line in self._screen_lines(screenshot, detector=True):
                out.append(
                    Element(
                        box=line.box,
                        text=line.text,
                        role="text",
                        confidence=line.score,
                        engine="offline/ocr",
                    )
                )
        return out

    def extract(self, screenshot: Screenshot, what: str, *, page: Any = None) -> Element | None:
        """The described element; its ``value`` (a field, a checkbox) or ``text`` is the reading.

        Raises:
            AmbiguousTarget: Several elements match equally well.
        """
        noun = counted_noun(what) if page is not None else None
        if noun is not None:
            nodes = self._dom_nodes(page, screenshot)
            shown = counts(nodes, noun) or listed_counts(nodes, noun, _title(page))
            if len(shown) == 1:
                ((number, node),) = shown.items()
                element = node.element(screenshot.scale)
                if element is not None:
                    return element.model_copy(update={"text": number, "value": None})
            if len(shown) > 1:
                listed = "; ".join(f"{n} in {node.label[:40]!r}" for n, node in shown.items())
                raise AmbiguousTarget(f"{what!r}: the page shows several counts: {listed}")
        found = self.locate(screenshot, what, intent=Intent.TEXT, page=page)
        if found.element is None and found.tie:
            raise AmbiguousTarget(found.ambiguity(what))
        if found.element is not None and found.element.role in _HEADERS and page is not None:
            # A column's or row's header names the value; the value is its cell.
            cells = self._controls(screenshot, page, _CELLS)
            return cell_of(found.element, cells) or found.element
        return found.element

    def plan(self, screenshot: Screenshot, goal: str, *, history: list[str]) -> Plan:
        """The offline engine has no model: goal steps need a vision-language model engine."""
        raise EngineCannotPlan(
            f"goal steps need a vision-language model; the offline engine cannot plan {goal!r}. "
            "Run with --engine qwen3vl --model PATH (in-process Qwen3-VL) or "
            "--engine openai --endpoint URL --model NAME (a served model)."
        )


def _title(page: Any) -> str:
    try:
        return str(page.title())
    except Exception:  # noqa: BLE001 - a page navigating: no title to go by
        return ""


def _key(element: Element) -> tuple[str, tuple[float, ...]]:
    return element.text, tuple(round(v, 1) for v in element.box.as_list())
