"""Match a plain-language description (``the Username field``, ``Submit button``) to candidates.

Pure functions: a description is split into the text to look for and the role words around it,
and each candidate gets a score in 0..1 from fuzzy text similarity plus role agreement.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from rapidfuzz import fuzz

# Role words people write, mapped to the ARIA roles they mean.
ROLE_WORDS: dict[str, frozenset[str]] = {
    "button": frozenset({"button"}),
    "btn": frozenset({"button"}),
    "link": frozenset({"link"}),
    "field": frozenset({"textbox", "searchbox", "combobox", "spinbutton"}),
    "input": frozenset({"textbox", "searchbox", "combobox", "spinbutton"}),
    "textbox": frozenset({"textbox", "searchbox"}),
    "textarea": frozenset({"textbox"}),
    "editor": frozenset({"textbox"}),
    "box": frozenset({"textbox", "searchbox", "checkbox", "combobox"}),
    "checkbox": frozenset({"checkbox"}),
    "tickbox": frozenset({"checkbox"}),
    "radio": frozenset({"radio"}),
    "dropdown": frozenset({"combobox", "listbox"}),
    "select": frozenset({"combobox", "listbox"}),
    "combobox": frozenset({"combobox"}),
    "menu": frozenset({"combobox", "menu", "menubar", "menuitem"}),
    "tab": frozenset({"tab"}),
    "heading": frozenset({"heading"}),
    "image": frozenset({"img", "image"}),
    "icon": frozenset({"img", "image", "button", "link"}),
    "logo": frozenset({"img", "image", "link"}),
    "switch": frozenset({"switch", "checkbox"}),
    "toggle": frozenset({"switch", "checkbox", "button"}),
    "slider": frozenset({"slider"}),
    "option": frozenset({"option", "radio"}),
    "item": frozenset({"listitem", "menuitem", "option", "treeitem"}),
}
# Containers, named alone (``the dialog``) as the place in a relation: ``the Save button in the
# dialog``. Not role words at the end of a label ("Open dialog" stays a button's name).
PLACE_WORDS: dict[str, frozenset[str]] = {
    "dialog": frozenset({"dialog", "alertdialog"}),
    "modal": frozenset({"dialog", "alertdialog"}),
    "row": frozenset({"row"}),
    "table": frozenset({"table", "grid"}),
    "form": frozenset({"form"}),
    "list": frozenset({"list", "listbox"}),
    "menu": frozenset({"menu", "menubar"}),
}
# Two-word role phrases, tried before single words.
ROLE_PHRASES: dict[str, frozenset[str]] = {
    "text box": ROLE_WORDS["textbox"],
    "text field": ROLE_WORDS["field"],
    "input field": ROLE_WORDS["field"],
    "check box": ROLE_WORDS["checkbox"],
    "tick box": ROLE_WORDS["checkbox"],
    "radio button": ROLE_WORDS["radio"],
    "drop down": ROLE_WORDS["dropdown"],
    "drop-down": ROLE_WORDS["dropdown"],
    "combo box": ROLE_WORDS["combobox"],
    "select box": ROLE_WORDS["dropdown"],
    "menu item": frozenset({"menuitem"}),
    "list item": frozenset({"listitem"}),
}
INTERACTIVE = frozenset(
    {
        "button", "link", "textbox", "searchbox", "combobox", "listbox", "checkbox", "radio",
        "tab", "menuitem", "menuitemcheckbox", "menuitemradio", "option", "switch", "slider",
        "spinbutton", "treeitem",
    }
)  # fmt: skip
EDITABLE = frozenset({"textbox", "searchbox", "combobox", "spinbutton"})
SELECTABLE = frozenset({"combobox", "listbox"})
_ARTICLES = ("the ", "a ", "an ")
_FILLERS = re.compile(r"^(?:labell?ed|named|called|saying|that says|with text|with label)\s+")
# One symbol drawn several ways: a calculator's multiply key shows "*" in one font and "×" in
# another, OCR reads a lone bar as a CJK "一" or a dash. A text that is one of these alone
# means the ASCII key people type.
SYMBOLS = {
    **dict.fromkeys("×✕✖∗⨯※", "*"),
    **dict.fromkeys("÷∕⁄", "/"),
    **dict.fromkeys("−–—‒―一", "-"),
}
# Glyphs OCR confuses in small and bitmap fonts ("0" read as "O", an "O" beside an icon as
# "Q", "l" as "1", "S" as "5", a five-pixel "*" as "#"). A text equal to the description but
# for these is a near match: below an exact reading, so a true "O" beside a "0" still wins,
# and two such readings tie rather than one being guessed.
_LOOKALIKE = str.maketrans("oqil|!sb#m", "00111158*n")
LOOKALIKE_MATCH = 0.92
# For reading text back (expect), only letters a font can draw alike: an "m" squeezed into a
# narrow bitmap cell reads as "n", an "l" as an "i". Digits are left alone, so "8" is never
# taken for a "B" nor "10" for "1O".
_LETTER_ALIKE = str.maketrans("ml|", "nii")
_QUOTED = re.compile(r"[\"“”'‘’«»]([^\"“”'‘’«»]+)[\"“”'‘’«»]")


class Intent(str, Enum):
    """What the step wants to do with the element: it biases which roles fit."""

    CLICK = "click"
    TYPE = "type"
    SELECT = "select"
    TEXT = "text"


@dataclass(frozen=True)
class Query:
    """A parsed description.

    Attributes:
        text: The words to look for (``Username`` in ``the Username field``).
        roles: Roles the description asks for (empty: any).
        raw: The description as given.
        quoted: Whether the text was quoted (then role words inside it are text, not roles).
    """

    text: str
    roles: frozenset[str]
    raw: str
    quoted: bool = False


def normalize(text: str) -> str:
    """Lower case, unicode-folded, with runs of whitespace collapsed and edge punctuation cut."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = " ".join(text.split())
    text = SYMBOLS.get(text, text)
    # Text that is nothing but punctuation ("*", "-", "." on calculator keys) stays as it is.
    return text.strip(" .:;,!?*\u2022-") or text


