"""Parse Playwright's AI aria snapshot (``page.aria_snapshot(mode="ai", boxes=True)``).

A snapshot is YAML: each list item is ``role "name" [attr] [ref=e8] [box=x,y,w,h]``, optionally
followed by ``: text`` or by a nested list of children. Boxes are CSS pixels relative to the
viewport, so they can lie outside it (above or below the fold).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from perception.elements import Box, Element
from perception.matching import EDITABLE

log = logging.getLogger(__name__)

_KEY = re.compile(
    r'^(?P<role>[A-Za-z][\w-]*)(?: (?P<name>"(?:[^"\\]|\\.)*"))?(?P<attrs>(?: \[[^\]]*\])*)$'
)
_ATTR = re.compile(r"\[([^\]=]+)(?:=([^\]]*))?\]")

try:  # the C loader is ~10x faster on big pages; fall back where libyaml is missing
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment,unused-ignore]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


@dataclass
class AriaNode:
    """One node of the snapshot.

    Attributes:
        role: The ARIA role (``text`` for bare text lines).
        name: The accessible name.
        text: Inline text after the colon (a field's value, a paragraph's text).
        ref: The ``aria-ref`` handle, when the node has one.
        box: ``(x, y, w, h)`` in CSS pixels, when known. Bare text lines borrow their parent's.
        attrs: Flags such as ``checked``, ``selected``, ``disabled``, ``level``.
        depth: Nesting depth (0 for the root).
        box_is_parent: The box is the parent's (bare text lines have none of their own).
        parent_ref: The parent's ``aria-ref``, when it has one.
        preceding_text: The text of the sibling just before this node, when that sibling is
            only text: an unnamed field's visible label (``<label>User</label><input>``
            without ``for``, common in hand-written forms).
    """

    role: str
    name: str = ""
    text: str = ""
    ref: str | None = None
    box: tuple[float, float, float, float] | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    box_is_parent: bool = False
    parent_ref: str | None = None
    preceding_text: str = ""

    @property
    def label(self) -> str:
        """The text a person would read for this node: its name, else its inline text."""
        return self.name or self.text

    def element(self, scale: float, confidence: float = 1.0) -> Element | None:
        """This node as an Element in screenshot pixels (None when it has no box)."""
        if self.box is None:
            return None
        return Element(
            box=Box.from_xywh(*self.box).scaled(scale),
            text=self.label,
            role=self.role,
            confidence=max(0.0, min(1.0, confidence)),
            engine="offline/dom",
            handle=f"aria-ref={self.ref}" if self.ref else None,
            value=self.value,
        )

    @property
    def value(self) -> str | None:
        """What a field holds, or whether a checkbox, radio or switch is on (else None)."""
        if self.role in EDITABLE:
            return self.text
        if self.role in ("checkbox", "radio", "switch", "menuitemcheckbox"):
            state = self.attrs.get("checked")
            return "mixed" if state == "mixed" else str(state is not None).lower()
        return None


def parse_snapshot(snapshot: str) -> list[AriaNode]:
    """Flatten a snapshot into nodes in document order; unparseable lines are skipped.

    Playwright's snapshot is YAML until a text is one YAML refuses (an element whose text is
    ``=``, say, gives ``: =``): then each line is read on its own, and only a line that is
    not of the snapshot's form is dropped, never the page.
    """
    try:
        data = yaml.load(snapshot, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        log.debug("aria snapshot is not YAML (%s); reading it line by line", exc)
        data = _lines_to_items(snapshot)
    nodes: list[AriaNode] = []
    _walk(data if isinstance(data, list) else [], nodes, 0, None)
    _label_by_reading_order(nodes)
    return nodes


_LOOK_BACK = 6
"""How many nodes before an unlabelled field its label may be (a heading, then wrappers)."""


def _label_by_reading_order(nodes: list[AriaNode]) -> None:
    """An unnamed field with no text just before it as a sibling takes the last text before
    it in reading order (a heading over a code editor), unless another control comes between:
    then that text is the other control's."""
    for index, node in enumerate(nodes):
        if node.role not in EDITABLE or node.name or node.preceding_text:
            continue
        for earlier in reversed(nodes[max(0, index - _LOOK_BACK) : index]):
            if earlier.role in EDITABLE or earlier.role in ("button", "link", "checkbox", "radio"):
                break
            if earlier.role in _LABEL_ROLES and earlier.label:
                if _labels_from_near(earlier, node):
                    node.preceding_text = earlier.label
                break


