"""Choosing among candidates: an exact match over a near one, one that can be reached over one
that is covered, and a tie reported (``Located.tie``, no element) rather than guessed."""

from __future__ import annotations

import re
from typing import Any

from perception.elements import Element
from perception.engine import Located
from perception.matching import INTERACTIVE, Query, squash
from perception.screen import Screenshot

ACCEPT = 0.6
"""The lowest score that counts as a match."""
TIE_MARGIN = 0.02
"""Two candidates closer than this are a tie."""
EDITOR_AREA = 3.0
"""How many times larger than any other field "the editor" is."""


def fuse(dom: list[Element], ocr: list[Element]) -> list[Element]:
    """Merge OCR candidates into DOM ones that sit at the same place; keep the rest."""
    merged = list(dom)
    for candidate in ocr:
        cx, cy = candidate.point
        holder = next((d for d in dom if d.box.contains_point(cx, cy)), None)
        if holder is not None and candidate.confidence <= holder.confidence + 0.05:
            continue  # the DOM already has it, with a handle
        if holder is not None and holder.role in INTERACTIVE:
            candidate = candidate.model_copy(update={"handle": holder.handle, "role": holder.role})
        merged.append(candidate)
    merged.sort(key=lambda e: -e.confidence)
    return merged


def choose(
    scored: list[Element], screenshot: Screenshot, notes: list[str], query: Query, page: Any
) -> Located:
    """The best candidate, or none when several are equally good: an exact match beats a
    near one, and one that can be reached (not covered, say by a dialog) beats one that
    cannot; what is still tied after that is reported, never guessed in reading order."""
    good = [e for e in scored if e.confidence >= ACCEPT]
    candidates = scored[:5]
    if not good:
        return Located(element=None, candidates=candidates, notes=notes, pool=scored)
    top = good[0].confidence
    tied = [e for e in good if top - e.confidence < TIE_MARGIN]
    for same in (_same_words, _same_letters):  # exact words, then the same case too
        exact = [e for e in tied if query.text and same(e.text, query.text)]
        if exact and len(exact) < len(tied):
            notes.append("an exact match beats a near one")
            tied = exact
    if len(tied) > 1 and query.text and not _widens(query.raw):
        # "Choose" beside "Choose selected permissions" and "Choose all permissions": "all"
        # widens the action to everything, which a description without it does not ask for.
        narrow = [e for e in tied if not _widens_action(e)]
        if narrow and len(narrow) < len(tied):
            notes.append("'all' widens the action: a description without it means the other")
            tied = narrow
    distinct = [tied[0]]
    for element in tied[1:]:
        if not any(same_place(element, kept) for kept in distinct):
            distinct.append(element)
    if len(distinct) > 1 and page is not None:
        reachable = [e for e in distinct if _reachable(page, e)]
        if reachable and len(reachable) < len(distinct):
            notes.append(f"{len(distinct) - len(reachable)} equal candidates are covered")
            distinct = reachable
    if len(distinct) > 1 and _asks_for_editor(query):
        # "The editor" is the big text area, not a one-line box beside it.
        areas = sorted((e.box.area for e in distinct), reverse=True)
        if areas[0] >= EDITOR_AREA * areas[1]:
            notes.append("the editor: the one large text area")
            distinct = [max(distinct, key=lambda e: e.box.area)]
    width, height = screenshot.size
    distinct.sort(key=lambda e: (not e.box.inside(width, height), e.box.y0, e.box.x0))
    if len(distinct) > 1:
        notes.append(f"tie between {len(distinct)} candidates: none chosen")
        rest = [e for e in candidates if e not in distinct]
        return Located(
            element=None, candidates=(distinct + rest)[:5], tie=True, tied=len(distinct),
            notes=notes, pool=scored,
        )  # fmt: skip
    chosen = distinct[0]
    candidates = [chosen] + [e for e in candidates if e is not chosen]
    return Located(element=chosen, candidates=candidates[:5], notes=notes, pool=scored)


_REACHABLE_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
  if (r.bottom < 0 || r.top > innerHeight) return true;  // off screen: scrolled to when used
  let hit = document.elementFromPoint(x, y);
  while (hit && hit.shadowRoot) {  // inside a web component: its content, not its host
    const inner = hit.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === hit) break;
    hit = inner;
  }
  const within = (a, b) => {
    for (let n = b; n; n = n.parentNode || n.host) if (n === a) return true;
    return false;
  };
  return !!hit && (within(el, hit) || within(hit, el)
    || (el.labels && Array.from(el.labels).some(l => within(l, hit))));
}"""


def _reachable(page: Any, element: Element) -> bool:
    """Whether the element itself is on top at its centre (not behind a dialog or overlay)."""
    if not element.handle:
        return True
    try:
        return bool(page.locator(element.handle).evaluate(_REACHABLE_JS, timeout=1000))
    except Exception:  # noqa: BLE001 - a stale handle: let the tie stand
        return True


def same_place(a: Element, b: Element) -> bool:
    """Whether each of two candidates is where the other one acts (one element, found twice)."""
    ax, ay = a.point
    bx, by = b.point
    return a.box.contains_point(bx, by) or b.box.contains_point(ax, ay)


def _same_words(text: str, wanted: str) -> bool:
    return squash(text) == squash(wanted)


def _same_letters(text: str, wanted: str) -> bool:
    """The same words written the same way: ``All`` (a button) is not ``all`` (in a sentence)."""
    return " ".join(text.split()).strip(" .:;,!?") == " ".join(wanted.split()).strip(" .:;,!?")


def _widens(text: str) -> bool:
    """Whether a text names an action on everything ("Select all", "Delete all rows")."""
    return bool(_ALL.search(text))


def _widens_action(element: Element) -> bool:
    """Whether a control's short name acts on everything: a button or link, never a field
    whose content happens to say "all"."""
    short = len(element.text.split()) <= ACTION_WORDS
    return element.role in ACTIONS and short and _widens(element.text)


ACTIONS = frozenset({"button", "link", "menuitem"})
ACTION_WORDS = 6


_ALL = re.compile(r"\b(?:all|every|everything)\b", re.IGNORECASE)


def _asks_for_editor(query: Query) -> bool:
    words = query.raw.lower().replace("-", " ").split()
    return "editor" in words or "textarea" in words or "text area" in query.raw.lower()