def squash(text: str) -> str:
    """``normalize`` without any spaces: OCR often drops or adds them."""
    return normalize(text).replace(" ", "")


def parse_description(description: str) -> Query:
    """Split a description into its text and role words.

    ``the Username field`` -> text ``Username``, roles textbox-like; ``"Remember me" checkbox``
    -> text ``Remember me``, roles checkbox; ``Sign in`` -> text ``Sign in``, no roles.
    """
    raw = " ".join(description.split())
    quoted = _QUOTED.search(raw)
    if quoted:
        rest = (raw[: quoted.start()] + " " + raw[quoted.end() :]).lower()
        return Query(text=quoted.group(1).strip(), roles=_roles_in(rest), raw=raw, quoted=True)
    words = _without_article(raw)
    lower = words.lower()
    # Nothing but role words ("the field", "the dropdown") means any element of that role;
    # only with an article, since a bare "Tab" or "Menu" is more often an element's label.
    article = words != raw
    whole = _role_only(lower) if article else None
    if whole is not None:
        return Query(text="", roles=whole, raw=raw)
    roles: set[str] = set()
    # Role words at the end ("Submit button") or at the start ("button Submit").
    changed = True
    while changed:
        changed = False
        for phrase, mapped in list(ROLE_PHRASES.items()) + list(ROLE_WORDS.items()):
            if lower.endswith(" " + phrase) and len(lower) > len(phrase) + 1:
                words, lower = (
                    words[: -len(phrase) - 1].rstrip(),
                    lower[: -len(phrase) - 1].rstrip(),
                )
                roles |= mapped
                changed = True
                break
            if lower.startswith(phrase + " ") and len(lower) > len(phrase) + 1:
                words, lower = words[len(phrase) + 1 :].lstrip(), lower[len(phrase) + 1 :].lstrip()
                roles |= mapped
                changed = True
                break
    filler = _FILLERS.match(lower)
    if filler:
        words = words[filler.end() :]
    return Query(text=words.strip(), roles=frozenset(roles), raw=raw)