_LABEL_GAP = 60.0
"""How far (CSS pixels) a text above a field, or before it on its line, may be to label it."""


def _labels_from_near(text: AriaNode, field: AriaNode) -> bool:
    """Whether a text sits where a field's label does: just above it, or just before it on
    its line (a heading across the page from a search box labels nothing)."""
    if text.box is None or field.box is None or text.box_is_parent:
        return False
    tx, ty, tw, th = text.box
    fx, fy, fw, fh = field.box
    above = 0 <= fy - (ty + th) <= _LABEL_GAP and tx < fx + fw and fx < tx + tw
    before = abs((ty + th / 2) - (fy + fh / 2)) < max(th, fh) and 0 <= fx - (tx + tw) <= _LABEL_GAP
    return above or before


def _lines_to_items(snapshot: str) -> list[Any]:
    """The snapshot's list structure (as YAML would give it) read line by line: ``- key``,
    ``- key: text`` or ``- key:`` with children indented below."""
    root: list[Any] = []
    stack: list[tuple[int, list[Any]]] = [(-1, root)]
    for number, line in enumerate(snapshot.splitlines(), 1):
        stripped = line.lstrip(" ")
        if not stripped.strip():
            continue
        if not stripped.startswith("- "):
            log.debug("aria snapshot line %d dropped: %r", number, line[:120])
            continue
        indent = len(line) - len(stripped)
        while stack[-1][0] >= indent:
            stack.pop()
        key, value = _split_item(stripped[2:].rstrip())
        siblings = stack[-1][1]
        if value is _CHILDREN:
            children: list[Any] = []
            siblings.append({key: children})
            stack.append((indent, children))
        else:
            siblings.append(key if value is None else {key: value})
    return root


_CHILDREN = object()
"""A line ending in ``:``: its children follow, indented."""


def _split_item(content: str) -> tuple[str, Any]:
    """``role "name" [attrs]: text`` -> (key, text); the colon that splits them is the first
    outside the quoted name and the brackets."""
    quoted = bracket = False
    escaped = False
    for index, char in enumerate(content):
        if quoted:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                quoted = False
            continue
        if char == '"':
            quoted = True
        elif char == "[":
            bracket = True
        elif char == "]":
            bracket = False
        elif char == ":" and not bracket:
            rest = content[index + 1 :]
            if not rest.strip():
                return content[:index], _CHILDREN
            if rest.startswith(" "):
                return content[:index], _unquote(rest.strip())
    return content, None


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except json.JSONDecodeError:
            return text[1:-1]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


_FRAME_BORDER = 1.0
"""A frame's content starts inside its border (the snapshot gives the border box); most pages
draw 0-2 px, so 1 px keeps a click within a pixel of its point."""

# Roles whose node, when it holds nothing but text, reads as a label for the next sibling.
_TEXT_ROLES = frozenset({"text", "generic", "strong", "emphasis", "paragraph", "LabelText"})
_LABEL_ROLES = _TEXT_ROLES | {"heading"}


