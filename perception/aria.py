"""Parse Playwright's AI aria snapshot (``page.aria_snapshot(mode="ai", boxes=True)``).

A snapshot is YAML: each list item is ``role "name" [attr] [ref=e8] [box=x,y,w,h]``, optionally
followed by ``: text`` or by a nested list of children. Boxes are CSS pixels relative to the
viewport, so they can lie outside it (above or below the fold).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

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

    @property
    def label(self) -> str:
        """The text a person would read for this node: its name, else its inline text."""
        return self.name or self.text


def parse_snapshot(snapshot: str) -> list[AriaNode]:
    """Flatten a snapshot into nodes in document order; unparseable lines are skipped."""
    try:
        data = yaml.load(snapshot, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return []
    nodes: list[AriaNode] = []
    _walk(data if isinstance(data, list) else [], nodes, 0, None)
    return nodes


def _walk(items: list[Any], out: list[AriaNode], depth: int, parent: AriaNode | None) -> None:
    for item in items:
        if isinstance(item, str):
            node = _node(item, depth)
            if node:
                out.append(node)
        elif isinstance(item, dict):
            for key, value in item.items():
                key = str(key)
                if key.startswith("/"):  # properties such as /url: belong to the parent
                    if parent is not None:
                        parent.attrs[key[1:]] = str(value)
                    continue
                if key == "text":
                    out.append(_text_node(str(value), depth, parent))
                    continue
                node = _node(key, depth)
                if node is None:
                    continue
                out.append(node)
                if isinstance(value, list):
                    _walk(value, out, depth + 1, node)
                elif value is not None:
                    node.text = " ".join(str(value).split())


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
