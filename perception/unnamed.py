"""Names for what the accessibility tree leaves unnamed: icons, and fields without labels.

An icon: a link or button that shows only a glyph answers to its tooltip.

An icon font draws its glyph from CSS (``<span class="fa fa-pencil">``), so the accessibility
tree names such a link after a private-use character, or nothing, while a person reads the
tooltip (``title="Edit Record"``) or the picture (a pencil). For the nodes named so, one
script reads each clickable glyph's ``title``, ``aria-label``, ``alt`` or icon class on the
page, and the node (matched by its box) takes that name: ``the edit icon of Kindred`` then
finds it like any named link.

A field: an input with no label at all, or one named after its help text, still has a
``name`` or ``id`` its page gave it (``_filter_value``, ``comment``), which is often what its
purpose is called ("the filter value field", "the comment box"). Those words become a weak
hint (``attrs["hint"]``), below any visible label.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from perception.aria import AriaNode

log = logging.getLogger(__name__)

_ICON_ROLES = frozenset({"link", "button", "menuitem", "tab", "img"})
_ICON_CLASS = re.compile(
    r"^(?:fa|fas|far|fab|bi|glyphicon|icon|mdi|ti|la|oi|octicon)-(?P<name>[a-z][a-z0-9-]*)$"
)


def unnamed(node: AriaNode) -> bool:
    """Whether a node the tree names by a glyph (private-use characters) or not at all is a
    clickable that an icon's tooltip may name."""
    if node.role not in _ICON_ROLES or node.box is None:
        return False
    return not any(ch.isalnum() and not 0xE000 <= ord(ch) <= 0xF8FF for ch in node.label)


def icon_words(classes: list[str]) -> str:
    """The picture an icon font's classes name: ``fa fa-pencil`` -> ``pencil``."""
    words: list[str] = []
    for name in classes:
        match = _ICON_CLASS.match(name)
        if match and match.group("name") not in words:
            words.append(match.group("name").replace("-", " "))
    return " ".join(w for w in words if w not in ("fw", "lg", "2x", "solid", "regular"))


_FIELD_ROLES = frozenset({"textbox", "searchbox", "combobox", "spinbutton", "listbox"})


_READ_JS = """([icons, fields]) => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.x, r.y, r.width, r.height];
  };
  const out = {icons: [], fields: []};
  if (fields) for (const el of document.querySelectorAll('input, select, textarea')) {
    const words = el.getAttribute('name') || el.id || '', b = box(el);
    if (words && b[2] > 0 && b[3] > 0) out.fields.push({box: b, words});
  }
  if (icons) for (const el of document.querySelectorAll(
      'a, button, [role=button], [role=link], [onclick], img[alt], [title]')) {
    if ((el.innerText || '').replace(/[\\ue000-\\uf8ff\\s]/g, '').length > 1) continue;
    const b = box(el);
    if (b[2] === 0 || b[3] === 0) continue;
    const img = el.querySelector('img[alt]');
    const words = ['aria-label', 'title', 'data-original-title', 'data-bs-original-title', 'alt']
      .map((name) => el.getAttribute(name)).concat([img && img.getAttribute('alt')])
      .filter(Boolean);
    const classes = [el, ...el.querySelectorAll('*')].flatMap(
      (e) => typeof e.className === 'string' ? e.className.split(/\\s+/) : []);
    out.icons.push({box: b, words: words.join(' '), classes});
  }
  return out;
}"""


def name_unnamed(page: Any, nodes: list[AriaNode]) -> None:
    """Give the icon nodes the tree leaves unnamed their tooltip or icon name (``name``),
    and every field its page's ``name`` or ``id`` as words (``_filter_value`` -> ``filter
    value``) in ``attrs["hint"]``, in place: one script for the whole page, run only when
    there are such nodes (a text area named after its help text is still ``comment``)."""
    icons = [n for n in nodes if unnamed(n)]
    fields = [n for n in nodes if n.role in _FIELD_ROLES and n.box is not None]
    if not icons and not fields:
        return
    try:
        found = page.evaluate(_READ_JS, [bool(icons), bool(fields)])
    except Exception as exc:  # noqa: BLE001 - a page that moved on keeps its tree as it is
        log.debug("no icon names or field hints: %s", exc)
        return
    for node in fields:
        match = _same_box(node, found["fields"])
        if match is not None:
            words = re.sub(r"(?<=[a-z])(?=[A-Z])|[_\-\[\].]+", " ", match["words"]).strip()
            if words:
                node.attrs["hint"] = words.lower()
    for node in icons:
        icon = _same_box(node, found["icons"])
        if icon is not None:
            name = " ".join(p for p in (icon["words"], icon_words(icon["classes"])) if p)
            if name:
                node.name = name


def _same_box(node: AriaNode, found: list[dict[str, Any]]) -> dict[str, Any] | None:
    assert node.box is not None
    for item in found:
        if all(abs(a - b) <= 1.0 for a, b in zip(node.box, item["box"], strict=True)):
            return item
    return None