def _role_only(lower: str) -> frozenset[str] | None:
    lower = lower.strip()
    return ROLE_PHRASES.get(lower) or ROLE_WORDS.get(lower) or PLACE_WORDS.get(lower)


def _without_article(text: str) -> str:
    lower = text.lower()
    for article in _ARTICLES:
        if lower.startswith(article):
            return text[len(article) :]
    return text


def _roles_in(text: str) -> frozenset[str]:
    roles: set[str] = set()
    for phrase, mapped in ROLE_PHRASES.items():
        if phrase in text:
            roles |= mapped
            text = text.replace(phrase, " ")
    for word in re.findall(r"[a-z-]+", text):
        roles |= ROLE_WORDS.get(word, frozenset())
    return frozenset(roles)


def contains_alike(text: str, part: str) -> int | None:
    """Where ``part`` starts in ``text`` (both ``squash``-ed) if it is there but for letters
    OCR draws alike; None if not."""
    start = text.translate(_LETTER_ALIKE).find(part.translate(_LETTER_ALIKE))
    return None if start < 0 or not part else start


def text_similarity(query: str, text: str) -> float:
    """How well ``text`` matches ``query``, 0..1: exact 1, contained a little less, fuzzy below.

    Spaces are ignored, because OCR and layout often add or drop them.
    """
    q, t = squash(query), squash(text)
    if not q or not t:
        return 0.0
    if q == t:
        return 1.0
    if q.translate(_LOOKALIKE) == t.translate(_LOOKALIKE):
        return LOOKALIKE_MATCH
    whole = fuzz.ratio(q, t) / 100
    if len(q) >= 3 and q in t:
        # Contained: good, but worse the more extra text surrounds it.
        return max(whole, 0.75 + 0.2 * len(q) / len(t))
    partial = fuzz.partial_ratio(q, t) / 100 if len(q) >= 4 else 0.0
    # Worse the more the lengths differ: a long text holding the words, or a short fragment
    # ("to") that happens to occur inside a long description.
    fit = min(1.0, len(q) / len(t) + 0.5) * min(1.0, len(t) / len(q) + 0.5)
    return max(whole, partial * 0.8 * fit)


def role_factor(role: str, query: Query, intent: Intent) -> float:
    """A multiplier for how well a candidate's role fits the description and the intent."""
    factor = 1.0
    if query.roles:
        factor *= 1.0 if role in query.roles else 0.75
    if intent is Intent.TYPE:
        factor *= 1.0 if role in EDITABLE else 0.7
    elif intent is Intent.SELECT:
        factor *= 1.0 if role in SELECTABLE else 0.7
    elif intent is Intent.CLICK and not query.roles:
        factor *= 1.0 if role in INTERACTIVE else 0.92
    return factor


def score(query: Query, *, text: str, role: str, intent: Intent) -> float:
    """Score one candidate (its visible text or name, its role) against a query, 0..1."""
    similarity = text_similarity(query.text, text) if query.text else 0.0
    if not query.text:
        # "the button": only the role speaks; a weak score, so a tie is likely and reported.
        # Unless an element says the words themselves ("Title" may be a label, not a role).
        similarity = 0.7 if role in query.roles else 0.0
        similarity = max(similarity, text_similarity(_without_article(query.raw), text) * 0.95)
    elif not query.quoted and query.roles:
        # "Tab" could be a role word or a label: also try the description taken literally.
        literal = text_similarity(query.raw, text)
        if literal == 1.0:
            # The whole description is the element's own text ("Open it in a new tab", a
            # link): its role words are words, and its role is not held against it.
            plain = Query(text=query.raw, roles=frozenset(), raw=query.raw)
            return max(similarity * role_factor(role, query, intent),
                       0.97 * role_factor(role, plain, intent))  # fmt: skip
        similarity = max(similarity, literal * 0.95)
    return similarity * role_factor(role, query, intent)
