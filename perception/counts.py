"""Reading a count: ``the number of users`` is the number a page shows before "users".

Pages say how many things they list in a sentence ("3 users", "12 rows where author = Lem",
"Showing 1 to 10 of 57 entries"), which no element is named after. A description that asks for
a count (``the number of X``, ``how many X``, ``the X count``) is read as the text where a
number comes just before the noun (a word or two may sit between: "3 matching rows"). Where
no sentence says it, a tab or heading that counts in parentheses does: "Books (3)", or "List
(3)" on a page whose title names the noun (Flask-Admin's list view). When the page shows
different counts of that noun, nothing is guessed.
"""

from __future__ import annotations

import re

from perception.aria import AriaNode

_ASKS = re.compile(
    r"^(?:the\s+)?(?:number|count|total|amount)\s+of\s+(?P<a>.+)$|^how\s+many\s+(?P<b>.+)$"
    r"|^(?:the\s+)?(?P<c>.+?)\s+count$",
    re.IGNORECASE,
)


def counted_noun(description: str) -> str | None:
    """The noun a description asks the count of (``the number of users`` -> ``user``)."""
    match = _ASKS.match(" ".join(description.split()))
    if match is None:
        return None
    words = (match.group("a") or match.group("b") or match.group("c")).split()
    return singular(words[0])


def singular(word: str) -> str:
    """``books`` -> ``book``, ``entries`` -> ``entry`` (lower case)."""
    noun = word.lower().strip(".,:;?!")
    for ending in ("ies", "es", "s"):
        if noun.endswith(ending) and len(noun) > len(ending) + 2:
            return noun[: -len(ending)] + ("y" if ending == "ies" else "")
    return noun


def count_pattern(noun: str) -> re.Pattern[str]:
    """A number, then at most two words, then the noun (singular or plural)."""
    stem = re.escape(noun[:-1] if noun.endswith("y") else noun)
    tail = "(?:ies|y)" if noun.endswith("y") else "(?:e?s)?"
    return re.compile(
        rf"(?<![\w.,])(?P<n>\d[\d,]*)\s+(?:[^\W\d]+\s+){{0,2}}?{stem}{tail}\b", re.IGNORECASE
    )


def counts(nodes: list[AriaNode], noun: str) -> dict[str, AriaNode]:
    """Each count of the noun the page shows, with the smallest node that shows it."""
    pattern = count_pattern(noun)
    found: dict[str, AriaNode] = {}
    for node in nodes:
        text = node.label
        if node.box is None or not text:
            continue
        for match in pattern.finditer(text):
            number = match.group("n").replace(",", "")
            kept = found.get(number)
            if kept is None or len(text) < len(kept.label):
                found[number] = node
    return found


_IN_PARENS = re.compile(r"^(?P<word>[^\W\d][\w ]{0,24}?)\s*\((?P<n>\d[\d,]*)\)$")
LIST_WORDS = frozenset(
    {"list", "results", "result", "all", "found", "matches", "items", "records", "entries",
     "rows", "total"}
)  # fmt: skip
"""Words a list's tab counts after, whatever it lists (the page's title says what)."""


def listed_counts(nodes: list[AriaNode], noun: str, title: str) -> dict[str, AriaNode]:
    """Counts in parentheses: after the noun itself, or after a list word when the page's
    title names the noun."""
    titled = re.search(rf"\b{re.escape(noun[:-1] if noun.endswith('y') else noun)}", title, re.I)
    found: dict[str, AriaNode] = {}
    for node in nodes:
        match = _IN_PARENS.match(" ".join(node.label.split())) if node.box else None
        if match is None:
            continue
        word = match.group("word").strip().lower()
        if singular(word) == noun or (titled and word in LIST_WORDS):
            found.setdefault(match.group("n").replace(",", ""), node)
    return found
