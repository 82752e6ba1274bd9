"""Where a page shows a secret now: the fields holding it (wherever they have scrolled to,
typed with or without a target) and any text echoing it, in every frame, so each capture can
be blacked out there before anyone (a model, the trace, the report) sees it."""

from __future__ import annotations

from typing import Any

# Letters and digits only, lower case: a field that upper-cases, reformats or cuts to a
# prefix still holds the secret's start in this form.
BOXES_JS = r"""
(starts) => {
  const norm = (s) => (s || '').toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  const holds = (text) => { const t = norm(text); return starts.some((s) => t.includes(s)); };
  const boxes = [];
  const add = (r) => {
    if (r.width > 0 && r.height > 0) boxes.push([r.left, r.top, r.right, r.bottom]);
  };
  const look = (root) => {  // a document or an open shadow root, and the roots inside it
    for (const el of root.querySelectorAll('input, textarea, [contenteditable]')) {
      const value = el.isContentEditable ? el.textContent : el.value;
      if (holds(value)) add(el.getBoundingClientRect());
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!holds(node.nodeValue)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) add(r);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) look(el.shadowRoot);
  };
  look(document);
  return boxes;
}
"""


def normalized_starts(values: list[str], least: int) -> list[str]:
    """Each secret as :data:`BOXES_JS` compares it: its letters and digits, lower case, cut
    to its first ``least`` (a field may keep only a prefix)."""
    starts = []
    for value in values:
        kept = "".join(c for c in value.lower() if c.isalnum())
        if kept:
            starts.append(kept[:least])
    return starts


def secret_boxes(page: Any, values: list[str], least: int) -> list[tuple[float, ...]]:
    """Boxes (CSS pixels of the page) where any frame shows one of ``values``."""
    starts = normalized_starts(values, least)
    if not starts:
        return []
    found: list[tuple[float, ...]] = []
    for frame in page.frames:
        box = None
        if frame != page.main_frame:
            try:
                box = frame.frame_element().bounding_box()
            except Exception:  # noqa: BLE001 - detached since the list was read
                continue
            if box is None:  # not shown
                continue
        try:
            dx, dy = (box["x"], box["y"]) if box else (0.0, 0.0)
            for left, top, right, bottom in frame.evaluate(BOXES_JS, starts):
                found.append((left + dx, top + dy, right + dx, bottom + dy))
        except Exception:  # noqa: BLE001 - a document that cannot be read is hidden whole
            if box is not None:
                found.append(
                    (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])
                )
            else:
                size = page.viewport_size or {"width": 10_000, "height": 10_000}
                found.append((0.0, 0.0, float(size["width"]), float(size["height"])))
    return found