def _walk(
    items: list[Any],
    out: list[AriaNode],
    depth: int,
    parent: AriaNode | None,
    origin: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Nodes in document order; ``origin``: where the document being walked sits in the page
    (a frame's boxes are its own viewport's, so its content is moved by the frame's place)."""
    previous: AriaNode | None = None  # the sibling before, while it is only text
    for item in items:
        entries: list[tuple[str, Any]] = [(item, None)] if isinstance(item, str) else []
        if isinstance(item, dict):
            entries = [(str(key), value) for key, value in item.items()]
        for key, value in entries:
            if key.startswith("/"):  # properties such as /url: belong to the parent
                if parent is not None:
                    parent.attrs[key[1:]] = str(value)
                continue
            bare_text = key == "text" and isinstance(item, dict)
            node = _text_node(str(value), depth, parent) if bare_text else _node(key, depth)
            if node is None:
                continue
            if node.box is not None and origin != (0.0, 0.0) and not bare_text:
                x, y, w, h = node.box
                node.box = (x + origin[0], y + origin[1], w, h)
            _adopt(node, parent, previous)
            out.append(node)
            if not bare_text and isinstance(value, list):
                inner = origin
                if node.role == "iframe" and node.box is not None:
                    inner = (node.box[0] + _FRAME_BORDER, node.box[1] + _FRAME_BORDER)
                _walk(value, out, depth + 1, node, inner)
            elif not bare_text and value is not None:
                node.text = " ".join(str(value).split())
            previous = node if _labels_next(node, value) else None


def _adopt(node: AriaNode, parent: AriaNode | None, previous: AriaNode | None) -> None:
    if parent is not None and node.parent_ref is None:
        node.parent_ref = parent.ref
    if previous is not None:
        node.preceding_text = previous.label


def _labels_next(node: AriaNode, value: Any) -> bool:
    """Whether the node can label the sibling after it: text only, no children."""
    return not isinstance(value, list) and node.role in _TEXT_ROLES and bool(node.label)


def _text_node(text: str, depth: int, parent: AriaNode | None) -> AriaNode:
    return AriaNode(
        role="text",
        text=" ".join(text.split()),
        box=parent.box if parent else None,
        depth=depth,
        box_is_parent=True,
        parent_ref=parent.ref if parent else None,
    )


def _node(key: str, depth: int) -> AriaNode | None:
    match = _KEY.match(key.strip())
    if not match:
        return None
    name = ""
    if match.group("name"):
        try:
            name = json.loads(match.group("name"))
        except json.JSONDecodeError:
            name = match.group("name").strip('"')
    attrs: dict[str, str] = {}
    ref: str | None = None
    box: tuple[float, float, float, float] | None = None
    for attr, value in _ATTR.findall(match.group("attrs") or ""):
        if attr == "ref":
            ref = value
        elif attr == "box":
            try:
                x, y, w, h = (float(v) for v in value.split(","))
            except ValueError:
                continue
            if w > 0 and h > 0:
                box = (x, y, w, h)
        else:
            attrs[attr] = value
    return AriaNode(
        role=match.group("role"),
        name=" ".join(name.split()),
        ref=ref,
        box=box,
        attrs=attrs,
        depth=depth,
    )


def find_one(page: Any, role: str | None, name: str, *, scale: float) -> Element | None:
    """The one element of the page's current tree with this role and name, with a fresh
    handle; None when there is none, or more than one (then which is meant is unknown)."""
    nodes = [
        n
        for n in parse_snapshot(page.aria_snapshot(mode="ai", boxes=True))
        if n.role == role and n.label == name and n.box is not None and n.ref
    ]
    return nodes[0].element(scale) if len(nodes) == 1 else None


_TEXT_BOX_JS = """(el, wanted) => {
  const squash = (s) => s.replace(/\\s+/g, ' ').trim();
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (squash(node.textContent) !== wanted) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) return [r.x, r.y, r.width, r.height];
  }
  return null;
}"""


def text_box(page: Any, node: AriaNode) -> tuple[float, float, float, float] | None:
    """The box of a bare text line itself (the snapshot gives it its container's), in CSS
    pixels, or None when the page cannot say."""
    if not node.box_is_parent or node.parent_ref is None or not node.text:
        return None
    try:
        box = page.locator(f"aria-ref={node.parent_ref}").evaluate(_TEXT_BOX_JS, node.text)
    except Exception as exc:  # noqa: BLE001 - a page that moved on: keep the container's box
        log.debug("no box for the text %r: %s", node.text[:40], exc)
        return None
    return tuple(box) if box else None
